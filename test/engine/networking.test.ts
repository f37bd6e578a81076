import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  busyboxTar,
  runDocker,
  startTestEngine,
  stopWithoutLeaks,
  type TestEngine,
} from './support.js';

const suffix = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
const netA = `tcnA${suffix}`;
const netB = `tcnB${suffix}`;
const netInternal = `tcnI${suffix}`;
let engine: TestEngine;

/** The real docker CLI against this file's engine. */
const docker = (...args: string[]) => runDocker(engine, args);

async function ok(...args: string[]): Promise<string> {
  const result = await docker(...args);
  expect({ args, code: result.code, stderr: result.stderr }).toEqual({
    args,
    code: 0,
    stderr: result.code === 0 ? result.stderr : '',
  });
  return result.stdout;
}

async function inspect<T>(...args: string[]): Promise<T> {
  return JSON.parse(await ok('inspect', ...args))[0] as T;
}

/** Starts a detached busybox httpd serving /etc (GET /hostname answers its hostname); its id. */
async function runHttpd(name: string, ...options: string[]): Promise<string> {
  const command = ['busybox', 'httpd', '-f', '-p', '80', '-h', '/etc'];
  return (await ok('run', '-d', '--name', name, ...options, ...command)).trim();
}

/** The A records busybox nslookup prints for a name ([] when it does not resolve). */
async function lookup(container: string, name: string): Promise<string[]> {
  const { stdout } = await docker('exec', container, 'nslookup', '-type=a', name);
  const answer = stdout
    .split(/Name:\s+/)
    .slice(1)
    .join('\n');
  return [...answer.matchAll(/Address(?: \d+)?:\s+(\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]);
}

/** An HTTP GET of /hostname by busybox nc from inside a container: the server's hostname, or ''. */
async function httpHostname(container: string, host: string): Promise<string> {
  const { stdout } = await docker(
    'exec',
    container,
    'sh',
    '-c',
    `printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} 80`,
  );
  return stdout.split('\r\n\r\n')[1]?.trim() ?? '';
}

/** The same from the host, through a published port. */
function hostGet(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(3000, () => socket.destroy());
    socket.on('connect', () => socket.write('GET /hostname HTTP/1.0\r\n\r\n'));
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('close', () => resolve(data.split('\r\n\r\n')[1]?.trim() ?? ''));
    socket.on('error', () => resolve(''));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface NetworkJson {
  Id: string;
  Name: string;
  IPAM: { Config: { Subnet: string; Gateway: string }[] };
  Containers: Record<string, { Name: string; IPv4Address: string }>;
}

interface ContainerJson {
  Id: string;
  NetworkSettings: {
    IPAddress: string;
    Networks: Record<
      string,
      {
        IPAddress: string;
        Gateway: string;
        MacAddress: string;
        NetworkID: string;
        Aliases: string[];
      }
    >;
    Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
  };
}

/** The links of this engine's networks, which must be gone once it stopped. */
const seen = { bridges: new Set<string>(), veths: new Set<string>() };

function noteNetworks(): void {
  const dir = join(engine.root, 'networks');
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) {
    const record = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    seen.bridges.add(record.bridge);
    for (const endpoint of Object.values(record.endpoints) as { hostIfname: string }[]) {
      seen.veths.add(endpoint.hostIfname);
    }
  }
}

function hostLinks(): string[] {
  return execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(':')[1]?.trim().split('@')[0] ?? '');
}

/**
 * The engine's listening sockets (TCP state 0A, or bound UDP) but those of the default
 * bridge's DNS server: matched by the socket inodes the engine process holds, so another
 * engine reusing a subnet of ours is not taken for a leak.
 */
