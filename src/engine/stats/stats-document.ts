import type { CgroupCounters } from './cgroup-counters.js';
import type { InterfaceCounters } from './host-counters.js';

/** One reading of a container's counters, with the host's CPU time taken at the same moment. */
export interface StatsSample {
  read: Date;
  /** Undefined while the container does not run (its cgroup is gone). */
  cgroup?: CgroupCounters;
  systemUsage: number;
  onlineCpus: number;
  networks?: Record<string, InterfaceCounters>;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
const NO_THROTTLING = { periods: 0, throttled_periods: 0, throttled_time: 0 };

function cpuStats(sample: StatsSample | undefined) {
  const cgroup = sample?.cgroup;
  if (!sample || !cgroup) return { cpu_usage: { total_usage: 0 }, throttling_data: NO_THROTTLING };
  return {
    cpu_usage: {
      total_usage: cgroup.cpuTotal,
      ...(cgroup.cpuPerCpu.length > 0 ? { percpu_usage: cgroup.cpuPerCpu } : {}),
      usage_in_kernelmode: cgroup.cpuKernel,
      usage_in_usermode: cgroup.cpuUser,
    },
    system_cpu_usage: sample.systemUsage,
    online_cpus: sample.onlineCpus,
    throttling_data: NO_THROTTLING,
  };
}

/** A limit above the machine's memory is reported as the machine's memory, as Docker does. */
function memoryStats(cgroup: CgroupCounters, totalMemory: number) {
  return {
    usage: cgroup.memoryUsage,
    ...(cgroup.memoryMaxUsage !== undefined ? { max_usage: cgroup.memoryMaxUsage } : {}),
    stats: cgroup.memoryStats,
    limit: Math.min(cgroup.memoryLimit ?? totalMemory, totalMemory),
  };
}

/**
 * Docker's stats document (GET /containers/{id}/stats) of `container` from a sample and the
 * one before it (precpu_stats, from which clients compute the CPU percentage). A container
 * that does not run gets Docker's empty document: zero times, zero counters.
 */
export function statsDocument(
  container: { Id: string; Name: string },
  sample: StatsSample,
  previous: StatsSample | undefined,
  totalMemory: number,
) {
  const cgroup = sample.cgroup;
  const running = cgroup !== undefined;
  return {
    read: running ? sample.read.toISOString() : ZERO_TIME,
    preread: previous?.cgroup ? previous.read.toISOString() : ZERO_TIME,
    name: container.Name,
    id: container.Id,
    pids_stats: running
      ? {
          current: cgroup.pids,
          ...(cgroup.pidsLimit !== undefined ? { limit: cgroup.pidsLimit } : {}),
        }
      : {},
    blkio_stats: { io_service_bytes_recursive: running ? cgroup.blockIo : null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(running ? sample : undefined),
    precpu_stats: cpuStats(previous),
    memory_stats: running ? memoryStats(cgroup, totalMemory) : {},
    ...(running && sample.networks ? { networks: sample.networks } : {}),
  };
}
