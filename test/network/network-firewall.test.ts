import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createReadStream, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineNodeFlags, waitForPing } from '../../src/engine/autostart.js';
import { EngineClient } from '../../src/engine/client.js';
import { firewallTag, parseFirewallTool } from '../../src/network/firewall-backend.js';
import {
  iptablesDeletions,
  iptablesRules,
  restoreInput,
} from '../../src/network/firewall-iptables.js';
import { nftDeleteLines, nftTable, nftTableLines } from '../../src/network/firewall-nft.js';
import { createNetns, destroyNetns } from '../../src/network/netns.js';
import { busyboxTar, findLeaks, repo } from '../engine/support.js';
import { inNetns, stopProcess } from './support.js';

const network = {
  id: 'ab12cd34ef56'.padEnd(64, '0'),
  name: 'proj_default',
  subnet: '172.18.0.0/16',
  bridge: 'tc-0123456789',
  internal: false,
  masquerade: true,
};
const tag = 'tcompose:ab12cd34ef56:proj_default';
const comment = `-m comment --comment ${tag}`;

describe('iptables rules (pure)', () => {
  it('masquerades a subnet leaving by another interface, after isolation from our other bridges', () => {
    expect(firewallTag(network)).toBe(tag);
    const rules = iptablesRules(network);
    expect(rules.nat).toEqual([
      `-A POSTROUTING -s 172.18.0.0/16 ! -o tc-0123456789 ${comment} -j MASQUERADE`,
    ]);
    // Each line is inserted at the top: the chain reads them bottom-up.
    expect(rules.filter.reverse()).toEqual([
      `-I FORWARD -i tc-0123456789 -o tc-0123456789 ${comment} -j ACCEPT`,
      `-I FORWARD -i tc-0123456789 -o tc-+ ${comment} -j DROP`,
      `-I FORWARD -i tc-0123456789 ! -o tc-0123456789 ${comment} -j ACCEPT`,
      `-I FORWARD -o tc-0123456789 -m conntrack --ctstate RELATED,ESTABLISHED ${comment} -j ACCEPT`,
    ]);
    expect(restoreInput(rules)).toBe(
      `*nat\n${rules.nat[0]}\nCOMMIT\n*filter\n${rules.filter.join('\n')}\nCOMMIT\n`,
    );
    expect(restoreInput({ nat: [], filter: [] })).toBe('');
  });

  it('keeps isolation only without masquerade, and an internal network on its bridge', () => {
    expect(iptablesRules({ ...network, masquerade: false })).toEqual({
      nat: [],
      filter: [
        `-I FORWARD -i tc-0123456789 -o tc-+ ${comment} -j DROP`,
        `-I FORWARD -i tc-0123456789 -o tc-0123456789 ${comment} -j ACCEPT`,
      ],
    });
    expect(iptablesRules({ ...network, internal: true, masquerade: false })).toEqual({
      nat: [],
      filter: [
        `-I FORWARD -o tc-0123456789 ${comment} -j DROP`,
        `-I FORWARD -i tc-0123456789 ${comment} -j DROP`,
        `-I FORWARD -i tc-0123456789 -o tc-0123456789 ${comment} -j ACCEPT`,
      ],
    });
  });

  it('deletes exactly the rules tagged for the given networks, by their full specification', () => {
    const saved = [
      '*filter',
      ':FORWARD DROP [0:0]',
      `-A FORWARD -i tc-0123456789 ! -o tc-0123456789 -m comment --comment "${tag}" -j ACCEPT`,
      '-A FORWARD -i docker0 -j ACCEPT',
      '-A FORWARD -i tc-9 -m comment --comment "tcompose:999999999999:other" -j ACCEPT',
      'COMMIT',
      '*nat',
      `-A POSTROUTING -s 172.18.0.0/16 ! -o tc-0123456789 ${comment} -j MASQUERADE`,
      'COMMIT',
      '*mangle',
      `-A OUTPUT -m comment --comment "${tag}" -j ACCEPT`,
      'COMMIT',
    ].join('\n');
    expect(iptablesDeletions(saved, [network.id])).toEqual({
      filter: [
        `-D FORWARD -i tc-0123456789 ! -o tc-0123456789 -m comment --comment "${tag}" -j ACCEPT`,
      ],
      nat: [`-D POSTROUTING -s 172.18.0.0/16 ! -o tc-0123456789 ${comment} -j MASQUERADE`],
    });
    expect(iptablesDeletions(saved, [])).toEqual({ nat: [], filter: [] });
  });
});

/**
 * The engine runs in a network namespace of this test's own (`unshare --net`), where it
 * turns on forwarding and adds its rules: namespaces have their own ip_forward and tables,
 * so the host's stay as they are. A veth joins it to a second namespace of ours, "outside"
 * (10.254.x.2), whose TCP server tells which source address reached it. No packet goes
 * anywhere else.
 */
