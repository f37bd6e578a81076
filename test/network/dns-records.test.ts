import type { Packet } from 'dns-packet';
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { decide, truncateForUdp } from '../../src/network/dns-answer.js';
import {
  takeMessage,
  upstreamsFromResolvConf,
  withLength,
} from '../../src/network/dns-forwarder.js';
import { DnsRegistry } from '../../src/network/dns-records.js';
import { udpLimit } from '../../src/network/dns-server.js';

function registryWithProject(): DnsRegistry {
  const registry = new DnsRegistry();
  registry.addEndpoint('front', 'c1', '10.0.0.2', {
    name: 'proj-web-1',
    hostname: 'c1host',
    service: 'web',
    aliases: ['www'],
  });
  registry.addEndpoint('front', 'c2', '10.0.0.3', { name: 'proj-web-2', service: 'web' });
  registry.addEndpoint('front', 'c3', '10.0.0.4', { name: 'proj-web-3', service: 'web' });
  registry.addEndpoint('front', 'c4', '10.0.0.5', {
    name: 'proj-client-1',
    service: 'client',
    links: { database: 'db' },
  });
  registry.addEndpoint('front', 'c5', '10.0.0.6', { name: 'proj-db-1', service: 'db' });
  registry.addEndpoint('back', 'c6', '10.1.0.2', { name: 'proj-cache-1', service: 'cache' });
  return registry;
}

describe('DNS registry', () => {
  it('answers a service name with every replica, rotating the order per answer', () => {
    const registry = registryWithProject();
    expect(registry.resolve('front', 'web')).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4']);
    expect(registry.resolve('front', 'web')).toEqual(['10.0.0.3', '10.0.0.4', '10.0.0.2']);
    expect(registry.resolve('front', 'web')).toEqual(['10.0.0.4', '10.0.0.2', '10.0.0.3']);
  });

  it('answers container names, hostnames and aliases, case-insensitively with a trailing dot', () => {
    const registry = registryWithProject();
    expect(registry.resolve('front', 'proj-web-2')).toEqual(['10.0.0.3']);
    expect(registry.resolve('front', 'C1HOST.')).toEqual(['10.0.0.2']);
    expect(registry.resolve('front', 'www')).toEqual(['10.0.0.2']);
  });

  it('shows a links alias to the linking container only', () => {
    const registry = registryWithProject();
    expect(registry.resolve('front', 'database', '10.0.0.5')).toEqual(['10.0.0.6']);
    expect(registry.resolve('front', 'database', '10.0.0.2')).toBeUndefined();
  });

  it('keeps names to the networks their container is attached to', () => {
    const registry = registryWithProject();
    expect(registry.resolve('front', 'cache')).toBeUndefined();
    expect(registry.resolve('back', 'cache')).toEqual(['10.1.0.2']);
  });

  it('forgets a removed endpoint at once, and a removed network entirely', () => {
    const registry = registryWithProject();
    registry.removeEndpoint('front', 'c2');
    expect(registry.resolve('front', 'web')?.sort()).toEqual(['10.0.0.2', '10.0.0.4']);
    expect(registry.resolve('front', 'proj-web-2')).toBeUndefined();
    registry.removeNetwork('front');
    expect(registry.resolve('front', 'web')).toBeUndefined();
  });
});

function query(name: string, type: 'A' | 'AAAA' | 'MX' = 'A'): Packet {
  return {
    id: 4242,
    type: 'query',
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
  };
}

const rcodes = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP'];

/** The reply as a client sees it on the wire. */
function wire(packet: Packet) {
  const encoded = dnsPacket.encode(packet);
  const decoded = dnsPacket.decode(encoded);
  return {
    ...decoded,
    rcode: rcodes[encoded.readUInt16BE(2) & 0xf],
    data: (decoded.answers ?? []).map((answer) => (answer as { data: unknown }).data),
  };
}

describe('DNS answers', () => {
  const context = (registry: DnsRegistry) => ({
    registry,
    networkId: 'front',
    clientAddress: '10.0.0.5',
    localDomains: ['proj'],
    ttl: 0,
  });

  it('replies with A records for known names, keeping id, question and RD', () => {
    const decision = decide(query('web'), context(registryWithProject()));
    if (decision.kind !== 'reply') throw new Error('expected a reply');
    const decoded = wire(decision.packet);
    expect(decoded.id).toBe(4242);
    expect(decoded.rcode).toBe('NOERROR');
    expect(decoded.flag_rd).toBe(true);
    expect(decoded.questions?.[0].name).toBe('web');
    expect(decoded.data).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4']);
  });

  it('answers AAAA and other types for known names with an empty NOERROR', () => {
    for (const type of ['AAAA', 'MX'] as const) {
      const decision = decide(query('web', type), context(registryWithProject()));
      if (decision.kind !== 'reply') throw new Error('expected a reply');
      const decoded = wire(decision.packet);
      expect([decoded.rcode, decoded.answers?.length]).toEqual(['NOERROR', 0]);
    }
  });

  it('gives NXDOMAIN for unknown single labels and names under a local domain', () => {
    for (const name of ['nosuch', 'nosuch.proj', 'proj']) {
      const decision = decide(query(name), context(registryWithProject()));
      if (decision.kind !== 'reply') throw new Error(`expected a reply for ${name}`);
      expect(wire(decision.packet).rcode).toBe('NXDOMAIN');
    }
  });

  it('forwards other dotted names upstream', () => {
    expect(decide(query('example.test'), context(registryWithProject())).kind).toBe('forward');
  });

  it('refuses what is not a single-question query', () => {
    const decision = decide({ ...query('web'), questions: [] }, context(registryWithProject()));
    if (decision.kind !== 'reply') throw new Error('expected a reply');
    expect(wire(decision.packet).rcode).toBe('NOTIMP');
  });

  it('truncates UDP replies beyond the client limit, which EDNS can raise', () => {
    const big = Buffer.alloc(600);
    const truncated = dnsPacket.decode(truncateForUdp(query('web'), big));
    expect([truncated.flag_tc, truncated.answers?.length]).toEqual([true, 0]);
    expect(truncateForUdp(query('web'), big, 1232)).toBe(big);
    const withEdns: Packet = {
      ...query('web'),
      additionals: [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize: 1232,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options: [],
        },
      ],
    };
    expect(udpLimit(withEdns)).toBe(1232);
    expect(udpLimit(query('web'))).toBe(512);
  });
});

describe('DNS transport helpers', () => {
  it('frames TCP messages with a two-byte length and splits a stream back', () => {
    const stream = Buffer.concat([withLength(Buffer.from('abc')), withLength(Buffer.from('de'))]);
    const first = takeMessage(stream);
    expect(first?.message.toString()).toBe('abc');
    expect(takeMessage(first?.rest ?? Buffer.alloc(0))?.message.toString()).toBe('de');
    expect(takeMessage(stream.subarray(0, 3))).toBeUndefined();
  });

  it('takes upstreams from resolv.conf nameserver lines (IPv4)', () => {
    const text =
      '# comment\nnameserver 10.255.255.53\nnameserver fe80::1\nsearch example\nnameserver 127.0.0.53\n';
    expect(upstreamsFromResolvConf(text)).toEqual([
      { host: '10.255.255.53', port: 53 },
      { host: '127.0.0.53', port: 53 },
    ]);
  });
});
