import type { Project } from './model.js';
import { emitYaml } from './yaml-emit.js';

/**
 * The Project as `docker compose config` prints it: `name` first, then services,
 * networks, volumes, secrets, configs; each object's fields in Compose's order,
 * map keys sorted, byte sizes and file modes in Compose's text form, and the
 * fields Compose leaves out (env_file once merged, false flags) left out.
 */

interface Shape {
  /** Field order of a struct-like object; absent means a map, keys sorted. */
  order?: readonly string[];
  fields?: Record<string, Shape>;
  /** The shape of every value of a map or item of a list. */
  each?: Shape;
  /** How a scalar is printed. */
  format?: (value: unknown) => unknown;
  /** Fields dropped when they hold this value (Compose's omitempty on booleans). */
  omitFalse?: readonly string[];
  /** Collections dropped when empty (Compose's omitempty on maps and lists). */
  omitEmpty?: readonly string[];
  omit?: readonly string[];
}

const bytes = (value: unknown): unknown => (typeof value === 'number' ? String(value) : value);
const octal = (value: unknown): unknown =>
  typeof value === 'number' ? `0${value.toString(8)}` : value;

const BYTES: Shape = { format: bytes };

const ULIMITS: Shape = { each: { order: ['soft', 'hard'] } };

const FILE_REFERENCE: Shape = {
  order: ['source', 'target', 'uid', 'gid', 'mode'],
  fields: { mode: { format: octal } },
};

const PORT: Shape = {
  order: ['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol'],
};

const VOLUME_MOUNT: Shape = {
  order: [
    'type',
    'source',
    'target',
    'read_only',
    'consistency',
    'bind',
    'volume',
    'tmpfs',
    'image',
  ],
  omitFalse: ['read_only'],
  fields: {
    bind: { order: ['selinux', 'propagation', 'create_host_path', 'recursive'] },
    volume: { order: ['labels', 'nocopy', 'subpath'] },
    tmpfs: { order: ['size', 'mode'], fields: { size: BYTES } },
    image: { order: ['subpath'] },
  },
};

const BUILD: Shape = {
  order: [
    'context',
    'dockerfile',
    'dockerfile_inline',
    'entitlements',
    'args',
    'provenance',
    'sbom',
    'ssh',
    'labels',
    'cache_from',
    'cache_to',
    'no_cache',
    'no_cache_filter',
    'additional_contexts',
    'pull',
    'extra_hosts',
    'isolation',
    'network',
    'target',
    'secrets',
    'shm_size',
    'tags',
    'ulimits',
    'platforms',
    'privileged',
  ],
  fields: { shm_size: BYTES, secrets: { each: FILE_REFERENCE }, ulimits: ULIMITS },
};

const RESOURCE: Shape = {
  order: ['cpus', 'memory', 'pids', 'devices', 'generic_resources'],
  fields: { memory: BYTES },
};

const DEPLOY: Shape = {
  order: [
    'mode',
    'replicas',
    'labels',
    'update_config',
    'rollback_config',
    'resources',
    'restart_policy',
    'placement',
    'endpoint_mode',
  ],
  fields: {
    update_config: {
      order: ['parallelism', 'delay', 'failure_action', 'monitor', 'max_failure_ratio', 'order'],
    },
    rollback_config: {
      order: ['parallelism', 'delay', 'failure_action', 'monitor', 'max_failure_ratio', 'order'],
    },
    resources: {
      order: ['limits', 'reservations'],
      fields: { limits: RESOURCE, reservations: RESOURCE },
    },
    restart_policy: { order: ['condition', 'delay', 'max_attempts', 'window'] },
    placement: { order: ['constraints', 'preferences', 'max_replicas_per_node'] },
  },
};

const BLKIO_RATE: Shape = { each: { order: ['path', 'rate'], fields: { rate: BYTES } } };

