import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demultiplex } from '../../src/engine/client.js';
import { startEngineWithBusybox, stopWithoutLeaks, type TestEngine } from './support.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await startEngineWithBusybox();
});

afterAll(() => stopWithoutLeaks(engine));

interface Inspect {
  Id: string;
  Name: string;
  RestartCount: number;
  State: {
    Status: string;
    Running: boolean;
    Paused: boolean;
    ExitCode: number;
    Health?: { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string }[] };
  };
}

async function create(name: string, body: object): Promise<string> {
  const { Id } = await engine.client.request<{ Id: string }>('POST', '/containers/create', {
    query: { name },
    body: { Image: 'busybox', ...body },
  });
  return Id;
}

const start = (name: string) => engine.client.request('POST', `/containers/${name}/start`);
const inspect = (name: string) => engine.client.request<Inspect>('GET', `/containers/${name}/json`);

async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  tries = 150,
): Promise<T> {
  let value = await probe();
  for (let attempt = 0; attempt < tries && !accept(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await probe();
  }
  return value;
}

function docker(args: string[], input?: string): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(
      '/usr/local/bin/docker',
      args,
      { env: engine.env, timeout: 30_000 },
      (error, stdout) => resolve({ stdout, code: error ? Number(error.code) || 1 : 0 }),
    );
    child.stdin?.end(input);
  });
}

