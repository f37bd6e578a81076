import type { PortConfig, Project, ServiceConfig, VolumeMount } from '../compose/model.js';
import { parseByteSize, parseDuration } from '../compose/units.js';
import { blockIoSettings } from './block-io.js';
import { containerLabels } from './compose-labels.js';
import { gpuRequests } from './gpu-requests.js';

/** The body of POST /containers/create: Config with HostConfig and NetworkingConfig. */
export interface ContainerCreateBody {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env: string[];
  Labels: Record<string, string>;
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  Domainname?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  StopSignal?: string;
  StopTimeout?: number;
  Healthcheck?: DockerHealthcheck;
  Tty: boolean;
  OpenStdin: boolean;
  HostConfig: Record<string, unknown>;
  NetworkingConfig: { EndpointsConfig: Record<string, EndpointSettings> };
}

export interface DockerHealthcheck {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
  StartInterval?: number;
}

export interface EndpointSettings {
  Aliases: string[];
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string };
  MacAddress?: string;
}

export interface ContainerRequestContext {
  project: Project;
  service: ServiceConfig;
  number: number;
  configHash: string;
  oneoff?: boolean;
  /** The engine's container for `service:x` references (network_mode, volumes_from). */
  containerOf: (service: string) => string;
}

const nanos = (duration: string | undefined) =>
  duration === undefined ? undefined : parseDuration(duration);

/** Passthrough fields arrive as the file wrote them: numbers, or strings after interpolation. */
function numberField(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

function bytesField(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  return parseByteSize(value);
}

function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String);
}

function healthcheck(service: ServiceConfig): DockerHealthcheck | undefined {
  const check = service.healthcheck;
  if (!check) return undefined;
  if (check.disable) return { Test: ['NONE'] };
  return {
    Test: check.test ?? [],
    Interval: nanos(check.interval),
    Timeout: nanos(check.timeout),
    Retries: check.retries,
    StartPeriod: nanos(check.start_period),
    StartInterval: nanos(check.start_interval),
  };
}

const portKey = (port: PortConfig) => `${port.target}/${port.protocol}`;

function exposedPorts(service: ServiceConfig): ContainerCreateBody['ExposedPorts'] {
  const keys = [
    ...(service.ports ?? []).map(portKey),
    ...(service.expose ?? []).map((port) => (port.includes('/') ? port : `${port}/tcp`)),
  ];
  return keys.length === 0 ? undefined : Object.fromEntries(keys.map((key) => [key, {}]));
}

function portBindings(
  service: ServiceConfig,
): Record<string, { HostIp: string; HostPort: string }[]> {
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of service.ports ?? []) {
    const key = portKey(port);
    bindings[key] = [
      ...(bindings[key] ?? []),
      { HostIp: port.host_ip ?? '', HostPort: port.published ?? '' },
    ];
  }
  return bindings;
}

/** A volume mount of the service in the Mounts form of the API, named volumes scoped to the project. */
function mount(project: Project, volume: VolumeMount): Record<string, unknown> {
  const engineSource =
    volume.type === 'volume' && volume.source !== undefined
      ? (project.volumes[volume.source]?.name ?? volume.source)
      : volume.source;
  return {
    Type: volume.type,
    Source: engineSource ?? '',
    Target: volume.target,
    ReadOnly: volume.read_only ?? false,
    ...(volume.type === 'bind' && {
      BindOptions: {
        Propagation: volume.bind?.propagation,
        CreateMountpoint: volume.bind?.create_host_path ?? false,
      },
    }),
    ...(volume.type === 'volume' && {
      VolumeOptions: { NoCopy: volume.volume?.nocopy ?? false, Subpath: volume.volume?.subpath },
    }),
    ...(volume.type === 'tmpfs' && {
      TmpfsOptions: { SizeBytes: volume.tmpfs?.size, Mode: volume.tmpfs?.mode },
    }),
  };
}

/** restart: no | always | unless-stopped | on-failure[:N] */
function restartPolicy(restart: string | undefined): { Name: string; MaximumRetryCount: number } {
  const [name, retries] = (restart ?? 'no').split(':');
  return { Name: name, MaximumRetryCount: retries ? Number(retries) : 0 };
}

function resolveServiceMode(mode: unknown, containerOf: (service: string) => string) {
  if (typeof mode !== 'string') return undefined;
  return mode.startsWith('service:')
    ? `container:${containerOf(mode.slice('service:'.length))}`
    : mode;
}

/** Engine network names of the service's networks, in the order the service lists them. */
function serviceNetworks(project: Project, service: ServiceConfig): [string, EndpointSettings][] {
  return Object.entries(service.networks ?? {}).map(([key, options]) => [
    project.networks[key]?.name ?? key,
    {
      Aliases: [service.name, ...(options?.aliases ?? [])],
      ...((options?.ipv4_address || options?.ipv6_address) && {
        IPAMConfig: { IPv4Address: options.ipv4_address, IPv6Address: options.ipv6_address },
      }),
      ...(options?.mac_address && { MacAddress: options.mac_address }),
    },
  ]);
}

function resourceLimits(service: ServiceConfig) {
  const limits = (
    service.deploy as { resources?: { limits?: Record<string, unknown> } } | undefined
  )?.resources?.limits;
  const cpus = numberField(service.cpus ?? limits?.cpus);
  return {
    Memory: service.mem_limit ?? bytesField(limits?.memory),
    MemoryReservation: service.mem_reservation,
    MemorySwap: service.memswap_limit,
    NanoCpus: cpus === undefined ? undefined : Math.round(cpus * 1e9),
    CpuShares: numberField(service.cpu_shares),
    CpuQuota: numberField(service.cpu_quota),
    CpuPeriod: numberField(service.cpu_period),
    CpusetCpus: service.cpuset,
    // Microseconds: the loader casts them to integers, as Compose does.
    CpuRealtimePeriod: numberField(service.cpu_rt_period),
    CpuRealtimeRuntime: numberField(service.cpu_rt_runtime),
    PidsLimit: numberField(service.pids_limit ?? limits?.pids),
    ...blockIoSettings(service.blkio_config),
  };
}

