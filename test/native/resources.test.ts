import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cgroupMounts, expectNoLeaks, Sandbox } from './harness.js';

const sandbox = new Sandbox();
afterAll(() => sandbox.cleanup());

const unified = !existsSync('/sys/fs/cgroup/memory');

describe('linux.resources', () => {
  it('OOM-kills a process over the memory limit: exit status 137', () => {
    const result = sandbox.run('oom', {
      // The string doubles until the 32 MiB limit (no swap) is hit.
      args: ['sh', '-c', 'a=aaaaaaaa; while :; do a=$a$a; done'],
      edit: (config) => {
        config.linux.resources.memory = { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 };
      },
    });
    expect(result.code).toBe(137);
    expectNoLeaks(sandbox, result.id);
  });

  it('refuses forks beyond the pids limit', () => {
    const result = sandbox.run('pids', {
      args: [
        'sh',
        '-c',
        'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do sleep 5 & echo started; done',
      ],
      edit: (config) => {
        config.linux.resources.pids = { limit: 8 };
      },
    });
    // sh counts: at most 7 sleeps start, then busybox sh gives up on the failed fork.
    const started = result.stdout.split('\n').filter((line) => line === 'started').length;
    expect(started).toBe(7);
    expect(result.stderr).toMatch(/can't fork/);
    expect(result.code).not.toBe(0);
  });

  it('writes memory, cpu and pids settings the container can read back in its cgroup namespace', () => {
    const files = unified
      ? ['memory.max', 'cpu.max', 'cpu.weight', 'pids.max'].map((f) => `/sys/fs/cgroup/${f}`)
      : [
          '/sys/fs/cgroup/memory/memory.limit_in_bytes',
          '/sys/fs/cgroup/cpu/cpu.shares',
          '/sys/fs/cgroup/cpu/cpu.cfs_quota_us',
          '/sys/fs/cgroup/cpu/cpu.cfs_period_us',
          '/sys/fs/cgroup/pids/pids.max',
        ];
    const result = sandbox.run('limits', {
      args: ['sh', '-c', `cat ${files.join(' ')}; cat /proc/self/cgroup | grep -c ':/$'`],
      edit: (config) => {
        config.linux.resources.memory = { limit: 64 * 1024 * 1024 };
        config.linux.resources.cpu = { shares: 512, quota: 50000, period: 100000 };
        config.linux.resources.pids = { limit: 64 };
      },
    });
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n');
    if (unified) {
      expect(lines.slice(0, 4)).toEqual(['67108864', '50000 100000', '20', '64']);
    } else {
      expect(lines.slice(0, 5)).toEqual(['67108864', '512', '50000', '100000', '64']);
    }
    // Every hierarchy shows the container at its cgroup namespace root.
    expect(Number(lines.at(-1))).toBeGreaterThan(0);
  });

  it('places the container in its cgroupsPath in every hierarchy and removes it at delete', () => {
    const { id, cgroupsPath } = sandbox.name('cgpath');
    const bundle = sandbox.bundle(id, { cgroupsPath, args: ['sleep', '1000'] });
    expect(sandbox.tcrun(['run', '--detach', '--bundle', bundle, id]).code).toBe(0);
    const { pid } = sandbox.state(id);
    for (const mount of cgroupMounts()) {
      const procs = readFileSync(join(mount, cgroupsPath, 'cgroup.procs'), 'utf8');
      expect(procs.split('\n')).toContain(String(pid));
    }
    expect(sandbox.tcrun(['delete', '--force', id]).code).toBe(0);
    expectNoLeaks(sandbox, id, [pid]);
  });
});
