/**
 * TCP throughput between two namespaces on one bridge network (veth → bridge → veth),
 * against the same iperf3 run over the host's loopback, as a ratio. Only loopback and our
 * own namespaces' addresses are used.
 * Usage: vite-node bench/network-throughput.ts [seconds]
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { destroyNetns } from '../src/network/netns.js';
import { NetworkManager } from '../src/network/network-manager.js';

const seconds = Number(process.argv[2] ?? 3);
const run = promisify(execFile);
const root = await mkdtemp(join(tmpdir(), 'tcn-iperf-'));
const manager = await NetworkManager.open({ stateDir: join(root, 'networks'), upstreams: [] });
const network = await manager.create({ name: `iperf-${process.pid}` });
const [server, client] = ['server', 'client'].map((name) => join(root, name));

const inside = (netns: string | undefined, args: string[]) =>
  netns ? ['nsenter', `--net=${netns}`, ...args] : args;

/** iperf3 server (one test) in `netns` or on the host, then the client's received bits/s. */
async function throughput(address: string, port: number, netns?: string): Promise<number> {
  const [command, ...args] = inside(netns, ['iperf3', '-s', '-1', '-B', address, '-p', `${port}`]);
  const daemon = spawn(command, args, { stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const clientArgs = ['iperf3', '-c', address, '-p', `${port}`, '-t', `${seconds}`, '-J'];
    const [clientCommand, ...rest] = inside(netns && client, clientArgs);
    const { stdout } = await run(clientCommand, rest, { encoding: 'utf8' });
    return JSON.parse(stdout).end.sum_received.bits_per_second;
  } finally {
    daemon.kill();
  }
}

try {
  const [serverEndpoint] = await manager.createSandbox(server, server, [
    { network: network.id, dns: { name: 'server' } },
  ]);
  await manager.createSandbox(client, client, [{ network: network.id, dns: { name: 'client' } }]);
  const port = 20000 + (process.pid % 20000);
  const loopback = await throughput('127.0.0.1', port);
  const bridged = await throughput(serverEndpoint.address, 5201, server);
  const gbits = (value: number) => `${(value / 1e9).toFixed(2)} Gbit/s`;
  console.log(`iperf3 TCP, ${seconds} s each`);
  console.log(`host loopback: ${gbits(loopback)}`);
  console.log(
    `namespace → namespace over the bridge: ${gbits(bridged)} (${(bridged / loopback).toFixed(2)}x loopback)`,
  );
} finally {
  for (const sandbox of [server, client]) await destroyNetns(sandbox);
  for (const sandbox of [server, client]) await manager.release(sandbox);
  await manager.remove(network.id);
  await manager.close();
  await rm(root, { recursive: true, force: true });
}
