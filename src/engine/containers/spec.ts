import { badParameter } from '../../errors/engine-error.js';
import type { SnapshotRootfs } from '../images/image-store.js';
import { type ContainerDevice, deviceCgroupRules } from './devices.js';
import type { ContainerRecord, MountPoint } from './model.js';
import { shortId } from './model.js';
import { securityOptions } from './seccomp.js';

/** Docker's default capability set: exactly these 14. */
export const defaultCapabilities = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

export const defaultMaskedPaths = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const defaultReadonlyPaths = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

/**
 * Docker's default device rules: deny all; mknod of any device (so that the runtime, and a
 * container with CAP_MKNOD, can make nodes, which access rules then govern); then the usual
 * character devices.
 */
const defaultDeviceRules = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  ...[
    [1, 3],
    [1, 5],
    [1, 7],
    [1, 8],
    [1, 9],
    [5, 0],
    [5, 1],
    [5, 2],
    [136, -1],
  ].map(([major, minor]) => ({
    allow: true,
    type: 'c',
    major,
    ...(minor === -1 ? {} : { minor }),
    access: 'rwm',
  })),
];

export const initAnnotation = 'org.tcompose.init';
/** tcrun mounts the rootfs overlay itself with these options, from this directory. */
const overlayAnnotation = 'org.tcompose.rootfs.overlay';
const overlayDirAnnotation = 'org.tcompose.rootfs.overlay.dir';