/**
 * Settings Compose hands to the engine as they are. A Docker engine honours them; the
 * embedded one refuses those it cannot (see the engine's unsupported.ts) rather than
 * running the container otherwise.
 */
function passedThrough(service: ServiceConfig) {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    CgroupParent: text(service.cgroup_parent),
    CgroupnsMode: text(service.cgroup),
    UTSMode: text(service.uts),
    UsernsMode: text(service.userns_mode),
    Runtime: text(service.runtime),
    Isolation: text(service.isolation),
    StorageOpt: service.storage_opt as Record<string, string> | undefined,
    OomKillDisable: service.oom_kill_disable === true ? true : undefined,
    MemorySwappiness: numberField(service.mem_swappiness),
  };
}

/**
 * links name the project's services; external_links name containers outside the project,
 * as they are. Both as "container:alias".
 */
function links(service: ServiceConfig, containerOf: (service: string) => string) {
  const entry = (link: string, container: (target: string) => string) => {
    const [target, alias] = link.split(':');
    return `${container(target)}:${alias ?? target}`;
  };
  const entries = [
    ...(service.links ?? []).map((link) => entry(link, containerOf)),
    ...(stringList(service.external_links) ?? []).map((link) => entry(link, (name) => name)),
  ];
  return entries.length ? entries : undefined;
}

function hostConfig(context: ContainerRequestContext, networks: [string, EndpointSettings][]) {
  const { project, service, containerOf } = context;
  const logging = service.logging as
    | { driver?: string; options?: Record<string, string> }
    | undefined;
  return {
    ...resourceLimits(service),
    ...passedThrough(service),
    Mounts: (service.volumes ?? []).map((volume) => mount(project, volume)),
    Tmpfs: service.tmpfs && Object.fromEntries(service.tmpfs.map((path) => [path, ''])),
    PortBindings: portBindings(service),
    RestartPolicy: restartPolicy(service.restart),
    NetworkMode:
      resolveServiceMode(service.network_mode, containerOf) ?? networks[0]?.[0] ?? 'none',
    IpcMode: resolveServiceMode(service.ipc, containerOf),
    PidMode: resolveServiceMode(service.pid, containerOf),
    VolumesFrom: service.volumes_from?.map((source) =>
      source.startsWith('container:') ? source.slice('container:'.length) : containerOf(source),
    ),
    Links: links(service, containerOf),
    DeviceRequests: gpuRequests(service.gpus),
    Devices: service.devices?.map(({ source, target, permissions }) => ({
      PathOnHost: source,
      PathInContainer: target,
      CgroupPermissions: permissions,
    })),
    DeviceCgroupRules: stringList(service.device_cgroup_rules),
    CapAdd: stringList(service.cap_add),
    CapDrop: stringList(service.cap_drop),
    Privileged: service.privileged === true,
    ReadonlyRootfs: service.read_only === true,
    Init: service.init === true ? true : undefined,
    ExtraHosts: service.extra_hosts?.map((entry) => entry.replace('=', ':')),
    Dns: service.dns,
    DnsSearch: service.dns_search,
    DnsOptions: stringList(service.dns_opt),
    Sysctls: service.sysctls,
    Ulimits: Object.entries(service.ulimits ?? {}).map(([Name, limit]) =>
      typeof limit === 'number'
        ? { Name, Soft: limit, Hard: limit }
        : { Name, Soft: limit.soft, Hard: limit.hard },
    ),
    ShmSize: service.shm_size,
    SecurityOpt: stringList(service.security_opt),
    GroupAdd: stringList(service.group_add),
    OomScoreAdj: numberField(service.oom_score_adj),
    LogConfig: logging?.driver
      ? { Type: logging.driver, Config: logging.options ?? {} }
      : undefined,
  };
}

/**
 * The create request for one replica of a service, as Docker Compose sends it:
 * a pure function of the project model, so `up --dry-run` and tests can read it.
 */
export function containerCreateBody(context: ContainerRequestContext): ContainerCreateBody {
  const { project, service } = context;
  const attached = service.network_mode === undefined ? serviceNetworks(project, service) : [];
  const stopTimeout = nanos(service.stop_grace_period);
  return {
    Image: service.image ?? `${project.name}-${service.name}`,
    Cmd: service.command,
    Entrypoint: service.entrypoint,
    Env: Object.entries(service.environment ?? {}).map(([key, value]) => `${key}=${value}`),
    Labels: containerLabels(project, {
      service,
      number: context.number,
      configHash: context.configHash,
      oneoff: context.oneoff ?? false,
    }),
    WorkingDir: service.working_dir,
    User: service.user,
    Hostname: typeof service.hostname === 'string' ? service.hostname : undefined,
    Domainname: typeof service.domainname === 'string' ? service.domainname : undefined,
    ExposedPorts: exposedPorts(service),
    StopSignal: typeof service.stop_signal === 'string' ? service.stop_signal : undefined,
    StopTimeout: stopTimeout === undefined ? undefined : Math.round(stopTimeout / 1e9),
    Healthcheck: healthcheck(service),
    Tty: service.tty === true,
    OpenStdin: service.stdin_open === true,
    HostConfig: hostConfig(context, attached),
    NetworkingConfig: { EndpointsConfig: Object.fromEntries(attached) },
  };
}
