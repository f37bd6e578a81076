import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overlaps, parseSubnet } from '../../src/network/ipam.js';
import { vethName } from '../../src/network/names.js';
import { createNetns, destroyNetns, listNetns } from '../../src/network/netns.js';
import { NetworkManager } from '../../src/network/network-manager.js';
import { type NetworkRecord, NetworkStore } from '../../src/network/network-store.js';
import {
  closeWithoutLeaks,
  eventually,
  httpGet,
  inNetns,
  linkNames,
  makeRoot,
  ownBoundSockets,
  startInNetns,
  stopProcess,
} from './support.js';

const root = await makeRoot('bridge');
let manager: NetworkManager;
const sandboxes: string[] = [];
const networks: NetworkRecord[] = [];
const links: string[] = [];

async function sandbox(name: string): Promise<string> {
  const path = join(root.runDir, name);
  await createNetns(path);
  sandboxes.push(path);
  return path;
}

async function network(name: string, internal = false): Promise<NetworkRecord> {
  const record = await manager.create({ name: root.unique(name), internal });
  networks.push(record);
  links.push(record.bridge);
  return record;
}

beforeAll(async () => {
  manager = await NetworkManager.open({ stateDir: root.stateDir, upstreams: [] });
});

afterAll(() =>
  closeWithoutLeaks(manager, root, links, async () => {
    for (const path of sandboxes) await manager.release(path);
    for (const path of sandboxes) await destroyNetns(path);
    // Some were removed by their test already.
    for (const record of networks) await manager.remove(record.id).catch(() => {});
  }),
);