describe('container lifecycle', () => {
  it('reports health from CMD-SHELL checks and emits health_status events', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await create('healthy', {
      Cmd: ['sleep', '1000'],
      Healthcheck: { Test: ['CMD-SHELL', 'test -e /tmp/ok'], Interval: 200_000_000, Retries: 2 },
    });
    await start('healthy');
    const unhealthy = await eventually(
      () => inspect('healthy'),
      (state) => state.State.Health?.Status === 'unhealthy',
    );
    expect(unhealthy.State.Health).toMatchObject({ Status: 'unhealthy', FailingStreak: 2 });
    await docker(['exec', 'healthy', 'touch', '/tmp/ok']);
    const healthy = await eventually(
      () => inspect('healthy'),
      (state) => state.State.Health?.Status === 'healthy',
    );
    expect(healthy.State.Health?.Log.at(-1)?.ExitCode).toBe(0);
    const events = await docker([
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      'container=healthy',
      '--format',
      '{{.Action}}',
    ]);
    expect(events.stdout).toContain('health_status: unhealthy');
    expect(events.stdout).toContain('health_status: healthy');
    expect(
      (await docker(['ps', '--format', '{{.Status}}', '--filter', 'name=healthy'])).stdout,
    ).toMatch(/\(healthy\)/);
  });

  it('pauses and unpauses with the freezer, kills with a signal, renames, lists processes', async () => {
    await create('pausable', { Cmd: ['sleep', '1000'] });
    await start('pausable');
    await engine.client.request('POST', '/containers/pausable/pause');
    expect((await inspect('pausable')).State).toMatchObject({ Status: 'paused', Paused: true });
    await expect(engine.client.request('POST', '/containers/pausable/pause')).rejects.toMatchObject(
      { statusCode: 409 },
    );
    await engine.client.request('POST', '/containers/pausable/unpause');
    expect((await inspect('pausable')).State).toMatchObject({ Status: 'running', Paused: false });
    const top = await engine.client.request<{ Titles: string[]; Processes: string[][] }>(
      'GET',
      '/containers/pausable/top',
    );
    expect(top.Titles).toContain('PID');
    expect(top.Processes.map((row) => row.at(-1))).toEqual(['sleep 1000']);
    await engine.client.request('POST', '/containers/pausable/rename', {
      query: { name: 'renamed' },
    });
    expect((await inspect('renamed')).Name).toBe('/renamed');
    await engine.client.request('POST', '/containers/renamed/kill', {
      query: { signal: 'SIGKILL' },
    });
    const killed = await eventually(
      () => inspect('renamed'),
      (state) => !state.State.Running,
    );
    expect(killed.State).toMatchObject({ Status: 'exited', ExitCode: 137 });
    await expect(engine.client.request('POST', '/containers/renamed/kill')).rejects.toMatchObject({
      statusCode: 409,
    });
  });

  it('restarts on-failure up to the maximum, then leaves the container exited', async () => {
    await create('flaky', {
      Cmd: ['sh', '-c', 'exit 2'],
      HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } },
    });
    await start('flaky');
    const done = await eventually(
      () => inspect('flaky'),
      (state) => state.RestartCount === 2 && state.State.Status === 'exited',
    );
    expect(done).toMatchObject({ RestartCount: 2, State: { ExitCode: 2, Running: false } });
  });

  it('follows logs until the container exits, with tail and timestamps', async () => {
    await create('talker', {
      Cmd: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done'],
    });
    await start('talker');
    const response = await engine.client.stream('GET', '/containers/talker/logs', {
      query: { stdout: 1, stderr: 1, follow: 1, timestamps: 1 },
    });
    const lines: string[] = [];
    await demultiplex(response, (_stream, payload) => lines.push(payload.toString()));
    expect(lines).toHaveLength(5);
    expect(lines[4]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z line 5\n$/);
    const tail = await engine.client.stream('GET', '/containers/talker/logs', {
      query: { stdout: 1, tail: '2' },
    });
    const last: string[] = [];
    await demultiplex(tail, (_stream, payload) => last.push(payload.toString()));
    expect(last).toEqual(['line 4\n', 'line 5\n']);
    // A negative or non-numeric tail means every line, as in Docker (testcontainers sends -1).
    for (const everything of ['-1', 'all', 'x']) {
      const all = await engine.client.stream('GET', '/containers/talker/logs', {
        query: { stdout: 1, tail: everything },
      });
      const every: string[] = [];
      await demultiplex(all, (_stream, payload) => every.push(payload.toString()));
      expect({ tail: everything, lines: every.length }).toEqual({ tail: everything, lines: 5 });
    }
  });

  it('waits for conditions: next-exit and removed', async () => {
    const id = await create('waited', {
      Cmd: ['sh', '-c', 'sleep 0.3; exit 5'],
      HostConfig: { AutoRemove: true },
    });
    const removed = engine.client.request<{ StatusCode: number }>(
      'POST',
      `/containers/${id}/wait`,
      { query: { condition: 'removed' } },
    );
    await start(id);
    expect(await removed).toMatchObject({ StatusCode: 5 });
    await expect(inspect(id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('mounts the rootfs only inside the container and leaves nothing of it after remove', async () => {
    const id = await create('rootfs-inside', {
      Cmd: ['sh', '-c', 'echo changed > /etc/motd; exec sleep 1000'],
      User: 'nobody',
    });
    await start(id);
    const { State } = await engine.client.request<{ State: { Pid: number } }>(
      'GET',
      `/containers/${id}/json`,
    );
    const hostMounts = () => readFileSync('/proc/self/mountinfo', 'utf8');
    expect(hostMounts()).not.toContain(join(engine.root, 'images'));
    // Its files are there for whoever looks through the container's root.
    expect(existsSync(`/proc/${State.Pid}/root/bin/busybox`)).toBe(true);
    const exec = await docker(['exec', 'rootfs-inside', 'id', '-un']);
    expect(exec.stdout.trim()).toBe('nobody');
    await engine.client.request('DELETE', `/containers/${id}`, { query: { force: '1' } });
    expect(hostMounts()).not.toContain(join(engine.root, 'images'));
    expect(hostMounts()).not.toContain(id.slice(0, 12));
    expect(readdirSync(join(engine.root, 'images', 'snapshots'))).not.toContain(id);
    expect(existsSync(join(engine.root, 'run', 'tcrun', id))).toBe(false);
  });

  it('attaches stdin with docker run -i and passes a TTY through exec -t', async () => {
    expect(await docker(['run', '--rm', '-i', 'busybox', 'tr', 'a-z', 'A-Z'], 'shout\n')).toEqual({
      stdout: 'SHOUT\n',
      code: 0,
    });
    await create('ttyhost', { Cmd: ['sleep', '1000'] });
    await start('ttyhost');
    const tty = await docker(['exec', '-t', 'ttyhost', 'sh', '-c', '[ -t 1 ] && echo tty']);
    expect(tty.stdout.trim()).toBe('tty');
  });

  it('prunes stopped containers and reports disk usage', async () => {
    await create('stopped-one', { Cmd: ['true'] });
    await start('stopped-one');
    await eventually(
      () => inspect('stopped-one'),
      (state) => state.State.Status === 'exited',
    );
    const pruned = await engine.client.request<{ ContainersDeleted: string[] }>(
      'POST',
      '/containers/prune',
    );
    expect(pruned.ContainersDeleted.length).toBeGreaterThanOrEqual(1);
    const running = await engine.client.request<{ Names: string[] }[]>('GET', '/containers/json', {
      query: { all: 1 },
    });
    expect(running.every((container) => !container.Names.includes('/stopped-one'))).toBe(true);
    const df = await engine.client.request<{ Images: object[]; Containers: object[] }>(
      'GET',
      '/system/df',
    );
    expect(df.Images).toHaveLength(1);
  });

  it('filters system calls under no-new-privileges and fails a start cleanly', async () => {
    const filtered = await docker([
      'run',
      '--rm',
      '--security-opt',
      'no-new-privileges',
      'busybox',
      'sh',
      '-c',
      'grep Seccomp: /proc/self/status; unshare -m true || echo denied',
    ]);
    expect(filtered.stdout).toMatch(/Seccomp:\s+2\ndenied\n/);
    // The user does not exist in the image: the start fails, the attached CLI is told, and
    // the auto-remove container is gone.
    const failed = await docker([
      'run',
      '--rm',
      '--name',
      'failing',
      '-u',
      'nosuchuser',
      'busybox',
      'true',
    ]);
    expect(failed.code).toBe(125);
    expect((await docker(['ps', '-a', '-q', '--filter', 'name=failing'])).stdout).toBe('');
  });
});