function engineListeners(keep: string): string[] {
  const pid = engine.process.pid as number;
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => /^socket:\[(\d+)\]$/.exec(readlinkSafe(`/proc/${pid}/fd/${fd}`))?.[1])
      .filter(Boolean),
  );
  const keepHex = keep
    .split('.')
    .reverse()
    .map((part) => Number(part).toString(16).padStart(2, '0').toUpperCase())
    .join('');
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/udp']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || !inodes.has(fields[9])) continue;
      const listening = file.endsWith('udp') || fields[3] === '0A';
      if (listening && !fields[1].startsWith(`${keepHex}:`)) found.push(`${file} ${fields[1]}`);
    }
  }
  return found;
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

beforeAll(async () => {
  engine = await startTestEngine();
  await ok('load', '-i', busyboxTar(engine.root));
});

afterAll(async () => {
  for (const name of ['a', 'a2', 'late', 'other', 'client', 'pub', 'ephemeral', 'busy', 'shared']) {
    await docker('rm', '-f', `${name}${suffix}`);
  }
  noteNetworks();
  await docker('network', 'rm', netA, netB, netInternal);
  expect(await ok('network', 'prune', '-f')).toBeDefined();
  const bridge = JSON.parse(await ok('network', 'inspect', 'bridge'))[0] as NetworkJson;
  expect(engineListeners(bridge.IPAM.Config[0].Gateway)).toEqual([]);
  const netnsDir = join(engine.root, 'run', 'netns');
  expect(existsSync(netnsDir) ? readdirSync(netnsDir) : []).toEqual([]);
  await stopWithoutLeaks(engine);
  expect(seen.bridges.size).toBeGreaterThanOrEqual(3);
  const links = hostLinks();
  expect(links.filter((link) => seen.bridges.has(link) || seen.veths.has(link))).toEqual([]);
});

