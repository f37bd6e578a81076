/**
 * DNS query latency from inside a container's namespace, p50/p99 over many sequential
 * queries: a service name answered by the network's DNS server, and a name it forwards to
 * an upstream (a fake one on 127.0.0.1, never a real resolver). The reference, measured in
 * the same run over the same path, is a bare UDP echo server on the gateway address.
 * Usage: vite-node bench/network-dns.ts [queries]
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { destroyNetns } from '../src/network/netns.js';
import { NetworkManager } from '../src/network/network-manager.js';
import { startFakeUpstream } from '../test/network/fake-upstream.js';

const queries = Number(process.argv[2] ?? 2000);
const run = promisify(execFile);
const root = await mkdtemp(join(tmpdir(), 'tcn-dnsbench-'));
const upstream = await startFakeUpstream();
const manager = await NetworkManager.open({
  stateDir: join(root, 'networks'),
  upstreams: [upstream.upstream],
});
const network = await manager.create({ name: `dnsbench-${process.pid}` });
const sandboxes = ['client', 'web1', 'web2', 'web3'].map((name) => join(root, name));
const echo = dgram.createSocket('udp4');

async function measure(port: number, name: string): Promise<{ p50: number; p99: number }> {
  const client = join(import.meta.dirname, 'network-dns-client.mjs');
  const args = [
    `--net=${sandboxes[0]}`,
    process.execPath,
    client,
    network.ipam.gateway,
    String(port),
    name,
    String(queries),
  ];
  const { stdout } = await run('nsenter', args, { encoding: 'utf8' });
  return JSON.parse(stdout);
}

try {
  for (const [index, sandbox] of sandboxes.entries()) {
    const names = index === 0 ? { name: 'client' } : { name: `web${index}`, service: 'web' };
    await manager.createSandbox(sandbox, sandbox, [{ network: network.id, dns: names }]);
  }
  echo.on('message', (message, remote) => echo.send(message, remote.port, remote.address));
  await new Promise<void>((resolve) => echo.bind(0, network.ipam.gateway, resolve));
  const reference = await measure(echo.address().port, 'web');
  const local = await measure(53, 'web');
  const forwarded = await measure(53, 'outside.test');
  const show = (label: string, figures: { p50: number; p99: number }) =>
    `${label}: p50 ${figures.p50.toFixed(3)} ms (${(figures.p50 / reference.p50).toFixed(2)}x), p99 ${figures.p99.toFixed(3)} ms (${(figures.p99 / reference.p99).toFixed(2)}x)`;
  console.log(
    `${queries} sequential queries from inside a namespace; reference = UDP echo on the gateway`,
  );
  console.log(`reference: p50 ${reference.p50.toFixed(3)} ms, p99 ${reference.p99.toFixed(3)} ms`);
  console.log(show('service name (3 replicas)', local));
  console.log(show('forwarded to upstream on 127.0.0.1', forwarded));
} finally {
  echo.close();
  for (const sandbox of sandboxes) await destroyNetns(sandbox);
  for (const sandbox of sandboxes) await manager.release(sandbox);
  await manager.remove(network.id);
  await manager.close();
  await upstream.close();
  await rm(root, { recursive: true, force: true });
}
