/** The container shapes the Docker API uses, limited to the fields this engine honours. */
import type { DeviceMapping } from './devices.js';

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
  StartInterval?: number;
}

export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object>;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[];
  Cmd?: string[];
  Healthcheck?: HealthConfig;
  Image?: string;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Entrypoint?: string[];
  Labels?: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
}

export interface MountRequest {
  Type?: 'bind' | 'volume' | 'tmpfs';
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string; CreateMountpoint?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: object };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface RestartPolicy {
  Name?: '' | 'no' | 'always' | 'on-failure' | 'unless-stopped';
  MaximumRetryCount?: number;
}

export interface HostConfig {
  Binds?: string[];
  Devices?: DeviceMapping[];
  /** Device cgroup rules such as "c 1:3 mr". */
  DeviceCgroupRules?: string[];
  Mounts?: MountRequest[];
  Tmpfs?: Record<string, string>;
  PortBindings?: Record<string, { HostIp?: string; HostPort?: string }[]>;
  PublishAllPorts?: boolean;
  RestartPolicy?: RestartPolicy;
  AutoRemove?: boolean;
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  NanoCpus?: number;
  /** The CPUs ("0-2,4") and memory nodes the container may use. */
  CpusetCpus?: string;
  CpusetMems?: string;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  PidsLimit?: number | null;
  /** Settings the engine refuses unless left empty or zero (see unsupported.ts). */
  BlkioWeight?: number;
  BlkioWeightDevice?: { Path: string; Weight: number }[] | null;
  BlkioDeviceReadBps?: { Path: string; Rate: number }[] | null;
  BlkioDeviceWriteBps?: { Path: string; Rate: number }[] | null;
  BlkioDeviceReadIOps?: { Path: string; Rate: number }[] | null;
  BlkioDeviceWriteIOps?: { Path: string; Rate: number }[] | null;
  DeviceRequests?: unknown[] | null;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  Privileged?: boolean;
  /** Settings the engine refuses unless left at their defaults (see unsupported.ts). */
  UTSMode?: string;
  UsernsMode?: string;
  CgroupnsMode?: string;
  CgroupParent?: string;
  Runtime?: string;
  StorageOpt?: Record<string, string>;
  Isolation?: string;
  ReadonlyRootfs?: boolean;
  Init?: boolean | null;
  ExtraHosts?: string[] | null;
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  NetworkMode?: string;
  LogConfig?: { Type?: string; Config?: Record<string, string> };
  Ulimits?: { Name: string; Soft: number; Hard: number }[] | null;
  ShmSize?: number;
  Sysctls?: Record<string, string>;
  GroupAdd?: string[];
  OomScoreAdj?: number;
  SecurityOpt?: string[];
  /** "name:alias" */
  Links?: string[] | null;
}

export interface EndpointSettings {
  Aliases?: string[] | null;
  NetworkID?: string;
  EndpointID?: string;
  Gateway?: string;
  IPAddress?: string;
  IPPrefixLen?: number;
  MacAddress?: string;
  DNSNames?: string[] | null;
  /** Create/connect requests: `ipv4_address`. */
  IPAMConfig?: { IPv4Address?: string } | null;
}

/** Published ports as NetworkSettings.Ports shows them: "80/tcp" → host bindings. */
export type PortMap = Record<string, { HostIp: string; HostPort: string }[]>;

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy' | 'none';
  FailingStreak: number;
  Log: HealthLogEntry[];
}

export type ContainerStatus =
  | 'created'
  | 'running'
  | 'paused'
  | 'restarting'
  | 'removing'
  | 'exited'
  | 'dead';

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: HealthState;
}

/** A mount as resolved at create time: what Inspect shows under Mounts. */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** tmpfs mount options (size, mode), as mount(8) options. */
  Options?: string[];
}

/** What the engine stores for a container: one JSON file, rewritten atomically on change. */
export interface ContainerRecord {
  Id: string;
  Name: string;
  Created: string;
  Path: string;
  Args: string[];
  Image: string;
  ImageName: string;
  Config: ContainerConfig;
  HostConfig: HostConfig;
  Networks: Record<string, EndpointSettings>;
  /** The networks asked for at create (and by connect while stopped): aliases, addresses. */
  NetworkingConfig?: { EndpointsConfig?: Record<string, EndpointSettings> | null };
  /** Host ports published while the container runs. */
  Ports?: PortMap;
  State: ContainerState;
  RestartCount: number;
  Mounts: MountPoint[];
  LogPath: string;
  /** Set by an explicit stop so unless-stopped and always policies leave it down. */
  ManuallyStopped: boolean;
}

export const zeroTime = '0001-01-01T00:00:00Z';

export function initialState(): ContainerState {
  return {
    Status: 'created',
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: '',
    StartedAt: zeroTime,
    FinishedAt: zeroTime,
  };
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** Where a container's cgroup lives, below each controller's root (tcrun's cgroupsPath). */
export function cgroupPathOf(id: string): string {
  return `/tcompose/${id}`;
}
