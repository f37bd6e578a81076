import { badParameter, EngineError } from '../errors/engine-error.js';

/**
 * IPv4 address management, pure: subnets as (base, prefix) over unsigned 32-bit numbers,
 * the default pool Docker uses, and address allocation inside a network's range. Callers
 * pass what is already in use (host routes, other networks, taken addresses); nothing here
 * reads the host.
 */

export interface Subnet {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

/** A network's addressing once decided: what is persisted and handed to the link layer. */
export interface IpamPlan {
  subnet: string;
  gateway: string;
  /** Where container addresses are allocated from; the subnet unless `ip_range` narrows it. */
  ipRange?: string;
}

/** `ipam.config` as the user gives it (compose `ipam.config[0]`, API `IPAM.Config[0]`). */
export interface IpamRequest {
  subnet?: string;
  gateway?: string;
  ipRange?: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIp(text: string): number {
  const match = IPV4.exec(text.trim());
  const octets = match?.slice(1).map(Number);
  if (!octets || octets.some((octet) => octet > 255)) {
    throw badParameter(`invalid IPv4 address: ${JSON.stringify(text)}`);
  }
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

export function formatIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses `a.b.c.d/n`; host bits must be zero, as Docker requires. */
export function parseSubnet(text: string): Subnet {
  const [address, prefixText, extra] = text.trim().split('/');
  const prefix = Number(prefixText);
  if (extra !== undefined || !/^\d{1,2}$/.test(prefixText ?? '') || prefix > 32) {
    throw badParameter(`invalid subnet ${JSON.stringify(text)}: expected a.b.c.d/prefix`);
  }
  const base = parseIp(address);
  if ((base & mask(prefix)) >>> 0 !== base) {
    throw badParameter(
      `invalid subnet ${text}: host bits are set (did you mean ${formatIp((base & mask(prefix)) >>> 0)}/${prefix}?)`,
    );
  }
  return { base, prefix };
}

export function formatSubnet(subnet: Subnet): string {
  return `${formatIp(subnet.base)}/${subnet.prefix}`;
}

export function subnetSize(subnet: Subnet): number {
  return 2 ** (32 - subnet.prefix);
}

export function contains(subnet: Subnet, address: number): boolean {
  return (address & mask(subnet.prefix)) >>> 0 === subnet.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  return (a.base & mask(prefix)) >>> 0 === (b.base & mask(prefix)) >>> 0;
}

/** Docker's default local pools: 172.17.0.0/16 … 172.31.0.0/16, then 192.168.0.0/16 in /20 blocks. */
export function defaultPool(): Subnet[] {
  const pool: Subnet[] = [];
  for (let second = 17; second <= 31; second++) pool.push(parseSubnet(`172.${second}.0.0/16`));
  for (let third = 0; third < 256; third += 16) pool.push(parseSubnet(`192.168.${third}.0/20`));
  return pool;
}

/** The first pool subnet overlapping nothing in `used` (host routes and our other networks). */
export function chooseSubnet(used: Subnet[], pool: Subnet[] = defaultPool()): Subnet {
  const free = pool.find((candidate) => !used.some((taken) => overlaps(candidate, taken)));
  if (!free) {
    throw new EngineError(
      500,
      'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
    );
  }
  return free;
}

/**
 * Decides a network's subnet, gateway and range from the request: a requested subnet must not
 * overlap `used`; gateway defaults to the first address; gateway and ip_range must sit inside.
 */
export function planNetwork(request: IpamRequest, used: Subnet[], pool?: Subnet[]): IpamPlan {
  if (!request.subnet && (request.gateway || request.ipRange)) {
    throw badParameter('ipam config: gateway and ip_range need a subnet');
  }
  const subnet = request.subnet ? parseSubnet(request.subnet) : chooseSubnet(used, pool);
  if (subnet.prefix > 30) {
    throw badParameter(`subnet ${formatSubnet(subnet)} is too small: at most /30`);
  }
  if (request.subnet && used.some((taken) => overlaps(taken, subnet))) {
    throw badParameter(
      `Pool overlaps with other one on this address space: ${formatSubnet(subnet)} is already in use`,
    );
  }
  const gateway = request.gateway ? parseIp(request.gateway) : subnet.base + 1;
  if (!isHostAddress(subnet, gateway)) {
    throw badParameter(
      `gateway ${formatIp(gateway)} is not a host address of ${formatSubnet(subnet)}`,
    );
  }
  const plan: IpamPlan = { subnet: formatSubnet(subnet), gateway: formatIp(gateway) };
  if (request.ipRange) {
    const range = parseSubnet(request.ipRange);
    if (range.prefix < subnet.prefix || !contains(subnet, range.base)) {
      throw badParameter(`ip_range ${request.ipRange} is not inside subnet ${plan.subnet}`);
    }
    plan.ipRange = formatSubnet(range);
  }
  return plan;
}

function isHostAddress(subnet: Subnet, address: number): boolean {
  const last = subnet.base + subnetSize(subnet) - 1;
  return contains(subnet, address) && address !== subnet.base && address !== last;
}

/**
 * Picks a container address: the requested one if it is a free host address of the subnet,
 * else the lowest free address of the range. `taken` holds the addresses of other endpoints.
 */
export function allocateAddress(
  plan: IpamPlan,
  taken: ReadonlySet<string>,
  requested?: string,
): string {
  const subnet = parseSubnet(plan.subnet);
  const gateway = parseIp(plan.gateway);
  if (requested) {
    const address = parseIp(requested);
    if (!isHostAddress(subnet, address)) {
      throw badParameter(`address ${requested} is not a host address of subnet ${plan.subnet}`);
    }
    if (address === gateway || taken.has(formatIp(address))) {
      throw new EngineError(409, `Address already in use: ${formatIp(address)}`);
    }
    return formatIp(address);
  }
  const range = plan.ipRange ? parseSubnet(plan.ipRange) : subnet;
  const end = range.base + subnetSize(range);
  for (let address = range.base; address < end; address++) {
    if (address === gateway || !isHostAddress(subnet, address)) continue;
    const text = formatIp(address);
    if (!taken.has(text)) return text;
  }
  throw new EngineError(500, `no available IPv4 address left in ${plan.ipRange ?? plan.subnet}`);
}

/** Docker's MAC for an address: 02:42 then the four address bytes. */
export function macForAddress(address: string): string {
  const value = parseIp(address);
  const bytes = [24, 16, 8, 0].map((shift) =>
    ((value >>> shift) & 255).toString(16).padStart(2, '0'),
  );
  return `02:42:${bytes.join(':')}`;
}