describe('bridge networks through the real docker CLI', () => {
  let serverIp = '';
  let gateway = '';

  it('has the default bridge and creates, lists and inspects networks', async () => {
    const before = await ok('network', 'ls', '--format', '{{.Name}} {{.Driver}}');
    expect(before).toContain('bridge bridge');
    expect(before).toContain('host host');
    expect(before).toContain('none null');
    await ok('network', 'create', netA);
    await ok('network', 'create', '--label', 'purpose=test', netB);
    const names = await ok(
      'network',
      'ls',
      '--filter',
      'label=purpose=test',
      '--format',
      '{{.Name}}',
    );
    expect(names.trim()).toBe(netB);
    const network = JSON.parse(await ok('network', 'inspect', netA))[0] as NetworkJson;
    gateway = network.IPAM.Config[0].Gateway;
    expect(network.IPAM.Config[0].Subnet).toMatch(/\/\d+$/);
    const duplicate = await docker('network', 'create', netA);
    expect(duplicate.code).not.toBe(0);
    expect((await docker('network', 'rm', 'bridge')).stderr).toContain('pre-defined');
    noteNetworks();
  });

  it('lets containers on one network reach each other by name, alias, service and short id', async () => {
    const serviceLabel = `com.docker.compose.service=web${suffix}`;
    const id = await runHttpd(
      `a${suffix}`,
      '--network',
      netA,
      '--network-alias',
      'web',
      '-l',
      serviceLabel,
    );
    await runHttpd(`a2${suffix}`, '--network', netA, '-l', serviceLabel);
    await ok(
      'run',
      '-d',
      '--network',
      netA,
      '--name',
      `client${suffix}`,
      'busybox',
      'sleep',
      '1000',
    );
    const info = await inspect<ContainerJson>(`a${suffix}`);
    const settings = info.NetworkSettings.Networks[netA];
    serverIp = settings.IPAddress;
    expect(settings).toMatchObject({ Gateway: gateway });
    expect(settings.MacAddress).toMatch(/^02:42:/);
    expect(settings.Aliases).toContain('web');
    expect(settings.NetworkID).toHaveLength(64);
    noteNetworks();

    const client = `client${suffix}`;
    expect(await ok('exec', client, 'cat', '/etc/resolv.conf')).toContain(`nameserver ${gateway}`);
    expect(await lookup(client, `a${suffix}`)).toEqual([serverIp]);
    expect(await lookup(client, 'web')).toEqual([serverIp]);
    expect(await lookup(client, id.slice(0, 12))).toEqual([serverIp]);
    expect((await lookup(client, `web${suffix}`)).sort()).toHaveLength(2);
    const hostname = id.slice(0, 12);
    expect(await httpHostname(client, `a${suffix}`)).toBe(hostname);
    expect(await httpHostname(client, 'web')).toBe(hostname);

    const members = (JSON.parse(await ok('network', 'inspect', netA))[0] as NetworkJson).Containers;
    expect(Object.values(members).map((member) => member.Name)).toContain(`a${suffix}`);
  });

  it('keeps other networks apart, and connect/disconnect change that at once', async () => {
    const other = `other${suffix}`;
    await ok('run', '-d', '--network', netB, '--name', other, 'busybox', 'sleep', '1000');
    expect(await lookup(other, `a${suffix}`)).toEqual([]);
    expect(await httpHostname(other, serverIp)).toBe('');
    await ok('network', 'connect', netB, `a${suffix}`);
    const onB = (await inspect<ContainerJson>(`a${suffix}`)).NetworkSettings.Networks[netB];
    expect(await lookup(other, `a${suffix}`)).toEqual([onB.IPAddress]);
    await ok('network', 'disconnect', netB, `a${suffix}`);
    expect(await lookup(other, `a${suffix}`)).toEqual([]);
  });

  it('attaches a network connected while stopped at the next start, eth0 first', async () => {
    const late = `late${suffix}`;
    await ok('create', '--name', late, '--network', netB, 'busybox', 'sleep', '1000');
    await ok('network', 'connect', '--alias', 'latecomer', netA, late);
    await ok('start', late);
    const networks = (await inspect<ContainerJson>(late)).NetworkSettings.Networks;
    expect(Object.keys(networks).sort()).toEqual([netA, netB].sort());
    expect(await lookup(`client${suffix}`, 'latecomer')).toEqual([networks[netA].IPAddress]);
    const links = await ok('exec', late, 'ip', '-o', '-4', 'addr');
    expect(links).toMatch(
      new RegExp(`eth0\\s+inet ${networks[netB].IPAddress.replaceAll('.', '\\.')}/`),
    );
    noteNetworks();
  });

  it('drops a stopped container from DNS and refuses to remove a network in use', async () => {
    await ok('stop', '-t', '1', `a2${suffix}`);
    expect(await lookup(`client${suffix}`, `web${suffix}`)).toEqual([serverIp]);
    expect(await lookup(`client${suffix}`, `a2${suffix}`)).toEqual([]);
    const refused = await docker('network', 'rm', netA);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('active endpoints');
  });

  it('gives containers on an internal network no default route', async () => {
    await ok('network', 'create', '--internal', netInternal);
    const routes = await ok('run', '--rm', '--network', netInternal, 'busybox', 'ip', 'route');
    expect(routes).toMatch(/dev eth0/);
    expect(routes).not.toContain('default');
    const onBridge = await ok('run', '--rm', 'busybox', 'ip', 'route');
    expect(onBridge).toMatch(/^default via /m);
    noteNetworks();
  });

  it('gives none a loopback that is up, host the host namespace, container: a shared one', async () => {
    const none = await ok('run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link');
    expect(none).toMatch(/lo: <LOOPBACK,UP,LOWER_UP>/);
    expect(none).not.toContain('eth0');
    const refused = await ok(
      'run',
      '--rm',
      '--network',
      'none',
      'busybox',
      'sh',
      '-c',
      'wget -q -O- http://127.0.0.1 2>&1; true',
    );
    expect(refused).not.toContain('unreachable');
    const hostNs = await ok(
      'run',
      '--rm',
      '--network',
      'host',
      'busybox',
      'readlink',
      '/proc/self/ns/net',
    );
    expect(hostNs.trim()).toBe(readlinkSync('/proc/self/ns/net'));
    const shared = await ok(
      'run',
      '--rm',
      '--network',
      `container:a${suffix}`,
      'busybox',
      'sh',
      '-c',
      "printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | nc -w 3 127.0.0.1 80",
    );
    expect(shared).toContain((await inspect<ContainerJson>(`a${suffix}`)).Id.slice(0, 12));
  });

  it('lets container: join a none container, whose namespace the runtime made', async () => {
    await ok('run', '-d', '--network', 'none', '--name', `lone${suffix}`, 'busybox', 'sleep', '60');
    const own = await ok('exec', `lone${suffix}`, 'readlink', '/proc/self/ns/net');
    const joined = await ok(
      'run',
      '--rm',
      '--network',
      `container:lone${suffix}`,
      'busybox',
      'readlink',
      '/proc/self/ns/net',
    );
    expect(joined.trim()).toBe(own.trim());
    expect(own.trim()).not.toBe(readlinkSync('/proc/self/ns/net'));
    await ok('rm', '-f', `lone${suffix}`);
  });

  it('publishes ports on the host, reports them, and refuses a port in use', async () => {
    const port = await freePort();
    const id = await runHttpd(`pub${suffix}`, '-p', `127.0.0.1:${port}:80`);
    expect(await hostGet(port)).toBe(id.slice(0, 12));
    expect((await ok('port', `pub${suffix}`)).trim()).toBe(`80/tcp -> 127.0.0.1:${port}`);
    const settings = (await inspect<ContainerJson>(`pub${suffix}`)).NetworkSettings;
    expect(settings.IPAddress).toBe(settings.Networks.bridge.IPAddress);
    const ports = settings.Ports;
    expect(ports['80/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(port) }]);

    // `-p 80`: an ephemeral port on every host address, loopback included.
    await runHttpd(`ephemeral${suffix}`, '-p', '80');
    const line = (await ok('port', `ephemeral${suffix}`, '80/tcp')).trim();
    expect(line).toMatch(/^0\.0\.0\.0:\d+$/);
    const ephemeral = Number(line.split(':').pop());
    expect(await hostGet(ephemeral)).not.toBe('');
    await ok('stop', '-t', '1', `ephemeral${suffix}`);
    expect(await hostGet(ephemeral)).toBe('');

    const busyPort = await freePort();
    const holder = net.createServer().listen(busyPort, '127.0.0.1');
    await new Promise((resolve) => holder.once('listening', resolve));
    try {
      const failed = await docker(
        'run',
        '-d',
        '--name',
        `busy${suffix}`,
        '-p',
        `127.0.0.1:${busyPort}:80`,
        'busybox',
        'true',
      );
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toContain(`${busyPort}/tcp`);
      const busyId = (await inspect<ContainerJson>(`busy${suffix}`)).Id;
      expect(existsSync(join(engine.root, 'run', 'netns', busyId.slice(0, 12)))).toBe(false);
      const networkFiles = readdirSync(join(engine.root, 'networks')).map((file) =>
        readFileSync(join(engine.root, 'networks', file), 'utf8'),
      );
      expect(networkFiles.some((text) => text.includes(busyId))).toBe(false);
    } finally {
      holder.close();
    }
    noteNetworks();
  });

  it('keeps networks, names and published ports through a daemon restart', async () => {
    await engine.kill('SIGTERM');
    await engine.restart();
    const names = await ok('network', 'ls', '--format', '{{.Name}}');
    expect(names).toContain(netA);
    expect(await lookup(`client${suffix}`, 'web')).toEqual([serverIp]);
    expect(await httpHostname(`client${suffix}`, `a${suffix}`)).not.toBe('');
    const port = Number((await ok('port', `pub${suffix}`, '80/tcp')).trim().split(':').pop());
    expect(await hostGet(port)).not.toBe('');
  });
});
