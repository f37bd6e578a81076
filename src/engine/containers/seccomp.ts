import { badParameter } from '../../errors/engine-error.js';

/**
 * The engine's default seccomp profile, in Docker's spirit: everything is allowed except
 * the system calls that reach outside the container (kernel modules, clocks, keyrings,
 * mounts and namespaces, tracing other processes, ...), which fail with EPERM. A call
 * comes back when the container holds the capability that governs it, as in Docker.
 */
const deniedUnless: Record<string, string[]> = {
  '': [
    'add_key',
    'get_kernel_syms',
    'kexec_file_load',
    'kexec_load',
    'keyctl',
    'lookup_dcookie',
    'nfsservctl',
    'query_module',
    'request_key',
    'sysfs',
    '_sysctl',
    'uselib',
    'userfaultfd',
    'ustat',
    'vm86',
    'vm86old',
    'create_module',
    'swapon',
    'swapoff',
    'quotactl',
  ],
  CAP_SYS_ADMIN: [
    'mount',
    'umount',
    'umount2',
    'unshare',
    'setns',
    'pivot_root',
    'bpf',
    'perf_event_open',
    'fsopen',
    'fsmount',
    'fsconfig',
    'fspick',
    'move_mount',
    'open_tree',
    'fanotify_init',
  ],
  CAP_SYS_PTRACE: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_adjtime', 'adjtimex'],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYSLOG: ['syslog'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_NICE: ['mbind', 'get_mempolicy', 'set_mempolicy', 'move_pages'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at', 'name_to_handle_at'],
};

export function defaultSeccompProfile(capabilities: string[]): object {
  const names = Object.entries(deniedUnless)
    .filter(([capability]) => capability === '' || !capabilities.includes(capability))
    .flatMap(([, calls]) => calls);
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names, action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
  };
}

export interface SecurityOptions {
  noNewPrivileges: boolean;
  seccomp: object | undefined;
}

/**
 * Reads SecurityOpt: `no-new-privileges[:true]` and `seccomp=unconfined`. As in Docker, every
 * container gets the default profile unless it asks for seccomp=unconfined: tcrun loads the
 * filter while it still holds CAP_SYS_ADMIN, so no_new_privs is not needed for it.
 */
export function securityOptions(
  securityOpt: string[] | undefined,
  capabilities: string[],
): SecurityOptions {
  let noNewPrivileges = false;
  let unconfined = false;
  for (const option of securityOpt ?? []) {
    const [key, value = 'true'] = option.split(/[=:]/, 2);
    if (key === 'no-new-privileges' && (value === 'true' || value === 'false')) {
      noNewPrivileges = value === 'true';
    } else if (key === 'seccomp' && value === 'unconfined') {
      unconfined = true;
    } else {
      throw badParameter(
        `security option ${option} is not supported (no-new-privileges, seccomp=unconfined)`,
      );
    }
  }
  return { noNewPrivileges, seccomp: unconfined ? undefined : defaultSeccompProfile(capabilities) };
}
