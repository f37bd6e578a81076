import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineWithBusybox, stopTestEngine, type TestEngine } from '../engine/support.js';
import { eventually, TestProject } from './support.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await startEngineWithBusybox();
});

afterAll(async () => {
  const leaks = await stopTestEngine(engine);
  expect(leaks).toEqual({ processes: [], mounts: [], cgroups: [], bridges: [] });
});

/** A stack without networking needs: it runs on any engine, bridge networking or not. */
const stack = (environment = 'one') => `
services:
  db:
    image: busybox
    network_mode: none
    init: true
    command: sh -c 'echo db ready; exec sleep 600'
    volumes: [data:/data]
  web:
    image: busybox
    network_mode: none
    init: true
    command: sleep 600
    environment: { MODE: ${environment} }
    depends_on: [db]
volumes:
  data: {}
`;

describe('up and down', () => {
  it('creates labelled containers in order, changes nothing on a second up, and recreates only what changed', async () => {
    const project = new TestProject(engine, 'updown', stack());
    const first = await project.run('up', '-d');
    expect(first.code).toBe(0);
    expect(first.stderr.indexOf('Container updown-db-1  Started')).toBeLessThan(
      first.stderr.indexOf('Container updown-web-1  Started'),
    );
    const created = await project.containers();
    expect(Object.keys(created).sort()).toEqual(['updown-db-1', 'updown-web-1']);

    const labels = (
      await engine.client.request<{ Config: { Labels: Record<string, string> } }>(
        'GET',
        '/containers/updown-web-1/json',
      )
    ).Config.Labels;
    expect(labels).toMatchObject({
      'com.docker.compose.project': 'updown',
      'com.docker.compose.service': 'web',
      'com.docker.compose.container-number': '1',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.depends_on': 'db:service_started:false',
    });

    const second = await project.run('up', '-d');
    expect(second.stderr).toContain('Container updown-web-1  Running');
    expect(second.stderr).not.toMatch(/Creat|Recreat/);
    expect(await project.containers()).toEqual(created);

    project.write(stack('two'));
    const third = await project.run('up', '-d');
    expect(third.code).toBe(0);
    const after = await project.containers();
    expect(after['updown-db-1']).toEqual(created['updown-db-1']);
    expect(after['updown-web-1'].id).not.toBe(created['updown-web-1'].id);

    const down = await project.run('down', '-t', '1');
    expect(down.code).toBe(0);
    expect(await project.containers()).toEqual({});
  });

  it('scales a service up and back down', async () => {
    const project = new TestProject(engine, 'scaling', stack());
    expect((await project.run('up', '-d', '--scale', 'web=3')).code).toBe(0);
    expect(Object.keys(await project.containers()).sort()).toEqual([
      'scaling-db-1',
      'scaling-web-1',
      'scaling-web-2',
      'scaling-web-3',
    ]);
    expect((await project.run('up', '-d', '--scale', 'web=1')).code).toBe(0);
    expect(Object.keys(await project.containers()).sort()).toEqual([
      'scaling-db-1',
      'scaling-web-1',
    ]);
    await project.run('down', '-t', '0');
  });

  it('keeps named volumes and their data through down, and removes them with down -v', async () => {
    const project = new TestProject(engine, 'volumes', stack());
    await project.run('up', '-d');
    expect((await project.run('exec', '-T', 'db', 'sh', '-c', 'echo kept > /data/file')).code).toBe(
      0,
    );
    await project.run('down', '-t', '0');
    const volumes = await engine.client.request<{ Volumes: { Name: string }[] }>('GET', '/volumes');
    expect(volumes.Volumes.map((v) => v.Name)).toContain('volumes_data');

    await project.run('up', '-d');
    expect((await project.run('exec', '-T', 'db', 'cat', '/data/file')).stdout).toBe('kept\n');
    expect((await project.run('down', '-v', '-t', '0')).code).toBe(0);
    const after = await engine.client.request<{ Volumes: { Name: string }[] }>('GET', '/volumes');
    expect(after.Volumes.map((v) => v.Name)).not.toContain('volumes_data');
  });
});

