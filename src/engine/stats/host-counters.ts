import { readFile } from 'node:fs/promises';

/** USER_HZ, the unit of /proc/stat's times. */
const NANOSECONDS_PER_TICK = 1e9 / 100;

/**
 * The host's CPU time since boot in nanoseconds, all CPUs and states together, and how
 * many CPUs are online: the reference Docker's stats give, against which a client turns
 * a container's CPU time into a percentage.
 */
export async function readHostCpu(): Promise<{ systemUsage: number; onlineCpus: number }> {
  return parseProcStat(await readFile('/proc/stat', 'utf8'));
}

export function parseProcStat(content: string): { systemUsage: number; onlineCpus: number } {
  const lines = content.split('\n');
  const total = lines.find((line) => line.startsWith('cpu '));
  // user nice system idle iowait irq softirq steal; guest times are already inside user.
  const ticks = (total ?? '')
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .reduce((sum, field) => sum + Number(field), 0);
  const onlineCpus = lines.filter((line) => /^cpu\d+ /.test(line)).length;
  return { systemUsage: ticks * NANOSECONDS_PER_TICK, onlineCpus };
}

/** One interface's counters, named as Docker's stats name them. */
export interface InterfaceCounters {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/**
 * The counters of a container's interfaces but loopback, read from /proc/<pid>/net/dev,
 * which shows the network namespace `pid` lives in; undefined once the process is gone.
 */
export async function readInterfaceCounters(
  pid: number,
): Promise<Record<string, InterfaceCounters> | undefined> {
  const content = await readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => undefined);
  return content === undefined ? undefined : parseNetDev(content);
}

export function parseNetDev(content: string): Record<string, InterfaceCounters> {
  const interfaces: Record<string, InterfaceCounters> = {};
  for (const line of content.split('\n').slice(2)) {
    const [name, counters] = line.split(':');
    const interfaceName = name?.trim();
    if (!interfaceName || interfaceName === 'lo' || counters === undefined) continue;
    const field = counters.trim().split(/\s+/).map(Number);
    const at = (index: number) => field[index] ?? 0;
    interfaces[interfaceName] = {
      rx_bytes: at(0),
      rx_packets: at(1),
      rx_errors: at(2),
      rx_dropped: at(3),
      tx_bytes: at(8),
      tx_packets: at(9),
      tx_errors: at(10),
      tx_dropped: at(11),
    };
  }
  return interfaces;
}
