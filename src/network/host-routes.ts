import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { parseSubnet, type Subnet } from './ipam.js';

/** A 32-bit field of /proc/net/route: the kernel prints the value as it is in memory. */
function hexWord(hex: string): number {
  const value = Number.parseInt(hex, 16) >>> 0;
  if (endianness() === 'BE') return value;
  return (
    (((value & 0xff) << 24) |
      ((value & 0xff00) << 8) |
      ((value >>> 8) & 0xff00) |
      (value >>> 24)) >>>
    0
  );
}

const dotted = (word: number) => [24, 16, 8, 0].map((shift) => (word >>> shift) & 0xff).join('.');

/** Leading one bits of a netmask. */
function prefixLength(mask: number): number {
  let bits = 0;
  while (bits < 32 && mask & (0x80000000 >>> bits)) bits++;
  return bits;
}

/** The IPv4 destinations routed on the host (default route excluded), with their device. */
export function parseRoutes(table: string): { subnet: Subnet; dev: string }[] {
  return table
    .split('\n')
    .slice(1)
    .flatMap((line) => {
      const [dev, destination, , , , , , mask] = line.trim().split(/\s+/);
      if (!dev || !destination || !mask) return [];
      const prefix = prefixLength(hexWord(mask));
      if (prefix === 0) return [];
      return [{ subnet: parseSubnet(`${dotted(hexWord(destination))}/${prefix}`), dev }];
    });
}

/**
 * Reads the host's IPv4 routes of the main table, as `ip -4 route` lists them, so a new
 * network avoids routed subnets: from /proc/net/route, without a process (a network
 * create looks twice).
 */
export async function hostRoutes(): Promise<{ subnet: Subnet; dev: string }[]> {
  return parseRoutes(await readFile('/proc/net/route', 'utf8'));
}
