import { access, readFile } from 'node:fs/promises';

/** What a container's cgroup counts, in the units Docker's stats report them in. */
export interface CgroupCounters {
  /** CPU time in nanoseconds: in total, per CPU (v1 only), in user and in kernel mode. */
  cpuTotal: number;
  cpuPerCpu: number[];
  cpuUser: number;
  cpuKernel: number;
  memoryUsage: number;
  /** The peak of memoryUsage (v1 only: v2 keeps no peak on older kernels). */
  memoryMaxUsage?: number;
  /** The cgroup's memory limit; undefined when unlimited. */
  memoryLimit?: number;
  /** memory.stat as its keys and values. */
  memoryStats: Record<string, number>;
  pids: number;
  pidsLimit?: number;
  /** Bytes read and written per block device. */
  blockIo: BlockIoEntry[];
}

export interface BlockIoEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

const CGROUP_ROOT = '/sys/fs/cgroup';
/** Which hierarchies the host has, looked up once: a stream reads every second. */
let hierarchies: Promise<'v1' | 'v2'> | undefined;
/** USER_HZ: the unit of cpuacct.stat's user and system times. */
const NANOSECONDS_PER_TICK = 1e9 / 100;

/**
 * The counters of the cgroup at `cgroupsPath` (as in the container's config.json), read
 * from the v1 hierarchies when the memory controller has one (v1 or hybrid hosts), else
 * from the unified v2 tree. Undefined when the cgroup is gone (the container stopped).
 */
export async function readCgroupCounters(cgroupsPath: string): Promise<CgroupCounters | undefined> {
  hierarchies ??= access(`${CGROUP_ROOT}/memory`).then(
    () => 'v1' as const,
    () => 'v2' as const,
  );
  const read = (await hierarchies) === 'v1' ? readV1 : readV2;
  return read(cgroupsPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

const text = (path: string) => readFile(path, 'utf8');
const number = async (path: string) => Number((await text(path)).trim());
/** A limit file's value; "max" and the v1 "unlimited" sentinel (near 2^63) mean none. */
const limit = async (path: string) => {
  const value = (await text(path)).trim();
  return value === 'max' || Number(value) >= 2 ** 62 ? undefined : Number(value);
};

async function readV1(cgroupsPath: string): Promise<CgroupCounters> {
  const dir = (controller: string) => `${CGROUP_ROOT}/${controller}${cgroupsPath}`;
  const cpu = dir('cpuacct');
  const memory = dir('memory');
  const ticks = parseKeyedValues(await text(`${cpu}/cpuacct.stat`));
  return {
    cpuTotal: await number(`${cpu}/cpuacct.usage`),
    cpuPerCpu: (await text(`${cpu}/cpuacct.usage_percpu`)).trim().split(/\s+/).map(Number),
    cpuUser: (ticks.user ?? 0) * NANOSECONDS_PER_TICK,
    cpuKernel: (ticks.system ?? 0) * NANOSECONDS_PER_TICK,
    memoryUsage: await number(`${memory}/memory.usage_in_bytes`),
    memoryMaxUsage: await number(`${memory}/memory.max_usage_in_bytes`),
    memoryLimit: await limit(`${memory}/memory.limit_in_bytes`),
    memoryStats: parseKeyedValues(await text(`${memory}/memory.stat`)),
    pids: await number(`${dir('pids')}/pids.current`),
    pidsLimit: await limit(`${dir('pids')}/pids.max`),
    blockIo: parseBlkioV1(await text(`${dir('blkio')}/blkio.throttle.io_service_bytes_recursive`)),
  };
}

async function readV2(cgroupsPath: string): Promise<CgroupCounters> {
  const dir = `${CGROUP_ROOT}${cgroupsPath}`;
  const cpu = parseKeyedValues(await text(`${dir}/cpu.stat`));
  return {
    cpuTotal: (cpu.usage_usec ?? 0) * 1000,
    cpuPerCpu: [],
    cpuUser: (cpu.user_usec ?? 0) * 1000,
    cpuKernel: (cpu.system_usec ?? 0) * 1000,
    memoryUsage: await number(`${dir}/memory.current`),
    memoryLimit: await limit(`${dir}/memory.max`),
    memoryStats: parseKeyedValues(await text(`${dir}/memory.stat`)),
    pids: await number(`${dir}/pids.current`),
    pidsLimit: await limit(`${dir}/pids.max`),
    blockIo: parseIoStatV2(await text(`${dir}/io.stat`).catch(() => '')),
  };
}

/** `key value` lines (memory.stat, cpu.stat, cpuacct.stat) as a record of numbers. */
export function parseKeyedValues(content: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of content.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && value !== '') values[key] = Number(value);
  }
  return values;
}

/** v1 blkio.*_recursive: `8:0 Read 4096` lines, and a `Total` line that is left out. */
export function parseBlkioV1(content: string): BlockIoEntry[] {
  const entries: BlockIoEntry[] = [];
  for (const line of content.split('\n')) {
    const match = /^(\d+):(\d+) (\S+) (\d+)$/.exec(line.trim());
    if (match) {
      const [, major, minor, op = '', value] = match;
      entries.push({ major: Number(major), minor: Number(minor), op, value: Number(value) });
    }
  }
  return entries;
}

/** v2 io.stat: `8:0 rbytes=4096 wbytes=0 ...` lines, as Docker reports them (Read, Write). */
export function parseIoStatV2(content: string): BlockIoEntry[] {
  const entries: BlockIoEntry[] = [];
  for (const line of content.split('\n')) {
    const [device = '', ...fields] = line.trim().split(/\s+/);
    const devices = /^(\d+):(\d+)$/.exec(device);
    if (!devices) continue;
    const values = Object.fromEntries(fields.map((field) => field.split('=')));
    for (const [op, key] of [
      ['read', 'rbytes'],
      ['write', 'wbytes'],
    ] as const) {
      if (values[key] !== undefined) {
        entries.push({
          major: Number(devices[1]),
          minor: Number(devices[2]),
          op,
          value: Number(values[key]),
        });
      }
    }
  }
  return entries;
}