describe('nft tables (pure)', () => {
  it('gives each network a table of its own, replacing any it had', () => {
    expect(nftTable(network.id)).toBe('tcompose_ab12cd34ef56');
    const deletion = ['table ip tcompose_ab12cd34ef56', 'delete table ip tcompose_ab12cd34ef56'];
    expect(nftDeleteLines([network.id])).toEqual(deletion);
    const lines = nftTableLines(network);
    expect(lines.slice(0, 2)).toEqual(deletion);
    expect(lines).toContain(`  comment "${tag}"`);
    expect(lines).toContain('    iifname "tc-0123456789" oifname "tc-0123456789" accept');
    expect(lines).toContain('    iifname "tc-0123456789" oifname "tc-*" drop');
    expect(lines).toContain('    ip saddr 172.18.0.0/16 oifname != "tc-0123456789" masquerade');
    expect(nftTableLines({ ...network, masquerade: false }).join('\n')).not.toContain('masquerade');
    const internal = nftTableLines({ ...network, internal: true, masquerade: false }).join('\n');
    expect(internal).not.toContain('masquerade');
    expect(internal).toContain('iifname "tc-0123456789" oifname != "tc-0123456789" drop');
    expect(internal).toContain('oifname "tc-0123456789" iifname != "tc-0123456789" drop');
  });

  it('reads TCOMPOSE_FIREWALL', () => {
    expect([parseFirewallTool(undefined), parseFirewallTool(''), parseFirewallTool('nft')]).toEqual(
      [undefined, undefined, 'nft'],
    );
    expect(() => parseFirewallTool('ufw')).toThrow('TCOMPOSE_FIREWALL must be iptables or nft');
  });
});