describe('bridge networks', () => {
  it('puts two namespaces on one bridge where they reach each other by address', async () => {
    const net = await network('front');
    const [a, b] = [await sandbox('a'), await sandbox('b')];
    const [endpointA] = await manager.connect(a, a, [{ network: net.name, dns: { name: 'a' } }]);
    const [endpointB] = await manager.connect(b, b, [{ network: net.name, dns: { name: 'b' } }]);
    links.push(endpointA.hostIfname, endpointB.hostIfname);

    expect(endpointA.ifname).toBe('eth0');
    expect(endpointA.address).not.toBe(endpointB.address);
    const shown = await inNetns(a, ['ip', '-o', 'addr', 'show', 'eth0']);
    expect(shown.stdout).toContain(`inet ${endpointA.address}/`);
    const link = await inNetns(a, ['ip', '-o', 'link', 'show', 'eth0']);
    expect(link.stdout).toContain(endpointA.mac);
    const route = await inNetns(a, ['ip', 'route', 'show', 'default']);
    expect(route.stdout).toContain(`default via ${net.ipam.gateway} dev eth0`);

    const ping = await inNetns(a, ['busybox', 'ping', '-c', '1', '-W', '2', endpointB.address]);
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);

    const www = join(root.dir, 'www');
    await mkdir(www, { recursive: true });
    await writeFile(join(www, 'index.html'), 'hello from b\n');
    const httpd = startInNetns(b, ['busybox', 'httpd', '-f', '-p', '80', '-h', www]);
    try {
      let body: string | undefined;
      await eventually(async () => {
        body = await httpGet(a, endpointB.address);
        return body !== undefined;
      });
      expect(body).toBe('hello from b\n');
    } finally {
      await stopProcess(httpd);
    }
  });

  it('gives containers on an internal network no default route', async () => {
    const net = await network('internal', true);
    const c = await sandbox('c');
    const [endpoint] = await manager.connect(c, c, [{ network: net.name, dns: { name: 'c' } }]);
    links.push(endpoint.hostIfname);
    expect(endpoint.defaultRoute).toBe(false);
    const routes = await inNetns(c, ['ip', 'route']);
    expect(routes.stdout).toContain(`dev eth0`);
    expect(routes.stdout).not.toContain('default');
  });

  it('connects and disconnects a live namespace, moving the default route', async () => {
    const internal = await network('side-internal', true);
    const first = await network('side-one');
    const second = await network('side-two');
    const d = await sandbox('d');
    const endpoints = await manager.connect(d, d, [
      { network: internal.name, dns: { name: 'd' } },
      {
        network: first.name,
        dns: { name: 'd' },
        ipv4Address: first.ipam.gateway.replace(/\.1$/, '.77'),
      },
    ]);
    links.push(...endpoints.map((endpoint) => endpoint.hostIfname));
    expect(endpoints.map((endpoint) => [endpoint.ifname, endpoint.defaultRoute])).toEqual([
      ['eth0', false],
      ['eth1', true],
    ]);
    expect(endpoints[1].address).toMatch(/\.77$/);

    const [late] = await manager.connect(d, d, [{ network: second.name, dns: { name: 'd' } }]);
    links.push(late.hostIfname);
    expect([late.ifname, late.defaultRoute]).toEqual(['eth2', false]);
    expect((await inNetns(d, ['ip', '-o', 'link'])).stdout).toContain('eth2@');

    await manager.disconnect(d, first.name);
    const after = await inNetns(d, ['ip', '-o', 'link']);
    expect(after.stdout).not.toContain('eth1@');
    expect(await linkNames()).not.toContain(endpoints[1].hostIfname);
    const route = await inNetns(d, ['ip', 'route', 'show', 'default']);
    expect(route.stdout).toContain(`default via ${second.ipam.gateway} dev eth2`);
    expect(manager.inspect(first.id).endpoints).toEqual({});
  });

  it('refuses to remove a network with endpoints, then removes it once they are released', async () => {
    const net = await network('busy');
    const e = await sandbox('e');
    const [endpoint] = await manager.connect(e, e, [{ network: net.name, dns: { name: 'e' } }]);
    links.push(endpoint.hostIfname);
    await expect(manager.remove(net.name)).rejects.toThrow(
      `error while removing network: network ${net.name} id ${net.id} has active endpoints`,
    );
    await manager.release(e);
    expect(await linkNames()).not.toContain(endpoint.hostIfname);
    await manager.remove(net.name);
    expect(await linkNames()).not.toContain(net.bridge);
    expect(() => manager.inspect(net.name)).toThrow(/not found/);
  });

  it('keeps namespaces out of ip netns and builds a bare one with loopback only', async () => {
    const bare = await sandbox('bare');
    expect((await inNetns(bare, ['ip', '-o', 'link'])).stdout).toMatch(/^1: lo: <LOOPBACK,UP/);
    const listed = await inNetns(bare, ['ip', 'netns', 'list']);
    expect(listed.stdout).not.toContain(root.dir);
  });

  it('creates a namespace already attached, and rolls back an attachment that fails', async () => {
    const net = await network('created');
    const path = join(root.runDir, 'f');
    sandboxes.push(path);
    const [endpoint] = await manager.createSandbox(path, path, [
      { network: net.id, dns: { name: 'f' } },
    ]);
    links.push(endpoint.hostIfname);
    const route = await inNetns(path, ['ip', 'route', 'show', 'default']);
    expect(route.stdout).toContain(`default via ${net.ipam.gateway} dev eth0`);
    const ping = await inNetns(path, ['busybox', 'ping', '-c', '1', '-W', '2', net.ipam.gateway]);
    expect(ping.code, ping.stdout).toBe(0);

    const multi = join(root.runDir, 'multi');
    sandboxes.push(multi);
    const internal = await network('created-internal', true);
    const both = await manager.createSandbox(multi, multi, [
      { network: internal.id, dns: { name: 'multi' } },
      { network: net.id, dns: { name: 'multi' } },
    ]);
    links.push(...both.map((attached) => attached.hostIfname));
    expect(both.map((attached) => [attached.ifname, attached.defaultRoute])).toEqual([
      ['eth0', false],
      ['eth1', true],
    ]);
    const multiRoute = await inNetns(multi, ['ip', 'route', 'show', 'default']);
    expect(multiRoute.stdout).toContain(`default via ${net.ipam.gateway} dev eth1`);
    const reach = await inNetns(multi, ['busybox', 'ping', '-c', '1', '-W', '2', endpoint.address]);
    expect(reach.code, reach.stdout).toBe(0);

    const g = await sandbox('g');
    await expect(
      manager.connect(g, g, [
        { network: net.id, ipv4Address: endpoint.address, dns: { name: 'g' } },
      ]),
    ).rejects.toThrow(`Address already in use: ${endpoint.address}`);
    await expect(
      manager.connect(g, '/nonexistent/netns', [{ network: net.id, dns: { name: 'g' } }]),
    ).rejects.toThrow();
    expect(Object.keys(manager.inspect(net.id).endpoints)).toEqual([path, multi]);
    // Only the veths these attempts would have made count: other engines on this host make theirs.
    const attempted = [vethName(g, net.id), vethName('/nonexistent/netns', net.id)];
    expect((await linkNames()).filter((name) => attempted.includes(name))).toEqual([]);
  });

  it('builds a namespace and its links all or nothing', async () => {
    const net = await network('whole');
    const path = join(root.runDir, 'whole');
    const spec = (index: number, hostIfname: string) => ({
      bridge: net.bridge,
      hostIfname,
      ifname: `eth${index}`,
      address: `${net.ipam.gateway.replace(/\.1$/, '')}.${200 + index}`,
      prefix: parseSubnet(net.ipam.subnet).prefix,
      mac: `02:42:00:00:00:0${index}`,
      mtu: 1400,
    });
    const first = root.unique('w0');
    // The second veth's host end takes a name already in use: the whole namespace goes.
    await expect(createNetns(path, [spec(0, first), spec(1, first)])).rejects.toThrow(
      `add veth eth1 (host end ${first}): File exists`,
    );
    await expect(createNetns(path, [{ ...spec(0, first), bridge: 'tc-missing' }])).rejects.toThrow(
      'bridge tc-missing: No such device',
    );
    expect(existsSync(path)).toBe(false);
    expect(await readFile('/proc/self/mountinfo', 'utf8')).not.toContain(path);
    await eventually(async () => !(await linkNames()).includes(first));

    sandboxes.push(path);
    await createNetns(path, [spec(0, first)]);
    links.push(first);
    const inside = await inNetns(path, ['ip', '-o', '-4', 'addr', 'show', 'eth0']);
    expect(inside.stdout).toContain(`inet ${spec(0, first).address}/`);
    const link = await inNetns(path, ['ip', '-o', 'link', 'show', 'eth0']);
    expect(link.stdout).toMatch(/mtu 1400 .*state UP.*link\/ether 02:42:00:00:00:00/);
    const sys = `/sys/class/net/${first}`;
    expect(basename(await realpath(`${sys}/master`))).toBe(net.bridge);
    expect((await readFile(`${sys}/mtu`, 'utf8')).trim()).toBe('1400');
    expect(Number(await readFile(`${sys}/flags`, 'utf8')) & 1).toBe(1); // IFF_UP
  });

  it('takes a fresh namespace and its links back when its record cannot be written', async () => {
    const net = await network('unsaved');
    const path = join(root.runDir, 'unsaved');
    const kept = `${root.stateDir}.kept`;
    // The store cannot write while a file stands where its folder was.
    await rename(root.stateDir, kept);
    await writeFile(root.stateDir, '');
    try {
      await expect(
        manager.createSandbox(path, path, [{ network: net.id, dns: { name: 'unsaved' } }]),
      ).rejects.toThrow();
    } finally {
      await rm(root.stateDir);
      await rename(kept, root.stateDir);
    }
    expect(existsSync(path)).toBe(false);
    expect(manager.inspect(net.id).endpoints).toEqual({});
    expect(await linkNames()).not.toContain(vethName(path, net.id));
  });

  it('refuses a duplicate name, a taken subnet and an unknown driver', async () => {
    const net = await network('dupe');
    await expect(manager.create({ name: net.name })).rejects.toThrow(/already exists/);
    await expect(
      manager.create({ name: root.unique('clash'), ipam: { subnet: net.ipam.subnet } }),
    ).rejects.toThrow(/Pool overlaps/);
    await expect(manager.create({ name: root.unique('ov'), driver: 'overlay' })).rejects.toThrow(
      /driver overlay is not supported/,
    );
  });

  it('gives concurrent engines distinct subnets', async () => {
    const otherRoot = await makeRoot('bridge-other');
    const other = await NetworkManager.open({ stateDir: otherRoot.stateDir, upstreams: [] });
    try {
      const owners = [manager, other, manager, other];
      const created = await Promise.all(
        owners.map((owner, index) => owner.create({ name: root.unique(`race-${index}`) })),
      );
      links.push(...created.map((record) => record.bridge));
      const subnets = created.map((record) => parseSubnet(record.ipam.subnet));
      for (const [i, a] of subnets.entries()) {
        for (const b of subnets.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
      }
      for (const [index, record] of created.entries()) await owners[index].remove(record.id);
    } finally {
      await other.close();
      await otherRoot.remove();
    }
  });

  it('closes the DNS servers it started when a later one fails at open', async () => {
    const otherRoot = await makeRoot('bridge-dns');
    const dnsPort = 20000 + (process.pid % 20000);
    const options = { stateDir: otherRoot.stateDir, upstreams: [], dnsPort };
    const first = await NetworkManager.open(options);
    const blocker = dgram.createSocket('udp4');
    try {
      for (const name of ['dns-a', 'dns-b']) {
        links.push((await first.create({ name: root.unique(name) })).bridge);
      }
      await first.close();
      const [started, failing] = await new NetworkStore(otherRoot.stateDir).loadAll();
      await new Promise<void>((resolve) => blocker.bind(dnsPort, failing.ipam.gateway, resolve));
      await expect(NetworkManager.open(options)).rejects.toThrow(/EADDRINUSE/);
      const onPort = (await ownBoundSockets()).filter((address) => address.endsWith(`:${dnsPort}`));
      expect(onPort).toEqual([`${failing.ipam.gateway}:${dnsPort}`]);
      expect(onPort).not.toContain(`${started.ipam.gateway}:${dnsPort}`);
    } finally {
      blocker.close();
      const cleanup = await NetworkManager.open(options);
      for (const record of cleanup.list()) await cleanup.remove(record.id);
      await cleanup.close();
      await otherRoot.remove();
    }
  });

  it('destroys namespaces destroyed together in one go, missing ones included', async () => {
    const dir = join(root.dir, 'batch');
    const paths = Array.from({ length: 6 }, (_, index) => join(dir, `ns${index}`));
    await Promise.all(paths.map((path) => createNetns(path)));
    await Promise.all([...paths, join(dir, 'never-made')].map(destroyNetns));
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    expect(paths.filter((path) => mounts.includes(path))).toEqual([]);
    expect(await listNetns(dir)).toEqual([]);
  });

  it('keeps networks across a restart of the manager', async () => {
    const net = await network('persist');
    await manager.close();
    manager = await NetworkManager.open({ stateDir: root.stateDir, upstreams: [] });
    const found = manager.inspect(net.name);
    expect([found.id, found.ipam]).toEqual([net.id, net.ipam]);
    expect(await linkNames()).toContain(net.bridge);
  });
});
