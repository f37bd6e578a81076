/**
 * The networking cost of starting containers: creating a bridge network and attaching 50
 * namespaces to it (veth, address, route, DNS entry), against creating 50 bare namespaces
 * (what `network_mode: none` costs). Both create everything concurrently, as the scheduler
 * starts services, and tear everything down after each round (teardown timed apart).
 * Usage: vite-node bench/network-attach.ts [containers] [rounds]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runProgram } from '../src/engine/containers/runtime.js';
import { useProgramRunner } from '../src/network/ip-batch.js';
import { createNetns, destroyNetns } from '../src/network/netns.js';
import { NetworkManager } from '../src/network/network-manager.js';

// As in the engine: programs run through its spawner, not by forks of this process.
useProgramRunner(runProgram);

const containers = Number(process.argv[2] ?? 50);
const rounds = Number(process.argv[3] ?? 5);
const root = await mkdtemp(join(tmpdir(), 'tcn-bench-'));
const manager = await NetworkManager.open({ stateDir: join(root, 'networks'), upstreams: [] });

const paths = (round: number) =>
  Array.from({ length: containers }, (_, index) => join(root, 'netns', `r${round}c${index}`));

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function bare(round: number) {
  const sandboxes = paths(round);
  const setup = await timed(() => Promise.all(sandboxes.map((sandbox) => createNetns(sandbox))));
  const teardown = await timed(() => Promise.all(sandboxes.map(destroyNetns)));
  return { setup, teardown };
}

async function networked(round: number) {
  const sandboxes = paths(round);
  let networkId = '';
  const setup = await timed(async () => {
    const network = await manager.create({ name: `bench-${process.pid}-${round}` });
    networkId = network.id;
    await Promise.all(
      sandboxes.map((sandbox, index) =>
        manager.createSandbox(sandbox, sandbox, [
          { network: network.id, dns: { name: `c${index}`, service: 'svc' } },
        ]),
      ),
    );
  });
  const teardown = await timed(async () => {
    await Promise.all(sandboxes.map(destroyNetns));
    await Promise.all(sandboxes.map((sandbox) => manager.release(sandbox)));
    await manager.remove(networkId);
  });
  return { setup, teardown };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
interface Timing {
  setup: number;
  teardown: number;
}
const results: { bare: Timing[]; networked: Timing[] } = { bare: [], networked: [] };
try {
  for (let round = 0; round < rounds; round++) {
    results.bare.push(await bare(round));
    results.networked.push(await networked(round));
  }
} finally {
  await manager.close();
  await rm(root, { recursive: true, force: true });
}
const line = (kind: 'setup' | 'teardown') => {
  const reference = median(results.bare.map((r) => r[kind]));
  const measured = median(results.networked.map((r) => r[kind]));
  return `${kind}: ${containers} bare namespaces ${reference.toFixed(0)} ms; network + ${containers} attached ${measured.toFixed(0)} ms (${(measured / reference).toFixed(2)}x, ${((measured - reference) / containers).toFixed(1)} ms per container)`;
};
console.log(`median of ${rounds} rounds`);
console.log(line('setup'));
console.log(line('teardown'));
