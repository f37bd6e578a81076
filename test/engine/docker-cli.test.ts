import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  busyboxTar,
  dockerOk,
  repo,
  runDocker,
  startTestEngine,
  stopWithoutLeaks,
  type TestEngine,
} from './support.js';

let engine: TestEngine;

/** The real docker CLI against this file's engine. */
const docker = (...args: string[]) => runDocker(engine, args);

const ok = (...args: string[]) => dockerOk(engine, args);

beforeAll(async () => {
  engine = await startTestEngine();
});

afterAll(() => stopWithoutLeaks(engine));

describe('the real docker CLI against the engine', () => {
  it('negotiates the version and shows info', async () => {
    const version = await ok(
      'version',
      '--format',
      '{{.Server.APIVersion}} {{.Server.MinAPIVersion}}',
    );
    expect(version.trim()).toBe('1.47 1.41');
    expect(await ok('info', '--format', '{{.Driver}} {{.CgroupDriver}}')).toContain(
      'overlay2 cgroupfs',
    );
  });

  it('loads the busybox archive and lists it', async () => {
    expect(await ok('load', '-i', busyboxTar(engine.root))).toContain(
      'Loaded image: busybox:latest',
    );
    expect(await ok('images', '--format', '{{.Repository}}:{{.Tag}}')).toContain('busybox:latest');
  });

  it('runs a container in the foreground and removes it', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    expect(await ok('run', '--rm', 'busybox', 'echo', 'hi')).toBe('hi\n');
    expect((await ok('ps', '-a', '-q')).trim()).toBe('');
    const failing = await docker('run', '--rm', 'busybox', 'sh', '-c', 'echo oops >&2; exit 3');
    expect(failing).toMatchObject({ code: 3, stderr: 'oops\n' });
    const events = await ok(
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      'type=container',
      '--format',
      '{{.Action}}',
    );
    const actions = events.trim().split('\n');
    for (const action of ['create', 'start', 'die', 'destroy']) expect(actions).toContain(action);
  });

  it('runs a detached container: ps, logs, exec, inspect, stop, rm', async () => {
    const id = (
      await ok(
        'run',
        '-d',
        '--name',
        'w',
        'busybox',
        'sh',
        '-c',
        'echo out-line; echo err-line >&2; exec sleep 1000',
      )
    ).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await ok('ps', '--format', '{{.Names}} {{.Status}}')).toMatch(/^w Up/m);
    let logs = await docker('logs', 'w');
    for (let attempt = 0; attempt < 20 && !logs.stdout.includes('out-line'); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      logs = await docker('logs', 'w');
    }
    expect(logs).toMatchObject({ stdout: 'out-line\n', stderr: 'err-line\n', code: 0 });
    expect((await ok('exec', 'w', 'hostname')).trim()).toBe(id.slice(0, 12));
    expect((await docker('exec', 'w', 'sh', '-c', 'exit 7')).code).toBe(7);
    const state = JSON.parse(await ok('inspect', '--format', '{{json .State}}', 'w'));
    expect(state).toMatchObject({ Status: 'running', Running: true });
    expect((await docker('rm', 'w')).stderr).toMatch(/container is running/);
    await ok('stop', '-t', '1', 'w');
    expect(
      (await ok('inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'w')).trim(),
    ).toBe('exited 137');
    await ok('rm', 'w');
    expect((await docker('inspect', 'w')).code).toBe(1);
  });

  it('manages volumes whose data outlives containers', async () => {
    expect((await ok('volume', 'create', 'vol')).trim()).toBe('vol');
    expect(await ok('volume', 'ls', '--format', '{{.Name}}')).toContain('vol');
    const volume = JSON.parse(await ok('volume', 'inspect', 'vol'))[0];
    expect(volume).toMatchObject({ Name: 'vol', Driver: 'local' });
    await ok('run', '--rm', '-v', 'vol:/data', 'busybox', 'sh', '-c', 'echo kept > /data/file');
    expect(await ok('run', '--rm', '-v', 'vol:/data:ro', 'busybox', 'cat', '/data/file')).toBe(
      'kept\n',
    );
    await ok('volume', 'rm', 'vol');
    expect((await ok('volume', 'ls', '-q')).trim()).toBe('');
  });

  it('mounts a tmpfs volume while a container uses it and refuses to remove it meanwhile', async () => {
    await ok('volume', 'create', '--opt', 'type=tmpfs', '--opt', 'o=size=10m', 'scratch');
    await ok('run', '-d', '--name', 'scratcher', '-v', 'scratch:/t', 'busybox', 'sleep', '1000');
    const mountpoint = (
      await ok('volume', 'inspect', '--format', '{{.Mountpoint}}', 'scratch')
    ).trim();
    const mounted = () => readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${mountpoint} `);
    expect(mounted()).toBe(true);
    expect((await docker('volume', 'rm', 'scratch')).stderr).toMatch(/volume is in use/);
    await ok('rm', '-f', 'scratcher');
    expect(mounted()).toBe(false);
    await ok('volume', 'rm', 'scratch');
  });

  it('tags, saves, imports, inspects and removes images', async () => {
    await ok('tag', 'busybox', 'mybox:1');
    expect(await ok('images', '--format', '{{.Repository}}:{{.Tag}}')).toContain('mybox:1');
    const archive = join(engine.root, 'saved.tar');
    await ok('save', '-o', archive, 'mybox:1');
    expect(statSync(archive).size).toBeGreaterThan(100_000);
    expect(await ok('rmi', 'mybox:1')).toContain('Untagged: mybox:1');
    const rootfs = join(engine.root, 'import.tar');
    execFileSync('tar', ['-C', join(repo, 'test/engine'), '-cf', rootfs, 'support.ts']);
    const imported = await docker('import', rootfs, 'imported:v1');
    expect(imported.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect((await ok('image', 'inspect', '--format', '{{.Os}}', 'imported:v1')).trim()).toBe(
      'linux',
    );
    expect(await ok('history', 'busybox')).toContain('IMAGE');
    await ok('rmi', 'imported:v1');
    expect((await docker('image', 'inspect', 'imported:v1')).code).toBe(1);
  });
});
