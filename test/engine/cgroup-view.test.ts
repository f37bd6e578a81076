import { describe, expect, it } from 'vitest';
import { engineForFile } from '../orchestrator/support.js';
import { runDocker } from './support.js';

const testEngine = engineForFile();

const unified = (await import('node:fs')).existsSync('/sys/fs/cgroup/cgroup.controllers');

describe("a container's view of its cgroups", () => {
  it('shows its own cgroup as the root, with its limits, read-only', async () => {
    const limit = unified
      ? '/sys/fs/cgroup/memory.max'
      : '/sys/fs/cgroup/memory/memory.limit_in_bytes';
    const script = [
      `cat ${limit}`,
      // In a cgroup namespace of its own, every hierarchy's path is "/".
      `grep -vc ':/$' /proc/self/cgroup`,
      `echo 999999999 > ${limit} 2>/dev/null && echo wrote || echo refused`,
    ].join('; ');
    const args = ['run', '--rm', '--network', 'none', '--memory', '32m', 'busybox', 'sh', '-c'];
    const result = await runDocker(testEngine(), [...args, script]);
    expect(result.stdout.split('\n')).toEqual(['33554432', '0', 'refused', '']);
  });

  it('keeps it on the CPUs it is given (--cpuset-cpus)', async () => {
    const cpus = unified ? '/sys/fs/cgroup/cpuset.cpus' : '/sys/fs/cgroup/cpuset/cpuset.cpus';
    const args = ['run', '--rm', '--network', 'none', '--cpuset-cpus', '0', 'busybox'];
    const result = await runDocker(testEngine(), [...args, 'sh', '-c', `cat ${cpus}; nproc`]);
    expect(result.stdout).toBe('0\n1\n');
  });
});
