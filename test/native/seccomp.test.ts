import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox } from './harness.js';

const sandbox = new Sandbox();
afterAll(() => sandbox.cleanup());

const seccompBuilt = JSON.parse(sandbox.tcrun(['features']).stdout).linux.seccomp.enabled;

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
});
