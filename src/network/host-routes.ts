import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseSubnet, type Subnet } from './ipam.js';

const run = promisify(execFile);

interface RouteEntry {
  dst: string;
  dev?: string;
}

/** The IPv4 destinations routed on the host (default route excluded), with their device. */
export function parseRoutes(json: string): { subnet: Subnet; dev: string }[] {
  const entries = JSON.parse(json) as RouteEntry[];
  return entries
    .filter((entry) => entry.dst !== 'default')
    .map((entry) => ({
      subnet: parseSubnet(entry.dst.includes('/') ? entry.dst : `${entry.dst}/32`),
      dev: entry.dev ?? '',
    }));
}

/** Reads the host's IPv4 routes (`ip -j -4 route`), so a new network avoids routed subnets. */
export async function hostRoutes(): Promise<{ subnet: Subnet; dev: string }[]> {
  const { stdout } = await run('ip', ['-j', '-4', 'route', 'show'], { encoding: 'utf8' });
  return parseRoutes(stdout || '[]');
}
