import dgram from 'node:dgram';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, destroyNetns } from '../../src/network/netns.js';
import { NetworkManager } from '../../src/network/network-manager.js';
import type { NetworkRecord } from '../../src/network/network-store.js';
import { PortProxy, requestsFromPortBindings } from '../../src/network/port-proxy.js';
import {
  closeWithoutLeaks,
  eventually,
  makeRoot,
  ownBoundSockets,
  startInNetns,
  stopProcess,
} from './support.js';

const root = await makeRoot('ports');
let manager: NetworkManager;
let network: NetworkRecord;
let sandbox: string;
let address: string;
let hostIfname: string;
const servers: ReturnType<typeof startInNetns>[] = [];

/** A UDP echo server inside the namespace (node, as busybox has none that answers many clients). */
const udpEcho =
  "const s=require('node:dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(Buffer.concat([Buffer.from('echo:'),m]),r.port,r.address));s.bind(7)";

beforeAll(async () => {
  manager = await NetworkManager.open({ stateDir: root.stateDir, upstreams: [] });
  network = await manager.create({ name: root.unique('ports') });
  sandbox = join(root.runDir, 'srv');
  await createNetns(sandbox);
  const [endpoint] = await manager.connect(sandbox, sandbox, [
    { network: network.id, dns: { name: 'srv' } },
  ]);
  address = endpoint.address;
  hostIfname = endpoint.hostIfname;
  const www = join(root.dir, 'www');
  await mkdir(www, { recursive: true });
  await writeFile(join(www, 'index.html'), 'published\n');
  servers.push(startInNetns(sandbox, ['busybox', 'httpd', '-f', '-p', '80', '-h', www]));
  servers.push(startInNetns(sandbox, [process.execPath, '-e', udpEcho]));
});

afterAll(() =>
  closeWithoutLeaks(manager, root, [network.bridge, hostIfname], async () => {
    for (const server of servers) await stopProcess(server);
    await manager.release(sandbox);
    await destroyNetns(sandbox);
    await manager.remove(network.id);
  }),
);

function httpFromHost(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.write('GET / HTTP/1.0\r\n\r\n');
  });
}

function udpFromHost(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no UDP reply'));
    }, 1000);
    socket.on('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply.toString());
    });
    socket.send(message, port, '127.0.0.1');
  });
}

function occupy(): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '0.0.0.0', () => resolve(server));
  });
}

describe('published ports', () => {
  it('answers TCP and UDP from the host on 127.0.0.1 through the proxy', async () => {
    const proxy = await PortProxy.open(
      address,
      requestsFromPortBindings({ '80/tcp': [{ HostPort: '' }], '7/udp': null }),
      { udpIdleMs: 500 },
    );
    const [tcp, udp] = proxy.ports;
    try {
      expect(proxy.describe()).toEqual([
        `80/tcp -> 0.0.0.0:${tcp.hostPort}`,
        `7/udp -> 0.0.0.0:${udp.hostPort}`,
      ]);
      expect(proxy.toApiPorts()['80/tcp']).toEqual([
        { HostIp: '0.0.0.0', HostPort: String(tcp.hostPort) },
      ]);
      let body = '';
      await eventually(async () => {
        body = await httpFromHost(tcp.hostPort).catch(() => '');
        return body.includes('published');
      });
      expect(body).toMatch(/^HTTP\/1.1 200/);
      let reply = '';
      await eventually(async () => {
        reply = await udpFromHost(udp.hostPort, 'ping').catch(() => '');
        return reply !== '';
      });
      expect(reply).toBe('echo:ping');
    } finally {
      await proxy.close();
    }
  });

  it('ends an idle UDP client session, keeping the published port', async () => {
    const proxy = await PortProxy.open(address, [{ containerPort: 7, protocol: 'udp' }], {
      udpIdleMs: 300,
    });
    try {
      const port = proxy.ports[0].hostPort;
      const before = (await ownBoundSockets()).length;
      await eventually(async () => (await udpFromHost(port, 'a').catch(() => '')) !== '');
      expect((await ownBoundSockets()).length).toBe(before + 1);
      await eventually(async () => (await ownBoundSockets()).length === before, 3000);
      expect(await udpFromHost(port, 'again')).toBe('echo:again');
    } finally {
      await proxy.close();
    }
  });

  it('reports an occupied port by name and leaves nothing bound', async () => {
    const busy = await occupy();
    const busyPort = (busy.address() as net.AddressInfo).port;
    const free = await occupy();
    const freePort = (free.address() as net.AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    try {
      await expect(
        PortProxy.open(address, [
          { containerPort: 81, protocol: 'tcp', hostPort: freePort },
          { containerPort: 80, protocol: 'tcp', hostPort: busyPort },
        ]),
      ).rejects.toThrow(`port ${busyPort}/tcp is already in use on 0.0.0.0`);
      const again = await PortProxy.open(address, [
        { containerPort: 81, protocol: 'tcp', hostPort: freePort },
      ]);
      await again.close();
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('takes the next free port of a range, on a chosen host address', async () => {
    const busy = await occupy();
    const busyPort = (busy.address() as net.AddressInfo).port;
    try {
      const [request] = requestsFromPortBindings({
        '80/tcp': [{ HostIp: '127.0.0.1', HostPort: `${busyPort}-${busyPort + 20}` }],
      });
      const proxy = await PortProxy.open(address, [request]);
      const [port] = proxy.ports;
      expect(port.hostIp).toBe('127.0.0.1');
      expect(port.hostPort).toBeGreaterThan(busyPort);
      expect(await httpFromHost(port.hostPort)).toMatch(/^HTTP\/1.1 200/);
      await proxy.close();
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('names a bad PortBindings key', () => {
    expect(() => requestsFromPortBindings({ '80/sctp': [] })).toThrow(
      /unsupported protocol "sctp"/,
    );
    expect(() => requestsFromPortBindings({ 'x/tcp': [] })).toThrow(
      /invalid container port "x\/tcp"/,
    );
  });
});
