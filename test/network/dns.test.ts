import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeContainerFiles } from '../../src/network/container-files.js';
import { queryTcp } from '../../src/network/dns-forwarder.js';
import { destroyNetns } from '../../src/network/netns.js';
import { NetworkManager } from '../../src/network/network-manager.js';
import type { EndpointNames, NetworkRecord } from '../../src/network/network-store.js';
import { startFakeUpstream } from './fake-upstream.js';
import {
  closeWithoutLeaks,
  eventually,
  inNetns,
  makeRoot,
  startInNetns,
  stopProcess,
} from './support.js';

const root = await makeRoot('dns');
const upstream = await startFakeUpstream();
const project = root.unique('proj');
let manager: NetworkManager;
let front: NetworkRecord;
let back: NetworkRecord;
const sandboxes: string[] = [];
const links: string[] = [];
const addresses = new Map<string, string>();

async function container(id: string, network: NetworkRecord, names: EndpointNames) {
  const path = join(root.runDir, id);
  sandboxes.push(path);
  const [endpoint] = await manager.createSandbox(path, path, [{ network: network.id, dns: names }]);
  links.push(endpoint.hostIfname);
  addresses.set(id, endpoint.address);
  return path;
}

/** busybox nslookup from inside a namespace against its network's DNS server. */
async function lookup(netns: string, name: string, server = front.ipam.gateway) {
  const result = await inNetns(netns, ['busybox', 'nslookup', '-type=a', name, server]);
  const answers = result.stdout
    .split(/\n\s*\n/)
    .slice(1)
    .join('\n');
  const found = [...answers.matchAll(/Address:\s*([\d.]+)\s*$/gm)].map((match) => match[1]);
  return { ...result, found };
}

let client: string;
let other: string;

beforeAll(async () => {
  manager = await NetworkManager.open({
    stateDir: root.stateDir,
    upstreams: [upstream.upstream],
    localDomains: [project],
    dnsTimeoutMs: 1000,
  });
  front = await manager.create({ name: root.unique('front') });
  back = await manager.create({ name: root.unique('back') });
  links.push(front.bridge, back.bridge);
  for (const replica of [1, 2, 3]) {
    await container(`web${replica}`, front, {
      name: `${project}-web-${replica}`,
      hostname: `webhost${replica}`,
      service: 'web',
      aliases: replica === 1 ? ['www'] : [],
    });
  }
  await container('db1', front, { name: `${project}-db-1`, service: 'db' });
  client = await container('client1', front, {
    name: `${project}-client-1`,
    service: 'client',
    links: { database: 'db' },
  });
  other = await container('cache1', back, { name: `${project}-cache-1`, service: 'cache' });
});

afterAll(() =>
  closeWithoutLeaks(manager, root, links, async () => {
    // As the engine stops containers: namespace first, then the endpoints.
    for (const path of sandboxes) await destroyNetns(path);
    for (const path of sandboxes) await manager.release(path);
    await manager.remove(front.id);
    await manager.remove(back.id);
    await upstream.close();
  }),
);

describe('network DNS from inside a namespace', () => {
  it('answers a service name with all three replicas, rotating the order', async () => {
    const replicas = ['web1', 'web2', 'web3'].map((id) => addresses.get(id));
    const first = await lookup(client, 'web');
    const second = await lookup(client, 'web');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect([...first.found].sort()).toEqual([...replicas].sort());
    expect([...second.found].sort()).toEqual([...replicas].sort());
    expect(second.found[0]).not.toBe(first.found[0]);
  });

  it('answers container names, hostnames, aliases and links aliases', async () => {
    expect((await lookup(client, `${project}-web-2`)).found).toEqual([addresses.get('web2')]);
    expect((await lookup(client, 'webhost3')).found).toEqual([addresses.get('web3')]);
    expect((await lookup(client, 'www')).found).toEqual([addresses.get('web1')]);
    expect((await lookup(client, 'database')).found).toEqual([addresses.get('db1')]);
  });

  it('answers NXDOMAIN for unknown names and names living on another network', async () => {
    for (const name of ['nosuch', 'cache', `${project}-cache-1`, `nosuch.${project}`]) {
      const result = await lookup(client, name);
      expect(result.found, name).toEqual([]);
      expect(result.stdout + result.stderr, name).toMatch(/NXDOMAIN/);
    }
    expect((await lookup(other, 'cache', back.ipam.gateway)).found).toEqual([
      addresses.get('cache1'),
    ]);
    expect((await lookup(other, 'web', back.ipam.gateway)).found).toEqual([]);
  });

  it('lets a container reach a service by name through its generated resolv.conf', async () => {
    const www = join(root.dir, 'www');
    await mkdir(www, { recursive: true });
    await writeFile(join(www, 'index.html'), 'served by name\n');
    const files = await writeContainerFiles(join(root.dir, 'client-files'), {
      resolv: { gateway: front.ipam.gateway, hostResolvConf: '' },
      hosts: { hostname: 'client1', address: addresses.get('client1') },
    });
    const httpd = startInNetns(join(root.runDir, 'db1'), [
      'busybox',
      'httpd',
      '-f',
      '-p',
      '80',
      '-h',
      www,
    ]);
    try {
      // As the engine will: the generated files bind-mounted over /etc in the container's own mount namespace.
      const script = [
        `mount --bind ${files.resolvConf} /etc/resolv.conf`,
        `mount --bind ${files.hosts} /etc/hosts`,
        `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 2 database 80`,
      ].join(' && ');
      let output = '';
      await eventually(async () => {
        output = (await inNetns(client, ['unshare', '--mount', 'busybox', 'sh', '-c', script]))
          .stdout;
        return output.includes('served by name');
      });
      expect(output).toMatch(/^HTTP\/1.1 200/);
    } finally {
      await stopProcess(httpd);
    }
  });

  it('forgets a stopped container at once', async () => {
    await manager.release(join(root.runDir, 'web3'));
    const result = await lookup(client, 'web');
    expect([...result.found].sort()).toEqual([addresses.get('web1'), addresses.get('web2')].sort());
    expect((await lookup(client, 'webhost3')).found).toEqual([]);
  });

  it('forwards other names to the upstream resolver, over TCP when truncated', async () => {
    upstream.queries.length = 0;
    expect((await lookup(client, 'outside.test')).found).toEqual(['10.99.0.1']);
    expect((await lookup(client, 'big.test')).found).toEqual(['10.99.0.2']);
    expect(upstream.queries).toContainEqual({ name: 'big.test', transport: 'tcp' });
    const missing = await lookup(client, 'missing.test');
    expect(missing.stdout + missing.stderr).toMatch(/NXDOMAIN/);
  });

  it('answers AAAA for known names with an empty NOERROR, and serves TCP clients', async () => {
    const query = (type: 'A' | 'AAAA') =>
      dnsPacket.encode({
        id: 7,
        type: 'query',
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ name: 'www', type, class: 'IN' }],
      });
    const server = { host: front.ipam.gateway, port: 53 };
    const aaaa = await queryTcp(query('AAAA'), server, 2000);
    expect([aaaa.readUInt16BE(2) & 0xf, dnsPacket.decode(aaaa).answers?.length]).toEqual([0, 0]);
    const a = dnsPacket.decode(await queryTcp(query('A'), server, 2000));
    expect(a.answers?.map((answer) => (answer as { data: string }).data)).toEqual([
      addresses.get('web1'),
    ]);
  });
});
