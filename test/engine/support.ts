import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { engineNodeFlags, waitForPing } from '../../src/engine/autostart.js';
import { EngineClient } from '../../src/engine/client.js';
import { bridgeName } from '../../src/network/names.js';

export const repo = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Engines started by tests in the host's network namespace get no outbound NAT: nothing
 * may let a container reach the uplink (test/network/network-firewall.test.ts tests NAT in
 * namespaces of its own). Set here, every engine, CLI and child of a test inherits it.
 */
process.env.TCOMPOSE_IP_MASQ = '0';
const engineMain = join(repo, 'dist/engine/main.js');

/** An engine of its own for one test file: own data root, own socket. */
export interface TestEngine {
  root: string;
  socket: string;
  env: NodeJS.ProcessEnv;
  client: EngineClient;
  process: ChildProcess;
  /** Starts (again) the engine process on the same root. */
  restart(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

async function launch(root: string, socket: string): Promise<ChildProcess> {
  const log = openSync(join(root, 'engine.log'), 'a');
  const child = spawn(process.execPath, [...engineNodeFlags, engineMain], {
    env: { ...process.env, TCOMPOSE_ROOT: root, TCOMPOSE_HOST: socket, DOCKER_HOST: '' },
    stdio: ['ignore', log, log],
  });
  const client = new EngineClient({ socketPath: socket });
  if (!(await waitForPing(client, 20_000))) {
    throw new Error(`engine did not start:\n${readFileSync(join(root, 'engine.log'), 'utf8')}`);
  }
  return child;
}

export async function startTestEngine(): Promise<TestEngine> {
  const root = await mkdtemp('/tmp/tce-');
  const socket = join(root, 'engine.sock');
  const engine: TestEngine = {
    root,
    socket,
    env: {
      ...process.env,
      DOCKER_HOST: `unix://${socket}`,
      DOCKER_CONFIG: join(root, 'docker-config'),
    },
    client: new EngineClient({ socketPath: socket }),
    process: await launch(root, socket),
    async restart() {
      engine.process = await launch(root, socket);
      engine.client = new EngineClient({ socketPath: socket });
    },
    async kill(signal) {
      const exited = new Promise((resolve) => engine.process.once('exit', resolve));
      engine.process.kill(signal);
      await exited;
    },
  };
  return engine;
}

/** Container ids this engine ever created, from its event history. */
async function createdIds(engine: TestEngine): Promise<string[]> {
  const until = Math.ceil(Date.now() / 1000) + 1;
  const response = await engine.client.stream('GET', '/events', {
    query: {
      since: '0',
      until: String(until),
      filters: { type: ['container'], event: ['create'] },
    },
  });
  let text = '';
  for await (const chunk of response) text += chunk;
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { Actor: { ID: string } }).Actor.ID);
}

export interface Leaks {
  processes: string[];
  mounts: string[];
  cgroups: string[];
  bridges: string[];
}

/**
 * What of this engine's root is still on the machine: processes, mounts, cgroups, and the
 * bridges of the networks it had.
 */
export function findLeaks(root: string, ids: string[], networkIds: string[] = []): Leaks {
  const processes: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(root) && Number(pid) !== process.pid)
        processes.push(`${pid}: ${cmdline}`);
    } catch {
      // The process ended while we looked.
    }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.includes(root));
  const cgroups: string[] = [];
  for (const controller of readdirSync('/sys/fs/cgroup')) {
    for (const id of ids) {
      const path = `/sys/fs/cgroup/${controller}/tcompose/${id}`;
      if (existsSync(path)) cgroups.push(path);
    }
  }
  const bridges = networkIds
    .map((id) => bridgeName(id))
    .filter((name) => existsSync(`/sys/class/net/${name}`));
  return { processes, mounts, cgroups, bridges };
}

/**
 * Removes every container and network, stops the engine, and reports what leaked (the test
 * asserts there is nothing); then deletes the data root.
 */
export async function stopTestEngine(engine: TestEngine): Promise<Leaks> {
  const ids = await createdIds(engine).catch(() => [] as string[]);
  const containers = await engine.client
    .request<{ Id: string }[]>('GET', '/containers/json', { query: { all: 1 } })
    .catch(() => []);
  for (const container of containers) {
    await engine.client
      .request('DELETE', `/containers/${container.Id}`, { query: { force: 1, v: 1 } })
      .catch(() => undefined);
  }
  const networks = await engine.client
    .request<{ Id: string; Name: string }[]>('GET', '/networks')
    .catch(() => []);
  const bridges = networks.filter((network) => !['host', 'none'].includes(network.Name));
  for (const network of bridges) {
    if (network.Name === 'bridge') continue;
    await engine.client.request('DELETE', `/networks/${network.Id}`).catch(() => undefined);
  }
  if (engine.process.exitCode === null) await engine.kill('SIGTERM');
  const leaks = findLeaks(
    engine.root,
    ids,
    bridges.map((network) => network.Id),
  );
  if (leaks.mounts.length === 0 && leaks.processes.length === 0) {
    await rm(engine.root, { recursive: true, force: true });
  }
  return leaks;
}

/** Stops the engine as stopTestEngine does and fails the file when anything of it leaked. */
export async function stopWithoutLeaks(engine: TestEngine): Promise<void> {
  expect(await stopTestEngine(engine)).toEqual({
    processes: [],
    mounts: [],
    cgroups: [],
    bridges: [],
  });
}

let busyboxArchive: string | undefined;

/** The busybox:latest docker-save archive (built once per test file by scripts/busybox-image.sh). */
export function busyboxTar(root: string): string {
  if (busyboxArchive && existsSync(busyboxArchive)) return busyboxArchive;
  const output = join(root, 'busybox.tar');
  execFileSync('bash', [join(repo, 'scripts/busybox-image.sh'), output], { stdio: 'ignore' });
  busyboxArchive = output;
  return output;
}

/** A test engine with busybox:latest loaded, for tests that run containers. */
export async function startEngineWithBusybox(): Promise<TestEngine> {
  const engine = await startTestEngine();
  await engine.client.request('POST', '/images/load', {
    body: createReadStream(busyboxTar(engine.root)),
    headers: { 'Content-Type': 'application/x-tar' },
  });
  return engine;
}

export interface DockerResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs the real docker CLI (/usr/local/bin/docker) against a test engine. */
export function runDocker(engine: TestEngine, args: string[]): Promise<DockerResult> {
  return new Promise((resolve) => {
    execFile(
      '/usr/local/bin/docker',
      args,
      { env: engine.env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
  });
}

/** Runs the docker CLI against a test engine, expects it to succeed, and gives its stdout. */
export async function dockerOk(engine: TestEngine, args: string[]): Promise<string> {
  const result = await runDocker(engine, args);
  expect({ args, code: result.code, stderr: result.stderr }).toMatchObject({ args, code: 0 });
  return result.stdout;
}
