import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hostRoutes, parseRoutes } from '../../src/network/host-routes.js';
import {
  allocateAddress,
  chooseSubnet,
  defaultPool,
  formatSubnet,
  macForAddress,
  parseSubnet,
  planNetwork,
} from '../../src/network/ipam.js';

describe('subnet pool', () => {
  it('starts at 172.17.0.0/16 and continues with 192.168.0.0/20 blocks', () => {
    const pool = defaultPool().map(formatSubnet);
    expect(pool[0]).toBe('172.17.0.0/16');
    expect(pool[14]).toBe('172.31.0.0/16');
    expect(pool[15]).toBe('192.168.0.0/20');
    expect(pool.at(-1)).toBe('192.168.240.0/20');
  });

  it('skips subnets routed on the host or used by other networks', () => {
    const used = [parseSubnet('172.17.0.0/16'), parseSubnet('172.18.5.0/24')];
    expect(formatSubnet(chooseSubnet(used))).toBe('172.19.0.0/16');
  });

  it('moves to the 192.168 blocks when 172.16/12 is taken, and fails when all are', () => {
    expect(formatSubnet(chooseSubnet([parseSubnet('172.16.0.0/12')]))).toBe('192.168.0.0/20');
    const all = [parseSubnet('172.16.0.0/12'), parseSubnet('192.168.0.0/16')];
    expect(() => chooseSubnet(all)).toThrow(/could not find an available, non-overlapping/);
  });

  it('reads host routes from /proc/net/route, leaving out the default route', () => {
    const routes = parseRoutes(
      [
        'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
        'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
        'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
        'wg0\t0302010A\t00000000\t0005\t0\t0\t0\tFFFFFFFF\t0\t0\t0',
        'tc-0123456789\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
        '',
      ].join('\n'),
    );
    expect(routes.map((route) => [formatSubnet(route.subnet), route.dev])).toEqual([
      ['192.0.2.0/24', 'eth0'],
      ['10.1.2.3/32', 'wg0'],
      ['172.17.0.0/16', 'tc-0123456789'],
    ]);
  });

  it('reads the same routes as ip -4 route on this host', async () => {
    const listed = async () => {
      const { stdout } = await promisify(execFile)('ip', ['-j', '-4', 'route', 'show']);
      return (JSON.parse(stdout) as { dst: string; dev: string }[])
        .filter((route) => route.dst !== 'default')
        .map((route) => `${route.dst.includes('/') ? route.dst : `${route.dst}/32`} ${route.dev}`)
        .sort();
    };
    const read = async () =>
      (await hostRoutes()).map((route) => `${formatSubnet(route.subnet)} ${route.dev}`).sort();
    // Other engines on this host add and remove bridges: a few tries find a quiet moment.
    let [expected, actual] = [await listed(), await read()];
    for (let attempt = 0; attempt < 5 && actual.join() !== expected.join(); attempt++) {
      [expected, actual] = [await listed(), await read()];
    }
    expect(actual).toEqual(expected);
  });
});

describe('network plan', () => {
  it('takes the first address as gateway by default', () => {
    expect(planNetwork({}, [])).toEqual({ subnet: '172.17.0.0/16', gateway: '172.17.0.1' });
  });

  it('honours subnet, gateway and ip_range', () => {
    const plan = planNetwork(
      { subnet: '10.9.0.0/24', gateway: '10.9.0.254', ipRange: '10.9.0.128/25' },
      [],
    );
    expect(plan).toEqual({
      subnet: '10.9.0.0/24',
      gateway: '10.9.0.254',
      ipRange: '10.9.0.128/25',
    });
  });

  it('refuses bad or clashing requests with the reason', () => {
    expect(() => planNetwork({ subnet: '10.9.0.1/24' }, [])).toThrow(
      /host bits are set.*10\.9\.0\.0\/24/,
    );
    expect(() => planNetwork({ subnet: '10.9.0.0/24', gateway: '10.8.0.1' }, [])).toThrow(
      /gateway 10\.8\.0\.1 is not a host address/,
    );
    expect(() => planNetwork({ subnet: '10.9.0.0/24', ipRange: '10.9.1.0/25' }, [])).toThrow(
      /ip_range .* is not inside/,
    );
    expect(() => planNetwork({ subnet: '10.9.0.0/24' }, [parseSubnet('10.0.0.0/8')])).toThrow(
      /Pool overlaps/,
    );
    expect(() => planNetwork({ gateway: '10.0.0.1' }, [])).toThrow(/need a subnet/);
    expect(() => planNetwork({ subnet: '300.1.1.0/24' }, [])).toThrow(/invalid IPv4 address/);
  });
});

describe('address allocation', () => {
  const plan = { subnet: '10.9.0.0/29', gateway: '10.9.0.1' };

  it('hands out the lowest free host address, skipping the gateway', () => {
    expect(allocateAddress(plan, new Set())).toBe('10.9.0.2');
    expect(allocateAddress(plan, new Set(['10.9.0.2', '10.9.0.4']))).toBe('10.9.0.3');
  });

  it('reuses a released address', () => {
    const taken = new Set(['10.9.0.2', '10.9.0.3']);
    taken.delete('10.9.0.2');
    expect(allocateAddress(plan, taken)).toBe('10.9.0.2');
  });

  it('allocates only inside ip_range', () => {
    const ranged = { subnet: '10.9.0.0/24', gateway: '10.9.0.1', ipRange: '10.9.0.128/26' };
    expect(allocateAddress(ranged, new Set())).toBe('10.9.0.128');
  });

  it('gives a requested address, refusing taken or outside ones', () => {
    expect(allocateAddress(plan, new Set(), '10.9.0.6')).toBe('10.9.0.6');
    expect(() => allocateAddress(plan, new Set(['10.9.0.6']), '10.9.0.6')).toThrow(
      /Address already in use: 10\.9\.0\.6/,
    );
    expect(() => allocateAddress(plan, new Set(), '10.9.0.1')).toThrow(/already in use/);
    expect(() => allocateAddress(plan, new Set(), '10.9.0.7')).toThrow(/not a host address/);
  });

  it('fails clearly when the range is exhausted', () => {
    const full = new Set(['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
    expect(() => allocateAddress(plan, full)).toThrow(
      /no available IPv4 address left in 10\.9\.0\.0\/29/,
    );
  });

  it('derives the MAC from the address as Docker does', () => {
    expect(macForAddress('172.18.0.2')).toBe('02:42:ac:12:00:02');
  });
});
