import type { ContainerRecord } from '../containers/model.js';
import { cgroupPathOf } from '../containers/model.js';
import { readCgroupCounters } from './cgroup-counters.js';
import { readHostCpu, readInterfaceCounters } from './host-counters.js';
import type { StatsSample } from './stats-document.js';

/** Reads a container's counters now: its cgroup's, its interfaces', and the host's CPU time. */
export async function sampleContainer(record: ContainerRecord): Promise<StatsSample> {
  const read = new Date();
  const { systemUsage, onlineCpus } = await readHostCpu();
  if (!record.State.Running) return { read, systemUsage, onlineCpus };
  const [cgroup, networks] = await Promise.all([
    readCgroupCounters(cgroupPathOf(record.Id)),
    readInterfaceCounters(record.State.Pid),
  ]);
  return { read, cgroup, systemUsage, onlineCpus, networks };
}