/** Normalises `NET_ADMIN`, `cap_net_admin` and `CAP_NET_ADMIN` to the kernel's name. */
export function capabilityName(name: string): string {
  const upper = name.toUpperCase();
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

export function effectiveCapabilities(capAdd: string[] = [], capDrop: string[] = []): string[] {
  const drop = capDrop.map(capabilityName);
  const add = capAdd.map(capabilityName);
  if (add.includes('CAP_ALL')) throw badParameter('CapAdd ALL is not supported by this engine');
  const base = drop.includes('CAP_ALL')
    ? []
    : defaultCapabilities.filter((cap) => !drop.includes(cap));
  return [...new Set([...base, ...add])];
}

export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

/** Keeps every rlimit within the engine's own hard limits: raising one would fail with EPERM. */
export function clampRlimits(requested: Rlimit[], hardLimits: Record<string, number>): Rlimit[] {
  return requested.map((limit) => {
    const ceiling = hardLimits[limit.type];
    if (ceiling === undefined || limit.hard <= ceiling) return limit;
    throw badParameter(
      `ulimit ${limit.type.replace('RLIMIT_', '').toLowerCase()}=${limit.hard} is above the engine's hard limit ${ceiling}`,
    );
  });
}

export interface UserIds {
  uid: number;
  gid: number;
  additionalGids: number[];
}

export interface SpecInputs {
  container: ContainerRecord;
  /** The rootfs overlay, mounted by tcrun in the container's mount namespace. */
  rootfs: SnapshotRootfs;
  user: UserIds;
  /** Host sources for mount points (volumes resolved to their host paths). */
  mountSources: Map<MountPoint, string>;
  /** The network namespace: a fresh one, a path to join, or the host's (undefined). */
  networkNamespace: { path?: string } | undefined;
  etcFiles: { hostname: string; hosts: string; resolvConf: string };
  cgroupsPath: string;
  hardLimits: Record<string, number>;
  /** Host device nodes given to the container (HostConfig.Devices), read at start. */
  devices: ContainerDevice[];
}

function ulimitType(name: string): string {
  return `RLIMIT_${name.toUpperCase()}`;
}

function mountOptions(point: MountPoint): string[] {
  const options = ['rbind', point.RW ? 'rw' : 'ro'];
  if (point.Propagation) options.push(point.Propagation);
  return options;
}

/** The kernel filesystems every container gets, as Docker mounts them; `shmSize` in bytes. */
export function systemMounts(shmSize: number): object[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', 'ro'],
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['ro', 'nosuid', 'noexec', 'nodev'],
    },
    {
      destination: '/dev/mqueue',
      type: 'mqueue',
      source: 'mqueue',
      options: ['nosuid', 'noexec', 'nodev'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`],
    },
  ];
}

function containerMounts(inputs: SpecInputs): object[] {
  const { container, etcFiles } = inputs;
  const base = systemMounts(container.HostConfig.ShmSize || 64 * 1024 * 1024);
  const etc = [
    { destination: '/etc/hostname', file: etcFiles.hostname },
    { destination: '/etc/hosts', file: etcFiles.hosts },
    { destination: '/etc/resolv.conf', file: etcFiles.resolvConf },
  ]
    .filter(
      ({ destination }) => !container.Mounts.some((point) => point.Destination === destination),
    )
    .map(({ destination, file }) => ({
      destination,
      type: 'bind',
      source: file,
      options: ['rbind', 'rprivate'],
    }));
  const user = container.Mounts.map((point) =>
    point.Type === 'tmpfs'
      ? {
          destination: point.Destination,
          type: 'tmpfs',
          source: 'tmpfs',
          options: ['nosuid', 'nodev', 'noexec', ...(point.Options ?? [])],
        }
      : {
          destination: point.Destination,
          type: 'bind',
          source: inputs.mountSources.get(point) ?? point.Source,
          options: mountOptions(point),
        },
  );
  return [...base, ...etc, ...user];
}

function resources(container: ContainerRecord, devices: ContainerDevice[]): object {
  const host = container.HostConfig;
  const memory: Record<string, number> = {};
  if (host.Memory) memory.limit = host.Memory;
  if (host.MemoryReservation) memory.reservation = host.MemoryReservation;
  if (host.MemorySwap && host.MemorySwap > 0) memory.swap = host.MemorySwap;
  const cpu: Record<string, number | string> = {};
  if (host.CpuShares) cpu.shares = host.CpuShares;
  if (host.CpusetCpus) cpu.cpus = host.CpusetCpus;
  if (host.CpusetMems) cpu.mems = host.CpusetMems;
  if (host.NanoCpus) {
    cpu.period = 100_000;
    cpu.quota = Math.round((host.NanoCpus * 100_000) / 1e9);
  } else if (host.CpuQuota) {
    cpu.quota = host.CpuQuota;
    cpu.period = host.CpuPeriod || 100_000;
  }
  return {
    devices: [
      ...defaultDeviceRules,
      ...devices.map(({ type, major, minor, access }) => ({
        allow: true,
        type,
        major,
        minor,
        access,
      })),
      ...deviceCgroupRules(host.DeviceCgroupRules),
    ],
    ...(Object.keys(memory).length ? { memory } : {}),
    ...(Object.keys(cpu).length ? { cpu } : {}),
    ...(host.PidsLimit && host.PidsLimit > 0 ? { pids: { limit: host.PidsLimit } } : {}),
  };
}

/**
 * Builds the OCI runtime config (config.json) for a container with Docker's defaults:
 * 14 capabilities, masked and read-only /proc paths, the standard /dev, /sys, /proc mounts,
 * rlimits within the engine's hard limits, and the requested cgroup resources.
 */
export function buildSpec(inputs: SpecInputs): object {
  const { container, user } = inputs;
  const config = container.Config;
  const host = container.HostConfig;
  const capabilities = effectiveCapabilities(host.CapAdd ?? [], host.CapDrop ?? []);
  const { noNewPrivileges, seccomp } = securityOptions(host.SecurityOpt, capabilities);
  const hostname = config.Hostname || shortId(container.Id);
  const env = [...(config.Env ?? [])];
  if (!env.some((entry) => entry.startsWith('HOSTNAME='))) env.push(`HOSTNAME=${hostname}`);
  if (config.Tty && !env.some((entry) => entry.startsWith('TERM='))) env.push('TERM=xterm');
  const rlimits = clampRlimits(
    (host.Ulimits ?? []).length
      ? (host.Ulimits ?? []).map((limit) => ({
          type: ulimitType(limit.Name),
          soft: limit.Soft,
          hard: limit.Hard,
        }))
      : [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }],
    inputs.hardLimits,
  );
  // A cgroup namespace of its own (Docker's private cgroupns): the container sees its own
  // cgroup as the root of every hierarchy, not the host's tree.
  const namespaces: { type: string; path?: string }[] = [
    { type: 'pid' },
    { type: 'ipc' },
    { type: 'uts' },
    { type: 'mount' },
    { type: 'cgroup' },
  ];
  if (inputs.networkNamespace) namespaces.push({ type: 'network', ...inputs.networkNamespace });
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: config.Tty === true,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args: [container.Path, ...container.Args],
      env,
      cwd: config.WorkingDir || '/',
      capabilities: {
        bounding: capabilities,
        effective: capabilities,
        permitted: capabilities,
      },
      rlimits,
      noNewPrivileges,
      ...(host.OomScoreAdj ? { oomScoreAdj: host.OomScoreAdj } : {}),
    },
    root: { path: inputs.rootfs.rootfs, readonly: host.ReadonlyRootfs === true },
    hostname,
    mounts: containerMounts(inputs),
    annotations: {
      'org.tcompose.container.name': container.Name.slice(1),
      ...(host.Init ? { [initAnnotation]: 'true' } : {}),
      [overlayAnnotation]: inputs.rootfs.options,
      [overlayDirAnnotation]: inputs.rootfs.directory,
    },
    linux: {
      namespaces,
      cgroupsPath: inputs.cgroupsPath,
      resources: resources(container, inputs.devices),
      ...(inputs.devices.length
        ? { devices: inputs.devices.map(({ access: _access, ...node }) => node) }
        : {}),
      ...(host.Sysctls && Object.keys(host.Sysctls).length ? { sysctl: host.Sysctls } : {}),
      ...(seccomp ? { seccomp } : {}),
      maskedPaths: defaultMaskedPaths,
      readonlyPaths: defaultReadonlyPaths,
    },
  };
}