const SERVICE: Shape = {
  order: [
    'profiles',
    'annotations',
    'attach',
    'build',
    'develop',
    'blkio_config',
    'cap_add',
    'cap_drop',
    'cgroup_parent',
    'cgroup',
    'cpu_count',
    'cpu_percent',
    'cpu_period',
    'cpu_quota',
    'cpu_rt_period',
    'cpu_rt_runtime',
    'cpus',
    'cpuset',
    'cpu_shares',
    'command',
    'configs',
    'container_name',
    'credential_spec',
    'depends_on',
    'deploy',
    'device_cgroup_rules',
    'devices',
    'dns',
    'dns_opt',
    'dns_search',
    'dockerfile',
    'domainname',
    'entrypoint',
    'provider',
    'environment',
    'expose',
    'extends',
    'external_links',
    'extra_hosts',
    'group_add',
    'gpus',
    'hostname',
    'healthcheck',
    'image',
    'init',
    'ipc',
    'isolation',
    'labels',
    'label_file',
    'links',
    'logging',
    'log_driver',
    'log_opt',
    'mem_limit',
    'mem_reservation',
    'memswap_limit',
    'mem_swappiness',
    'mac_address',
    'models',
    'net',
    'network_mode',
    'networks',
    'oom_kill_disable',
    'oom_score_adj',
    'pid',
    'pids_limit',
    'platform',
    'ports',
    'privileged',
    'pull_policy',
    'read_only',
    'restart',
    'runtime',
    'scale',
    'secrets',
    'security_opt',
    'shm_size',
    'stdin_open',
    'stop_grace_period',
    'stop_signal',
    'storage_opt',
    'sysctls',
    'tmpfs',
    'tty',
    'ulimits',
    'use_api_socket',
    'user',
    'userns_mode',
    'uts',
    'volume_driver',
    'volumes',
    'volumes_from',
    'working_dir',
    'post_start',
    'pre_start',
    'pre_stop',
  ],
  omit: ['name', 'env_file'],
  omitEmpty: [
    'annotations',
    'cap_add',
    'cap_drop',
    'configs',
    'depends_on',
    'devices',
    'dns',
    'dns_search',
    'environment',
    'expose',
    'extra_hosts',
    'labels',
    'links',
    'ports',
    'profiles',
    'secrets',
    'storage_opt',
    'sysctls',
    'tmpfs',
    'volumes',
    'volumes_from',
  ],
  fields: {
    build: BUILD,
    blkio_config: {
      order: [
        'weight',
        'weight_device',
        'device_read_bps',
        'device_read_iops',
        'device_write_bps',
        'device_write_iops',
      ],
      fields: { device_read_bps: BLKIO_RATE, device_write_bps: BLKIO_RATE },
    },
    configs: { each: FILE_REFERENCE },
    secrets: { each: FILE_REFERENCE },
    depends_on: { each: { order: ['condition', 'restart', 'required'], omitFalse: ['restart'] } },
    deploy: DEPLOY,
    devices: { each: { order: ['source', 'target', 'permissions'] } },
    healthcheck: {
      order: [
        'test',
        'timeout',
        'interval',
        'retries',
        'start_period',
        'start_interval',
        'disable',
      ],
    },
    mem_limit: BYTES,
    mem_reservation: BYTES,
    memswap_limit: BYTES,
    shm_size: BYTES,
    networks: {
      each: {
        order: [
          'aliases',
          'driver_opts',
          'gw_priority',
          'interface_name',
          'ipv4_address',
          'ipv6_address',
          'link_local_ips',
          'mac_address',
          'priority',
        ],
      },
    },
    ports: { each: PORT },
    ulimits: ULIMITS,
    volumes: { each: VOLUME_MOUNT },
  },
};

const NETWORK: Shape = {
  order: [
    'name',
    'driver',
    'driver_opts',
    'ipam',
    'external',
    'internal',
    'attachable',
    'labels',
    'enable_ipv4',
    'enable_ipv6',
  ],
  fields: { ipam: { order: ['driver', 'config', 'options'] } },
};

const VOLUME: Shape = { order: ['name', 'driver', 'driver_opts', 'external', 'labels'] };

const FILE_OBJECT: Shape = {
  order: [
    'name',
    'file',
    'environment',
    'content',
    'external',
    'labels',
    'driver',
    'driver_opts',
    'template_driver',
  ],
};

const PROJECT: Shape = {
  order: ['name', 'services', 'networks', 'volumes', 'secrets', 'configs'],
  fields: {
    services: { each: SERVICE },
    networks: { each: NETWORK },
    volumes: { each: VOLUME },
    secrets: { each: FILE_OBJECT },
    configs: { each: FILE_OBJECT },
  },
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const orderSets = new WeakMap<readonly string[], Set<string>>();

function orderSet(order: readonly string[]): Set<string> {
  let set = orderSets.get(order);
  if (!set) {
    set = new Set(order);
    orderSets.set(order, set);
  }
  return set;
}

function isEmptyCollection(value: unknown): boolean {
  return Array.isArray(value)
    ? value.length === 0
    : isPlainObject(value) && Object.keys(value).length === 0;
}

/** Known fields in order, then unknown fields sorted, then x-* extensions sorted. */
function orderedKeys(
  object: Record<string, unknown>,
  order: readonly string[] | undefined,
): string[] {
  const keys = Object.keys(object);
  if (!order) return keys.sort();
  const known = orderSet(order);
  const rest = keys.filter((key) => !known.has(key));
  const present = keys.length - rest.length;
  const ordered = present === 0 ? [] : order.filter((key) => key in object);
  const unknown = rest.filter((key) => !key.startsWith('x-')).sort();
  const extensions = rest.filter((key) => key.startsWith('x-')).sort();
  return [...ordered, ...unknown, ...extensions];
}

function shapeValue(value: unknown, shape: Shape | undefined): unknown {
  if (value === undefined) return undefined;
  if (shape?.format) return shape.format(value);
  if (Array.isArray(value)) return value.map((item) => shapeValue(item, shape?.each));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of orderedKeys(value, shape?.order)) {
    const field = value[key];
    if (field === undefined || shape?.omit?.includes(key)) continue;
    if (field === false && shape?.omitFalse?.includes(key)) continue;
    if (isEmptyCollection(field) && shape?.omitEmpty?.includes(key)) continue;
    out[key] = shapeValue(field, shape?.fields?.[key] ?? shape?.each);
  }
  return out;
}

/** The plain object `config` prints, in Compose's order. */
export function projectToConfigObject(project: Project): Record<string, unknown> {
  const document: Record<string, unknown> = {
    name: project.name,
    services: project.services,
  };
  for (const collection of ['networks', 'volumes', 'secrets', 'configs'] as const) {
    if (Object.keys(project[collection]).length > 0) document[collection] = project[collection];
  }
  Object.assign(document, project.extensions);
  return shapeValue(document, PROJECT) as Record<string, unknown>;
}

export type ConfigFormat = 'yaml' | 'json';

/** The text of `tcompose config`. */
export function serializeProject(project: Project, format: ConfigFormat): string {
  const document = projectToConfigObject(project);
  if (format === 'json') return `${JSON.stringify(document, null, 2)}\n`;
  return emitYaml(document);
}