describe('dependencies and readiness', () => {
  it('waits for a slow healthcheck with --wait, and for completed dependencies', async () => {
    const project = new TestProject(
      engine,
      'ready',
      `
services:
  db:
    image: busybox
    network_mode: none
    init: true
    command: sh -c 'sleep 1; touch /tmp/ready; exec sleep 600'
    healthcheck: { test: [CMD, test, -f, /tmp/ready], interval: 300ms, retries: 30 }
  migrate:
    image: busybox
    network_mode: none
    command: sh -c 'echo migrated'
    depends_on: { db: { condition: service_healthy } }
  app:
    image: busybox
    network_mode: none
    init: true
    command: sleep 600
    depends_on: { migrate: { condition: service_completed_successfully } }
`,
    );
    const up = await project.run('up', '-d', '--wait');
    expect(up.code).toBe(0);
    const health = await engine.client.request<{ State: { Health: { Status: string } } }>(
      'GET',
      '/containers/ready-db-1/json',
    );
    expect(health.State.Health.Status).toBe('healthy');
    expect((await project.containers())['ready-app-1'].state).toBe('running');
    await project.run('down', '-t', '0');
  });

  it('stops the run naming a dependency that fails its condition, with its last lines', async () => {
    const project = new TestProject(
      engine,
      'failing',
      `
services:
  setup:
    image: busybox
    network_mode: none
    command: sh -c 'echo cannot connect; exit 2'
  app:
    image: busybox
    network_mode: none
    command: sleep 600
    depends_on: { setup: { condition: service_completed_successfully } }
`,
    );
    const up = await project.run('up', '-d');
    expect(up.code).toBe(1);
    expect(up.stderr).toContain(
      'dependency failed to start: container failing-setup-1 of service "setup" didn\'t complete successfully: exit 2',
    );
    expect(up.stderr).toContain('cannot connect');
    expect(Object.keys(await project.containers())).toEqual(['failing-setup-1']);
    await project.run('down', '-t', '0');
  });
});

describe('foreground up', () => {
  const job = `
services:
  server:
    image: busybox
    network_mode: none
    init: true
    command: sh -c 'echo serving; exec sleep 600'
  tests:
    image: busybox
    network_mode: none
    stop_grace_period: 1s
    command: sh -c 'echo 3 failed; exit 3'
    depends_on: [server]
`;

  it('streams prefixed logs and exits with the code of --exit-code-from', async () => {
    const project = new TestProject(engine, 'exitcode', job);
    const up = await project.run('up', '--exit-code-from', 'tests');
    expect(up.code).toBe(3);
    expect(up.stdout).toMatch(/^tests-1 {2}\| 3 failed$/m);
    expect(up.stdout).toMatch(/^server-1 \| serving$/m);
    expect(up.stdout).toContain('tests-1 exited with code 3');
    expect((await project.containers())['exitcode-server-1'].state).toBe('exited');
    await project.run('down', '-t', '0');
  });

  it('stops the project gracefully on Ctrl-C', async () => {
    const project = new TestProject(
      engine,
      'ctrlc',
      job.replace('echo 3 failed; exit 3', 'exec sleep 600'),
    );
    const up = project.spawn('up');
    await eventually(() => up.output().includes('server-1 | serving'));
    up.child.kill('SIGINT');
    expect(await up.exited).toBe(130);
    expect(up.output()).toContain('Gracefully stopping...');
    const states = Object.values(await project.containers()).map((c) => c.state);
    expect(states).toEqual(['exited', 'exited']);
    await project.run('down', '-t', '0');
  });
});

describe('profiles, one-off runs, exec and logs', () => {
  const tools = `
services:
  app:
    image: busybox
    network_mode: none
    init: true
    command: sh -c 'i=0; while true; do echo tick $$i; i=$$((i+1)); sleep 0.2; done'
  debug:
    image: busybox
    network_mode: none
    command: sleep 600
    profiles: [debug]
`;

  it('starts profile services only when their profile is enabled', async () => {
    const project = new TestProject(engine, 'profiles', tools);
    await project.run('up', '-d');
    expect(Object.keys(await project.containers())).toEqual(['profiles-app-1']);
    await project.run('--profile', 'debug', 'up', '-d');
    expect(Object.keys(await project.containers()).sort()).toEqual([
      'profiles-app-1',
      'profiles-debug-1',
    ]);
    await project.run('--profile', 'debug', 'down', '-t', '0');
    expect(await project.containers()).toEqual({});
  });

  it('runs one-off containers, execs into services and follows logs', async () => {
    const project = new TestProject(engine, 'tools', tools);
    await project.run('up', '-d');
    const oneOff = await project.run(
      'run',
      '--rm',
      '-T',
      'app',
      'sh',
      '-c',
      'echo one-off; exit 5',
    );
    expect(oneOff).toMatchObject({ code: 5, stdout: 'one-off\n' });
    expect(Object.keys(await project.containers())).toEqual(['tools-app-1']);

    const exec = await project.run(
      'exec',
      '-T',
      'app',
      'sh',
      '-c',
      // The service sleeps between ticks: wait for one of its sleeps (it may be ticking).
      'n=0; until [ "$n" -gt 0 ]; do n=$(ps -o comm | grep -c "^sleep"); done; echo $PPID; echo $n',
    );
    expect(exec.code).toBe(0);
    const [parent, sleepers] = exec.stdout.split('\n');
    expect(parent).toBe('0');
    expect(Number(sleepers)).toBeGreaterThan(0);

    const logs = project.spawn('logs', '-f', '--no-color', 'app');
    await eventually(() => /^app-1 \| tick (1\d|[5-9])$/m.test(logs.output()));
    expect(logs.output()).toMatch(/^app-1 \| tick 0\napp-1 \| tick 1\n/);
    logs.child.kill('SIGTERM');
    await logs.exited;
    await project.run('down', '-t', '0');
  });
});
