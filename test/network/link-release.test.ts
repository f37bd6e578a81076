import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyNetns } from '../../src/network/netns.js';
import { NetworkManager } from '../../src/network/network-manager.js';
import { closeWithoutLeaks, inNetns, linkNames, makeRoot } from './support.js';

const root = await makeRoot('link-release');
let manager: NetworkManager;
const links: string[] = [];

beforeAll(async () => {
  manager = await NetworkManager.open({ stateDir: root.stateDir, upstreams: [] });
});

afterAll(() => closeWithoutLeaks(manager, root, links));

describe('releasing a stopped container’s endpoints', () => {
  it('returns before the kernel sweeps the veths, yet a restart and the network removal wait for it', async () => {
    const net = await manager.create({ name: root.unique('sweep') });
    links.push(net.bridge);
    const sandboxes = ['a', 'b', 'c'].map((name) => join(root.runDir, name));
    const attach = (path: string) =>
      manager.createSandbox(path, path, [{ network: net.id, dns: { name: path } }]);
    const first = await Promise.all(sandboxes.map(attach));
    const hostEnds = first.map(([endpoint]) => endpoint.hostIfname);
    links.push(...hostEnds);

    // A stop: the namespace goes first, then the endpoints, all together.
    await Promise.all(
      sandboxes.map(async (path) => {
        await destroyNetns(path);
        await manager.release(path);
      }),
    );
    expect(manager.inspect(net.id).endpoints).toEqual({});

    // The same container starting again gets the same host end names.
    const [again] = await attach(sandboxes[0]);
    expect(again.hostIfname).toBe(hostEnds[0]);
    const ping = await inNetns(sandboxes[0], [
      'busybox',
      'ping',
      '-c',
      '1',
      '-W',
      '2',
      net.ipam.gateway,
    ]);
    expect(ping.code, ping.stdout).toBe(0);
    await destroyNetns(sandboxes[0]);
    await manager.release(sandboxes[0]);

    await manager.linksReleased();
    expect((await linkNames()).filter((name) => hostEnds.includes(name))).toEqual([]);
    await manager.remove(net.id);
    expect(await linkNames()).not.toContain(net.bridge);
  });

  it('deletes the host ends at once when the namespace is still there', async () => {
    const net = await manager.create({ name: root.unique('kept') });
    links.push(net.bridge);
    const path = join(root.runDir, 'kept');
    const [endpoint] = await manager.createSandbox(path, path, [
      { network: net.id, dns: { name: 'kept' } },
    ]);
    links.push(endpoint.hostIfname);
    await manager.release(path);
    expect(await linkNames()).not.toContain(endpoint.hostIfname);
    await destroyNetns(path);
    await manager.remove(net.id);
  });
});