describe.each(['iptables', 'nft'])(
  'outbound NAT of an engine in a namespace of its own, by %s',
  (tool) => {
    const octet = 1 + (process.pid % 250);
    const uplink = `10.254.${octet}.1`;
    const outsideAddress = `10.254.${octet}.2`;
    const port = 7777;
    const hostForwarding = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    let root: string;
    let socket: string;
    let engine: ChildProcess;
    let client: EngineClient;
    let engineNs: string;
    let outside: string;
    let server: ChildProcess;
    const sources: string[] = [];
    const containers: string[] = [];

    const inEngineNs = (args: string[]) => inNetns(engineNs, args);
    const savedRules = async () =>
      (await inEngineNs(tool === 'nft' ? ['nft', 'list', 'ruleset'] : ['iptables-save'])).stdout;
    /** The rules of one network: its iptables lines, or its nft table. */
    const rulesOf = async (id: string) =>
      tool === 'nft'
        ? (await inEngineNs(['nft', 'list', 'table', 'ip', nftTable(id)])).stdout.split('\n')
        : (await savedRules()).split('\n').filter((line) => line.includes(id.slice(0, 12)));

    async function createNetwork(
      name: string,
      internal: boolean,
      options: Record<string, string> = {},
    ): Promise<string> {
      const { Id } = await client.request<{ Id: string }>('POST', '/networks/create', {
        body: { Name: name, Internal: internal, Options: options },
      });
      return Id;
    }

    /** Starts a busybox container on `net`; its id. */
    async function startOn(net: string, cmd: string[]): Promise<string> {
      const { Id } = await client.request<{ Id: string }>('POST', '/containers/create', {
        body: { Image: 'busybox', Cmd: cmd, HostConfig: { NetworkMode: net } },
      });
      containers.push(Id);
      await client.request('POST', `/containers/${Id}/start`);
      return Id;
    }

    /** Runs busybox nc from a container on `net` to address:port; its exit code. */
    async function dial(net: string, address = outsideAddress, to = port): Promise<number> {
      const id = await startOn(net, ['sh', '-c', `echo hello | nc -w 3 ${address} ${to}`]);
      const { StatusCode } = await client.request<{ StatusCode: number }>(
        'POST',
        `/containers/${id}/wait`,
      );
      return StatusCode;
    }

    beforeAll(async () => {
      root = await mkdtemp('/tmp/tcnat-');
      socket = join(root, 'engine.sock');
      const log = openSync(join(root, 'engine.log'), 'a');
      engine = spawn(
        'unshare',
        ['--net', process.execPath, ...engineNodeFlags, join(repo, 'dist/engine/main.js')],
        {
          env: {
            ...process.env,
            TCOMPOSE_ROOT: root,
            TCOMPOSE_HOST: socket,
            TCOMPOSE_IP_MASQ: '1',
            TCOMPOSE_FIREWALL: tool,
            DOCKER_HOST: '',
          },
          stdio: ['ignore', log, log],
        },
      );
      client = new EngineClient({ socketPath: socket });
      if (!(await waitForPing(client, 20_000))) {
        throw new Error(`engine did not start:\n${readFileSync(join(root, 'engine.log'), 'utf8')}`);
      }
      // The engine's namespace outlives the engine on this file, so its rules can be read after shutdown.
      engineNs = join(root, 'engine-ns');
      writeFileSync(engineNs, '');
      execFileSync('mount', ['--bind', `/proc/${engine.pid}/ns/net`, engineNs]);
      outside = join(root, 'outside-ns');
      await createNetns(outside);
      const wire = [
        `link add up0 type veth peer name out0 netns ${outside}`,
        `addr add ${uplink}/24 dev up0`,
        'link set up0 up',
      ];
      execFileSync('nsenter', [`--net=${engineNs}`, 'ip', '-batch', '-'], {
        input: `${wire.join('\n')}\n`,
      });
      await inNetns(outside, ['ip', 'addr', 'add', `${outsideAddress}/24`, 'dev', 'out0']);
      await inNetns(outside, ['ip', 'link', 'set', 'out0', 'up']);
      const serve = `require('net').createServer((s) => { console.log(s.remoteAddress); s.end('ok'); }).listen(${port}, '${outsideAddress}', () => console.log('ready'))`;
      server = spawn('nsenter', [`--net=${outside}`, process.execPath, '-e', serve], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      await new Promise<void>((resolve) => {
        createInterface({ input: server.stdout as NodeJS.ReadableStream }).on('line', (line) => {
          if (line === 'ready') resolve();
          else sources.push(line);
        });
      });
      await client.request('POST', '/images/load', {
        body: createReadStream(busyboxTar(root)),
        headers: { 'Content-Type': 'application/x-tar' },
      });
    });

    afterAll(async () => {
      for (const id of containers) {
        await client
          .request('DELETE', `/containers/${id}`, { query: { force: 1 } })
          .catch(() => {});
      }
      if (engine.exitCode === null) {
        const exited = new Promise((resolve) => engine.once('exit', resolve));
        engine.kill('SIGTERM');
        await exited;
      }
      if (server) await stopProcess(server);
      await destroyNetns(outside);
      await destroyNetns(engineNs);
      expect(findLeaks(root, containers)).toEqual({
        processes: [],
        mounts: [],
        cgroups: [],
        bridges: [],
      });
      expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(hostForwarding);
      await rm(root, { recursive: true, force: true });
    });

    it('masquerades a bridge network: the outside sees the uplink address, not the container', async () => {
      const id = await createNetwork('natnet', false);
      expect((await inEngineNs(['cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim()).toBe('1');
      expect(await savedRules()).toContain(firewallTag({ id, name: 'natnet' }));
      expect(await dial('natnet')).toBe(0);
      expect(sources).toEqual([uplink]);
    });

    it('gives an internal network no NAT and no way out', async () => {
      const id = await createNetwork('natinternal', true);
      const own = await rulesOf(id);
      expect(own.filter((line) => /\bdrop\b/i.test(line))).toHaveLength(2);
      expect(own.filter((line) => /masquerade/i.test(line))).toEqual([]);
      expect(await dial('natinternal')).not.toBe(0);
      expect(sources).toEqual([uplink]);
    });

    it('gives a network with enable_ip_masquerade=false no NAT, as Docker does', async () => {
      const id = await createNetwork('natoff', false, {
        'com.docker.network.bridge.enable_ip_masquerade': 'false',
      });
      expect((await rulesOf(id)).filter((line) => /masquerade/i.test(line))).toEqual([]);
      expect(await dial('natoff')).not.toBe(0);
      expect(sources).toEqual([uplink]);
    });

    it('keeps networks apart though forwarding is on', async () => {
      await createNetwork('natother', false);
      const server = await startOn('natother', ['httpd', '-f', '-p', '8080', '-h', '/etc']);
      const inspected = await client.request<{
        NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
      }>('GET', `/containers/${server}/json`);
      const address = inspected.NetworkSettings.Networks.natother.IPAddress;
      expect(await dial('natother', address, 8080)).toBe(0);
      expect(await dial('natnet', address, 8080)).not.toBe(0);
    });

    it('removes the rules with the network, and all of them at engine shutdown', async () => {
      const net = await client.request<{ Id: string }>('GET', '/networks/natnet');
      for (const id of containers) {
        await client.request('DELETE', `/containers/${id}`, { query: { force: 1 } });
      }
      await client.request('DELETE', `/networks/${net.Id}`);
      const rules = await savedRules();
      expect(rules).not.toContain(net.Id.slice(0, 12));
      expect(rules).toContain('tcompose:'); // the default bridge's, until shutdown
      const exited = new Promise((resolve) => engine.once('exit', resolve));
      engine.kill('SIGTERM');
      await exited;
      expect(await savedRules()).not.toContain('tcompose:');
    });
  },
);
