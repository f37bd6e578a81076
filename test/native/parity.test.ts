import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OciConfig } from '../support/oci-bundle.js';
import { expectNoLeaks, Sandbox } from './harness.js';

/**
 * The same bundles under tcrun and under crun (Debian's, the reference runtime) must give the
 * same observable results from inside the container.
 */
const sandbox = new Sandbox();
const crunRoot = sandbox.path('crun-state');
const haveCrun = spawnSync('crun', ['--version']).status === 0;

/**
 * crun 1.8 refuses every container on a hybrid cgroup layout while hugetlb sits on the v2
 * tree (MACHINE-NOTES). The host fix moves it to a v1 hierarchy, once per boot, as root; it is
 * left in place (it is the machine's setting, not a test leftover) and is harmless to tcrun.
 */
function applyCrunHybridFix(): void {
  const controllers = '/sys/fs/cgroup/unified/cgroup.controllers';
  if (!existsSync(controllers) || !/\bhugetlb\b/.test(readFileSync(controllers, 'utf8'))) return;
  execFileSync('flock', [
    '/tmp/tcompose-hugetlb.lock',
    'sh',
    '-c',
    'mountpoint -q /sys/fs/cgroup/hugetlb || { mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb; }',
  ]);
}

beforeAll(() => {
  if (haveCrun) applyCrunHybridFix();
});
afterAll(() => sandbox.cleanup());

/** Runs one bundle under both runtimes (fresh IDs and cgroups each) and returns both results. */
function runBoth(label: string, args: string[], edit?: (config: OciConfig) => void) {
  const results = [];
  for (const runtime of ['tcrun', 'crun'] as const) {
    const { id, cgroupsPath } = sandbox.name(`${label}-${runtime}`);
    const bundle = sandbox.bundle(id, { cgroupsPath, args, edit });
    const run =
      runtime === 'tcrun'
        ? sandbox.tcrun(['run', '--bundle', bundle, id])
        : (() => {
            const r = spawnSync('crun', ['--root', crunRoot, 'run', '--bundle', bundle, id], {
              encoding: 'utf8',
              timeout: 20_000,
            });
            return { code: r.status ?? 137, stdout: r.stdout, stderr: r.stderr };
          })();
    expectNoLeaks(sandbox, id);
    results.push(run);
  }
  return { tcrun: results[0], crun: results[1] };
}

const probe = [
  'id',
  'hostname',
  'echo pid=$$',
  'umask',
  'ulimit -n',
  'grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status',
  "awk '{print $5}' /proc/self/mountinfo | grep -E '^/(proc|sys|dev|tmp)?(/(pts|shm|mqueue|sys|fs/cgroup))?$' | sort",
  'ls /dev | sort | tr "\\n" " "; echo',
  'for n in ipc uts net pid mnt cgroup; do [ "$(readlink /proc/1/ns/$n)" = "$(readlink /proc/self/ns/$n)" ] && echo same-$n; done',
  'touch /rootfile 2>&1',
  'echo 1 > /proc/sys/kernel/shm_rmid_forced 2>&1',
  'wc -c < /proc/timer_list',
  'ls /sys/firmware | wc -l',
  'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max',
  'exit 3',
].join('; ');

describe.runIf(haveCrun)('parity with crun', () => {
  it('identity, capabilities, namespaces, mounts, devices and refused writes match', () => {
    const { tcrun, crun } = runBoth('probe', ['sh', '-c', `exec 2>&1; ${probe}`], (config) => {
      config.linux.resources.pids = { limit: 100 };
    });
    expect(crun.code).toBe(3);
    expect(tcrun.stdout).toBe(crun.stdout);
    expect(tcrun.code).toBe(crun.code);
  });

  it('OOM kill with a memory limit gives 137 under both', () => {
    const { tcrun, crun } = runBoth(
      'oom',
      ['sh', '-c', 'a=aaaaaaaa; while :; do a=$a$a; done'],
      (config) => {
        config.linux.resources.memory = { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 };
      },
    );
    expect(crun.code).toBe(137);
    expect(tcrun.code).toBe(137);
  });

  it('the pids limit stops the same number of forks', () => {
    const { tcrun, crun } = runBoth(
      'pids',
      ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 5 & echo started; done'],
      (config) => {
        config.linux.resources.pids = { limit: 6 };
      },
    );
    expect(tcrun.stdout).toBe(crun.stdout);
    expect(tcrun.code).toBe(crun.code);
  });

  it('a non-root user with a read-only bind and a tmpfs sees the same', () => {
    const { tcrun, crun } = runBoth(
      'user',
      [
        'sh',
        '-c',
        'exec 2>&1; id; touch /data/x; echo hi > /scratch/f && cat /scratch/f; stat -c %a /scratch',
      ],
      (config) => {
        config.process.user = { uid: 1000, gid: 1000, additionalGids: [44] };
        config.mounts.push(
          { destination: '/data', type: 'bind', source: '/etc', options: ['rbind', 'ro'] },
          {
            destination: '/scratch',
            type: 'tmpfs',
            source: 'tmpfs',
            options: ['mode=1777', 'size=1m'],
          },
        );
      },
    );
    expect(tcrun.stdout).toBe(crun.stdout);
  });

  it('a seccomp profile denies the same syscalls', () => {
    const { tcrun, crun } = runBoth(
      'seccomp',
      ['sh', '-c', 'exec 2>&1; mkdir /tmp/d; echo "mkdir=$?"; grep ^Seccomp: /proc/self/status'],
      (config) => {
        config.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
          syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
        };
      },
    );
    expect(crun.stdout).toMatch(/mkdir=1\nSeccomp:\t2\n$/);
    expect(tcrun.stdout).toBe(crun.stdout);
  });
});
