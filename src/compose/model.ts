/**
 * The canonical Project model: what a compose application means once every short
 * syntax is expanded, every default applied and every name scoped to the project.
 * It is plain data (JSON-safe), so it serializes as `tcompose config` prints it.
 * Fields the loader does not reinterpret pass through unchanged (the index
 * signatures), so nothing a compose file says is lost.
 */

export type DependencyCondition =
  | 'service_started'
  | 'service_healthy'
  | 'service_completed_successfully';

export interface ServiceDependency {
  condition: DependencyCondition;
  required: boolean;
  restart: boolean;
}

export interface PortConfig {
  name?: string;
  mode: string;
  host_ip?: string;
  target: number;
  /** A host port or a range "8000-9000"; absent when the engine picks one. */
  published?: string;
  protocol: string;
  app_protocol?: string;
}

export type VolumeMountType = 'bind' | 'volume' | 'tmpfs' | 'image' | 'npipe' | 'cluster';

export interface VolumeMount {
  type: VolumeMountType;
  /** Absolute host path (bind), volume key (volume), image reference (image). */
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: {
    propagation?: string;
    create_host_path?: boolean;
    selinux?: 'z' | 'Z';
    recursive?: string;
  };
  volume?: { nocopy?: boolean; subpath?: string; labels?: Record<string, string> };
  tmpfs?: { size?: number; mode?: number };
  image?: { subpath?: string };
}

export interface ServiceNetworkConfig {
  aliases?: string[];
  driver_opts?: Record<string, string>;
  gw_priority?: number;
  interface_name?: string;
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  priority?: number;
  [extension: string]: unknown;
}

export interface EnvFileReference {
  path: string;
  required: boolean;
  format?: string;
}

export interface HealthcheckConfig {
  test?: string[];
  /** Durations in Go's canonical text ("1m30s"); see units.parseDuration. */
  timeout?: string;
  interval?: string;
  retries?: number;
  start_period?: string;
  start_interval?: string;
  disable?: boolean;
}

export interface BuildConfig {
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: Record<string, string>;
  labels?: Record<string, string>;
  shm_size?: number;
  extra_hosts?: string[];
  [field: string]: unknown;
}

export interface FileReference {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

export type Ulimit = number | { soft: number; hard: number };

/** A host device given to the service's containers (`devices`). */
export interface DeviceMapping {
  source: string;
  /** The path in the container; the source's when absent. */
  target?: string;
  /** Cgroup access: any of r, w, m; rwm when absent. */
  permissions?: string;
}

export interface ServiceConfig {
  /** The service's key in `services`; not printed by `config`. */
  name: string;
  profiles?: string[];
  image?: string;
  build?: BuildConfig;
  command?: string[];
  entrypoint?: string[];
  container_name?: string;
  depends_on?: Record<string, ServiceDependency>;
  /** The CPUs the service may use, as "0-2,4". */
  cpuset?: string;
  devices?: DeviceMapping[];
  dns?: string[];
  dns_search?: string[];
  environment?: Record<string, string>;
  env_file?: EnvFileReference[];
  expose?: string[];
  extra_hosts?: string[];
  healthcheck?: HealthcheckConfig;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  links?: string[];
  /** Bytes. */
  mem_limit?: number;
  mem_reservation?: number;
  memswap_limit?: number;
  shm_size?: number;
  network_mode?: string;
  /** Network key → options; null means attached with no options. */
  networks?: Record<string, ServiceNetworkConfig | null>;
  ports?: PortConfig[];
  restart?: string;
  scale?: number;
  secrets?: FileReference[];
  configs?: FileReference[];
  stop_grace_period?: string;
  sysctls?: Record<string, string>;
  tmpfs?: string[];
  ulimits?: Record<string, Ulimit>;
  volumes?: VolumeMount[];
  volumes_from?: string[];
  working_dir?: string;
  user?: string;
  [field: string]: unknown;
}

export interface NetworkConfig {
  /** The engine-level name: `<project>_<key>` unless set or external. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: {
    driver?: string;
    config?: Record<string, unknown>[];
    options?: Record<string, string>;
  };
  external?: boolean;
  internal?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
  enable_ipv4?: boolean;
  enable_ipv6?: boolean;
  [field: string]: unknown;
}

export interface VolumeConfig {
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
  [field: string]: unknown;
}

export interface FileObjectConfig {
  name: string;
  file?: string;
  environment?: string;
  content?: string;
  external?: boolean;
  labels?: Record<string, string>;
  [field: string]: unknown;
}

export interface Project {
  name: string;
  /** Absolute; relative paths in the files were resolved against it. */
  workingDir: string;
  /** The compose files that were loaded, in order. */
  composeFiles: string[];
  /** Enabled services by name (profiles applied). */
  services: Record<string, ServiceConfig>;
  /** Services left out by the active profiles, kept for `config --profiles`. */
  disabledServices: Record<string, ServiceConfig>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  secrets: Record<string, FileObjectConfig>;
  configs: Record<string, FileObjectConfig>;
  /** The profiles that were active when the project was loaded. */
  profiles: string[];
  /** Top-level x-* fields, as written. */
  extensions: Record<string, unknown>;
}

/** The scale a service runs at: `scale`, else 1. */
export function serviceScale(service: ServiceConfig): number {
  return service.scale ?? 1;
}
