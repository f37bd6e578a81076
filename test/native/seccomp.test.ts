import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { OciConfig } from '../support/oci-bundle.js';
import { expectNoLeaks, Sandbox } from './harness.js';

const sandbox = new Sandbox();
afterAll(() => sandbox.cleanup());

const seccompBuilt = JSON.parse(sandbox.tcrun(['features']).stdout).linux.seccomp.enabled;

/** Docker's default capabilities (no CAP_SYS_ADMIN), as CapEff shows them. */
const DOCKER_CAPS_MASK = '00000000a80425fb';

/**
 * A profile that refuses unshare, mount and setns with ENOSYS (38: not the EPERM that missing
 * capabilities give, so the refusal is the filter's), and the user-changing calls too, which
 * tcrun itself makes only before it loads the filter.
 */
function withoutNoNewPrivileges(config: OciConfig): void {
  config.process.noNewPrivileges = false;
  config.linux.seccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['unshare', 'mount', 'setns'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
      { names: ['setresuid', 'setresgid', 'setgroups'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
    ],
  };
}

/** What the tests read: the filter mode, no_new_privs, the capabilities and why unshare failed. */
const PROBE =
  'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; unshare -n true 2>&1 | sed "s/.*: /unshare: /"';

describe.runIf(seccompBuilt)('linux.seccomp', () => {
  it('applies an OCI profile: denied syscalls fail with the given errno, others work', () => {
    const result = sandbox.run('seccomp', {
      args: [
        'sh',
        '-c',
        'mkdir /tmp/denied 2>&1; echo "mkdir=$?"; touch /tmp/allowed && echo touched',
      ],
      edit: (config) => {
        config.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
          syscalls: [
            { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
            { names: ['no_such_syscall'], action: 'SCMP_ACT_ERRNO' },
          ],
        };
      },
    });
    expect(result.stdout).toBe(
      "mkdir: can't create directory '/tmp/denied': Operation not permitted\nmkdir=1\ntouched\n",
    );
  });

  it('filters on syscall arguments (kill with SIGUSR1 only)', () => {
    const result = sandbox.run('seccomp-args', {
      args: [
        'sh',
        '-c',
        'trap "" USR1; kill -USR1 $$ 2>/dev/null; echo "usr1=$?"; kill -0 $$ && echo ok',
      ],
      edit: (config) => {
        config.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [
            {
              names: ['kill'],
              action: 'SCMP_ACT_ERRNO',
              args: [{ index: 1, value: 10, op: 'SCMP_CMP_EQ' }],
            },
          ],
        };
      },
    });
    expect(result.stdout).toBe('usr1=1\nok\n');
  });

  it('refuses an unknown action before creating anything', () => {
    const result = sandbox.run('seccomp-bad', {
      args: ['true'],
      edit: (config) => {
        config.linux.seccomp = { defaultAction: 'SCMP_ACT_EXPLODE' };
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /linux\.seccomp: unsupported action SCMP_ACT_EXPLODE \(line \d+\)\n$/,
    );
  });

  it('applies without no_new_privs: the filter is loaded while tcrun still holds CAP_SYS_ADMIN', () => {
    const result = sandbox.run('seccomp-nnp-off', {
      args: ['sh', '-c', PROBE],
      edit: withoutNoNewPrivileges,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      `CapEff:\t${DOCKER_CAPS_MASK}\nNoNewPrivs:\t0\nSeccomp:\t2\nunshare: Function not implemented\n`,
    );
  });

  it('changes user before loading the filter, so a profile refusing setresuid still starts uid 1000', () => {
    const result = sandbox.run('seccomp-user', {
      args: ['sh', '-c', `id; ${PROBE}`],
      edit: (config) => {
        withoutNoNewPrivileges(config);
        config.process.user = { uid: 1000, gid: 1000, additionalGids: [2000] };
      },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      'uid=1000 gid=1000 groups=2000\nCapEff:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t2\nunshare: Function not implemented\n',
    );
  });

  it('filters the program under the built-in init, and the init keeps no CAP_SYS_ADMIN', () => {
    const result = sandbox.run('seccomp-init', {
      args: ['sh', '-c', `grep CapEff /proc/1/status; ${PROBE}`],
      edit: (config) => {
        withoutNoNewPrivileges(config);
        config.annotations = { 'org.tcompose.init': 'true' };
      },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      `CapEff:\t${DOCKER_CAPS_MASK}\nCapEff:\t${DOCKER_CAPS_MASK}\nNoNewPrivs:\t0\nSeccomp:\t2\nunshare: Function not implemented\n`,
    );
  });

  it('applies the same filter to exec, with and without no_new_privs', () => {
    for (const noNewPrivileges of [false, true]) {
      const { id, cgroupsPath } = sandbox.name('seccomp-exec');
      const bundle = sandbox.bundle(id, {
        args: ['sleep', '1000'],
        cgroupsPath,
        edit: (config) => {
          withoutNoNewPrivileges(config);
          config.process.noNewPrivileges = noNewPrivileges;
        },
      });
      const pidFile = sandbox.path(`${id}.pid`);
      const started = sandbox.tcrun([
        'run',
        '--detach',
        '--pid-file',
        pidFile,
        '--bundle',
        bundle,
        id,
      ]);
      expect(started.stderr).toBe('');
      const exec = sandbox.tcrun(['exec', id, 'sh', '-c', PROBE]);
      expect(exec.stderr).toBe('');
      const nnp = noNewPrivileges ? 1 : 0;
      expect(exec.stdout).toBe(
        `CapEff:\t${DOCKER_CAPS_MASK}\nNoNewPrivs:\t${nnp}\nSeccomp:\t2\nunshare: Function not implemented\n`,
      );
      const asUser = sandbox.tcrun(['exec', '--user', '1000:1000', id, 'sh', '-c', `id; ${PROBE}`]);
      expect(asUser.stdout).toBe(
        `uid=1000 gid=1000\nCapEff:\t0000000000000000\nNoNewPrivs:\t${nnp}\nSeccomp:\t2\nunshare: Function not implemented\n`,
      );
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(sandbox.tcrun(['delete', '--force', id]).code).toBe(0);
      expectNoLeaks(sandbox, id, [pid]);
    }
  });

  it('leaves a container without a profile unfiltered', () => {
    const result = sandbox.run('seccomp-none', {
      args: ['grep', 'Seccomp:', '/proc/self/status'],
      edit: (config) => {
        config.process.noNewPrivileges = false;
      },
    });
    expect(result.stdout).toBe('Seccomp:\t0\n');
  });
});
