/**
 * Networking as containers see it, through a real engine (NAT off, as in tests):
 * - DNS: p50/p99 of many sequential queries from inside a busybox container (a node client
 *   bind-mounted in) to its network's DNS server, for a service name with 3 replicas;
 *   reference: the same loop against a bare UDP echo on the gateway address (same path).
 * - TCP: iperf3 (the host's, bind-mounted with its libraries into busybox containers) from
 *   one container to another on a bridge network; reference: the same iperf3 over the
 *   host's loopback. Only loopback and our containers' addresses are used.
 * Usage: vite-node bench/network-containers.ts [queries] [seconds]
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { createReadStream, openSync, readFileSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { waitForPing } from '../src/engine/autostart.js';
import { demultiplex, EngineClient } from '../src/engine/client.js';

const queries = Number(process.argv[2] ?? 2000);
const seconds = Number(process.argv[3] ?? 3);
const run = promisify(execFile);
const repo = join(import.meta.dirname, '..');
const root = await mkdtemp('/tmp/tcnb-containers-');
const socketPath = join(root, 'engine.sock');
const network = `bench-${process.pid}`;
const created: string[] = [];

/** Read-only binds that make host binaries run in busybox: each binary, and its libraries' directories. */
function toolBinds(binaries: string[]): string[] {
  const binds = new Map<string, string>();
  for (const binary of binaries) {
    binds.set(`/usr/bin/${basename(binary)}`, realpathSync(binary));
    const libraries = execFileSync('ldd', [binary], { encoding: 'utf8' }).matchAll(/(\/\S+) \(0x/g);
    for (const [, library] of libraries) {
      binds.set(dirname(library), dirname(realpathSync(library)));
    }
  }
  return [...binds].map(([target, source]) => `${source}:${target}:ro`);
}

const binds = [...toolBinds([process.execPath, '/usr/bin/iperf3']), `${repo}/bench:/bench:ro`];

function startEngine(): ChildProcess {
  const log = openSync(join(root, 'engine.log'), 'a');
  return spawn(process.execPath, [join(repo, 'dist/engine/main.js')], {
    env: { ...process.env, TCOMPOSE_ROOT: root, TCOMPOSE_HOST: socketPath, TCOMPOSE_IP_MASQ: '0' },
    stdio: ['ignore', log, log],
  });
}

const engine = startEngine();
const client = new EngineClient({ socketPath });

/** Creates and starts a busybox container on the bench network; its id. */
async function start(cmd: string[], labels: Record<string, string> = {}): Promise<string> {
  const { Id } = await client.request<{ Id: string }>('POST', '/containers/create', {
    body: {
      Image: 'busybox',
      Cmd: cmd,
      Labels: labels,
      HostConfig: { NetworkMode: network, Binds: binds },
    },
  });
  created.push(Id);
  await client.request('POST', `/containers/${Id}/start`);
  return Id;
}

/** Runs a container to its end; its stdout (it must exit 0). */
async function output(cmd: string[]): Promise<string> {
  const id = await start(cmd);
  const { StatusCode } = await client.request<{ StatusCode: number }>(
    'POST',
    `/containers/${id}/wait`,
  );
  let stdout = '';
  let stderr = '';
  const logs = await client.stream('GET', `/containers/${id}/logs`, {
    query: { stdout: 1, stderr: 1 },
  });
  await demultiplex(logs, (stream, payload) => {
    if (stream === 1) stdout += payload;
    else stderr += payload;
  });
  if (StatusCode !== 0) throw new Error(`${cmd.join(' ')} exited ${StatusCode}: ${stderr}`);
  return stdout;
}

async function address(id: string): Promise<string> {
  const inspected = await client.request<{
    NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
  }>('GET', `/containers/${id}/json`);
  return inspected.NetworkSettings.Networks[network].IPAddress;
}

const latency = async (server: string, port: number) =>
  JSON.parse(
    await output([
      'node',
      '/bench/network-dns-client.mjs',
      server,
      String(port),
      'web',
      String(queries),
    ]),
  ) as { p50: number; p99: number };

const iperfClient = (server: string, port: number) => [
  'iperf3',
  '-c',
  server,
  '-p',
  String(port),
  '-t',
  String(seconds),
  '-J',
];
const receivedBits = (json: string) => JSON.parse(json).end.sum_received.bits_per_second as number;

async function loopbackThroughput(port: number): Promise<number> {
  const server = spawn('iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { stdout } = await run('iperf3', iperfClient('127.0.0.1', port), { encoding: 'utf8' });
    return receivedBits(stdout);
  } finally {
    server.kill();
  }
}

const echo = dgram.createSocket('udp4');
try {
  if (!(await waitForPing(client, 20_000)))
    throw new Error(readFileSync(join(root, 'engine.log'), 'utf8'));
  execFileSync('bash', [join(repo, 'scripts/busybox-image.sh'), join(root, 'busybox.tar')], {
    stdio: 'ignore',
  });
  await client.request('POST', '/images/load', {
    body: createReadStream(join(root, 'busybox.tar')),
    headers: { 'Content-Type': 'application/x-tar' },
  });
  await client.request('POST', '/networks/create', { body: { Name: network } });
  const { IPAM } = await client.request<{ IPAM: { Config: { Gateway: string }[] } }>(
    'GET',
    `/networks/${network}`,
  );
  const gateway = IPAM.Config[0].Gateway;
  for (let replica = 0; replica < 3; replica++) {
    await start(['sleep', '1000'], { 'com.docker.compose.service': 'web' });
  }
  echo.on('message', (message, remote) => echo.send(message, remote.port, remote.address));
  await new Promise<void>((resolve) => echo.bind(0, gateway, resolve));
  const reference = await latency(gateway, echo.address().port);
  const served = await latency(gateway, 53);

  const port = 20000 + (process.pid % 20000);
  const loopback = await loopbackThroughput(port);
  const iperfServer = await start(['iperf3', '-s', '-1', '-p', '5201']);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const bridged = receivedBits(await output(iperfClient(await address(iperfServer), 5201)));

  const ms = (value: number) => `${value.toFixed(3)} ms`;
  const gbits = (value: number) => `${(value / 1e9).toFixed(2)} Gbit/s`;
  console.log(
    `DNS, ${queries} sequential queries from inside a busybox container (reference: UDP echo on the gateway)`,
  );
  console.log(`  reference:                 p50 ${ms(reference.p50)}, p99 ${ms(reference.p99)}`);
  console.log(
    `  service name (3 replicas): p50 ${ms(served.p50)} (${(served.p50 / reference.p50).toFixed(2)}x), p99 ${ms(served.p99)} (${(served.p99 / reference.p99).toFixed(2)}x)`,
  );
  console.log(`TCP, iperf3 ${seconds} s each`);
  console.log(`  host loopback:                         ${gbits(loopback)}`);
  console.log(
    `  container → container over the bridge: ${gbits(bridged)} (${(bridged / loopback).toFixed(2)}x loopback)`,
  );
} finally {
  echo.close();
  for (const id of created) {
    await client
      .request('DELETE', `/containers/${id}`, { query: { force: 1 } })
      .catch(() => undefined);
  }
  await client.request('DELETE', `/networks/${network}`).catch(() => undefined);
  const exited = new Promise((resolve) => engine.once('exit', resolve));
  engine.kill('SIGTERM');
  await exited;
  await rm(root, { recursive: true, force: true });
}
