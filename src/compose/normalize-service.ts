import { isAbsolute, resolve } from 'node:path';
import type { FieldPath } from './errors.js';
import { errorAt, type ModelSourceMap, type SourceLookup } from './located-error.js';
import type {
  BuildConfig,
  DependencyCondition,
  EnvFileReference,
  FileReference,
  HealthcheckConfig,
  ServiceConfig,
  ServiceDependency,
  ServiceNetworkConfig,
} from './model.js';
import { HOOK_FIELDS, normalizeDevices, normalizeHooks } from './normalize-hooks.js';
import { normalizePorts } from './normalize-ports.js';
import {
  type Lookup,
  toBytes,
  toCommand,
  toDuration,
  toEnvironmentMap,
  toExtraHosts,
  toFileMode,
  toStringList,
  toStringMap,
} from './normalize-values.js';
import { normalizeServiceVolumes } from './normalize-volumes.js';

/** Reads one env_file: its variables, or undefined when the file does not exist. */
export type EnvFileReader = (
  reference: EnvFileReference,
  lookup: Lookup,
) => Record<string, string> | undefined;

export interface ServiceNormalizeContext {
  workingDir: string;
  /** The project environment: process env plus .env, for bare `KEY` entries. */
  environment: Record<string, string | undefined>;
  /** Positions of the written document; normalization records the paths it moves. */
  lookup: ModelSourceMap;
  readEnvFile: EnvFileReader;
}

type Raw = Record<string, unknown>;

const BYTE_FIELDS = ['mem_limit', 'mem_reservation', 'memswap_limit', 'shm_size'] as const;
const STRING_LIST_FIELDS = ['dns', 'dns_search', 'tmpfs'] as const;
const MAP_FIELDS = ['labels', 'annotations', 'sysctls', 'storage_opt'] as const;
const GIT_OR_URL_CONTEXT = /^(https?:\/\/|git@|git:\/\/|ssh:\/\/|github\.com\/)/;

/** One service in canonical form. `name` is its key in `services`. */
export function normalizeService(
  name: string,
  raw: Raw,
  context: ServiceNormalizeContext,
): ServiceConfig {
  const path: FieldPath = ['services', name];
  const at = (...rest: (string | number)[]): FieldPath => [...path, ...rest];
  const { lookup } = context;
  const service: ServiceConfig = { ...raw, name };

  if (raw.command !== undefined && raw.command !== null) {
    service.command = toCommand(raw.command, at('command'), lookup);
  } else delete service.command;
  if (raw.entrypoint !== undefined && raw.entrypoint !== null) {
    service.entrypoint = toCommand(raw.entrypoint, at('entrypoint'), lookup);
  } else delete service.entrypoint;

  if (raw.build !== undefined) service.build = normalizeBuild(raw.build, at('build'), context);
  if (raw.depends_on !== undefined) {
    recordListOrigins(raw.depends_on, at('depends_on'), lookup);
    service.depends_on = normalizeDependsOn(raw.depends_on);
  }
  normalizeEnvironment(service, raw, at, context);
  if (raw.expose !== undefined) service.expose = toStringList(raw.expose);
  if (raw.extra_hosts !== undefined) {
    service.extra_hosts = toExtraHosts(raw.extra_hosts, at('extra_hosts'), lookup);
  }
  if (raw.healthcheck !== undefined) {
    service.healthcheck = normalizeHealthcheck(raw.healthcheck as Raw, at('healthcheck'), lookup);
  }
  for (const field of MAP_FIELDS) {
    if (raw[field] !== undefined) service[field] = toStringMap(raw[field]);
  }
  if (raw.label_file !== undefined) normalizeLabelFiles(service, raw, at, context);
  for (const field of STRING_LIST_FIELDS) {
    if (raw[field] !== undefined) service[field] = toStringList(raw[field]);
  }
  for (const field of BYTE_FIELDS) {
    if (raw[field] !== undefined) service[field] = toBytes(raw[field], at(field), lookup);
  }
  if (raw.stop_grace_period !== undefined) {
    service.stop_grace_period = toDuration(raw.stop_grace_period, at('stop_grace_period'), lookup);
  }
  recordListOrigins(raw.networks, at('networks'), lookup);
  service.networks = normalizeServiceNetworks(raw);
  if (service.networks === undefined) delete service.networks;
  if (raw.ports !== undefined)
    service.ports = normalizePorts(raw.ports as unknown[], at('ports'), lookup);
  if (raw.volumes !== undefined) {
    service.volumes = normalizeServiceVolumes(raw.volumes as unknown[], at('volumes'), {
      workingDir: context.workingDir,
      home: context.environment.HOME,
      lookup,
    });
  }
  if (raw.secrets !== undefined)
    service.secrets = normalizeFileReferences(raw.secrets, '/run/secrets/');
  if (raw.configs !== undefined) service.configs = normalizeFileReferences(raw.configs);
  if (raw.ulimits !== undefined) service.ulimits = raw.ulimits as ServiceConfig['ulimits'];
  if (raw.devices !== undefined) service.devices = normalizeDevices(raw.devices as unknown[]);
  if (typeof raw.cpus === 'string') service.cpus = Number(raw.cpus);
  for (const field of HOOK_FIELDS) {
    if (raw[field] !== undefined) {
      service[field] = normalizeHooks(
        raw[field],
        at(field),
        lookup,
        (key) => context.environment[key],
      );
    }
  }
  if (raw.blkio_config !== undefined) {
    service.blkio_config = normalizeBlkio(raw.blkio_config as Raw, at('blkio_config'), lookup);
  }
  if (raw.deploy !== undefined)
    service.deploy = normalizeDeploy(raw.deploy as Raw, at('deploy'), lookup);
  normalizeScale(service, raw, at, lookup);
  return service;
}

/** A list that becomes a map keyed by its entries: each key remembers its list index. */
function recordListOrigins(raw: unknown, path: FieldPath, lookup: ModelSourceMap): void {
  if (!Array.isArray(raw)) return;
  raw.forEach((entry, index) => {
    lookup.record([...path, String(entry)], [...path, index]);
  });
}

function normalizeBuild(
  raw: unknown,
  path: FieldPath,
  context: ServiceNormalizeContext,
): BuildConfig {
  const fields: Raw = typeof raw === 'string' ? { context: raw } : { ...(raw as Raw) };
  const contextPath = String(fields.context ?? '.');
  const build: BuildConfig = {
    ...fields,
    context:
      GIT_OR_URL_CONTEXT.test(contextPath) || isAbsolute(contextPath)
        ? contextPath
        : resolve(context.workingDir, contextPath),
  };
  if (fields.dockerfile === undefined && fields.dockerfile_inline === undefined) {
    build.dockerfile = 'Dockerfile';
  }
  if (fields.args !== undefined) {
    build.args = toEnvironmentMap(fields.args, (key) => context.environment[key]);
  }
  if (fields.labels !== undefined) build.labels = toStringMap(fields.labels);
  if (fields.extra_hosts !== undefined) {
    build.extra_hosts = toExtraHosts(fields.extra_hosts, [...path, 'extra_hosts'], context.lookup);
  }
  if (fields.shm_size !== undefined) {
    build.shm_size = toBytes(fields.shm_size, [...path, 'shm_size'], context.lookup);
  }
  return build;
}

function normalizeDependsOn(raw: unknown): Record<string, ServiceDependency> {
  const out: Record<string, ServiceDependency> = {};
  if (Array.isArray(raw)) {
    for (const name of raw) {
      out[String(name)] = { condition: 'service_started', required: true, restart: false };
    }
    return out;
  }
  for (const [name, value] of Object.entries(raw as Record<string, Raw | null>)) {
    out[name] = {
      condition: (value?.condition as DependencyCondition | undefined) ?? 'service_started',
      required: value?.required !== false,
      restart: value?.restart === true,
    };
  }
  return out;
}

function normalizeEnvFiles(raw: unknown): EnvFileReference[] {
  const entries = Array.isArray(raw) ? raw : [raw];
  return entries.map((entry) => {
    if (typeof entry === 'string') return { path: entry, required: true };
    const fields = entry as Raw;
    const reference: EnvFileReference = {
      path: String(fields.path),
      required: fields.required !== false,
    };
    if (typeof fields.format === 'string') reference.format = fields.format;
    return reference;
  });
}

/**
 * env_file contents first (later files win), then `environment` on top. Bare keys
 * in `environment` take the project environment's value and vanish when it has none.
 */
function normalizeEnvironment(
  service: ServiceConfig,
  raw: Raw,
  at: (...rest: (string | number)[]) => FieldPath,
  context: ServiceNormalizeContext,
): void {
  const projectLookup: Lookup = (key) => context.environment[key];
  let fromFiles: Record<string, string> = {};
  if (raw.env_file !== undefined) {
    const references = normalizeEnvFiles(raw.env_file);
    service.env_file = references;
    references.forEach((reference, index) => {
      const vars = context.readEnvFile(reference, (key) => fromFiles[key] ?? projectLookup(key));
      if (vars === undefined && reference.required) {
        const entryPath = Array.isArray(raw.env_file) ? at('env_file', index) : at('env_file');
        throw errorAt(context.lookup, entryPath, `env file ${reference.path} not found`);
      }
      fromFiles = { ...fromFiles, ...vars };
    });
  }
  if (raw.environment === undefined && raw.env_file === undefined) return;
  service.environment = { ...fromFiles, ...toEnvironmentMap(raw.environment, projectLookup) };
}

/** label_file contents (later files win) under `labels`, as env_file is under `environment`. */
function normalizeLabelFiles(
  service: ServiceConfig,
  raw: Raw,
  at: (...rest: (string | number)[]) => FieldPath,
  context: ServiceNormalizeContext,
): void {
  const files = toStringList(raw.label_file);
  let fromFiles: Record<string, string> = {};
  files.forEach((file, index) => {
    const labels = context.readEnvFile({ path: file, required: true }, () => undefined);
    if (labels === undefined) {
      const path = Array.isArray(raw.label_file) ? at('label_file', index) : at('label_file');
      throw errorAt(context.lookup, path, `label file ${file} not found`);
    }
    fromFiles = { ...fromFiles, ...labels };
  });
  service.labels = { ...fromFiles, ...service.labels };
}

function normalizeHealthcheck(raw: Raw, path: FieldPath, lookup: SourceLookup): HealthcheckConfig {
  const healthcheck: HealthcheckConfig = { ...raw };
  if (typeof raw.test === 'string') healthcheck.test = ['CMD-SHELL', raw.test];
  else if (Array.isArray(raw.test)) healthcheck.test = raw.test.map(String);
  for (const field of ['timeout', 'interval', 'start_period', 'start_interval'] as const) {
    if (raw[field] !== undefined)
      healthcheck[field] = toDuration(raw[field], [...path, field], lookup);
  }
  return healthcheck;
}

/** A list of network names or a map of name → options; absent means "default". */
function normalizeServiceNetworks(
  raw: Raw,
): Record<string, ServiceNetworkConfig | null> | undefined {
  if (raw.networks === undefined || raw.networks === null) {
    return raw.network_mode === undefined ? { default: null } : undefined;
  }
  if (Array.isArray(raw.networks)) {
    return Object.fromEntries(raw.networks.map((name) => [String(name), null]));
  }
  const out: Record<string, ServiceNetworkConfig | null> = {};
  for (const [name, value] of Object.entries(raw.networks as Record<string, Raw | null>)) {
    out[name] = value === null || value === undefined ? null : normalizeNetworkAttachment(value);
  }
  return out;
}

function normalizeNetworkAttachment(raw: Raw): ServiceNetworkConfig {
  const attachment: ServiceNetworkConfig = { ...raw };
  if (raw.driver_opts !== undefined) attachment.driver_opts = toStringMap(raw.driver_opts);
  return attachment;
}

/** Secrets and configs: a bare name or {source, target, uid, gid, mode}. */
function normalizeFileReferences(raw: unknown, defaultTargetDir?: string): FileReference[] {
  return (raw as unknown[]).map((entry) => {
    const reference: FileReference =
      typeof entry === 'string' ? { source: entry } : { ...(entry as FileReference) };
    if (reference.target === undefined && defaultTargetDir !== undefined) {
      reference.target = `${defaultTargetDir}${reference.source}`;
    }
    if (reference.mode !== undefined) reference.mode = toFileMode(reference.mode);
    if (reference.uid !== undefined) reference.uid = String(reference.uid);
    if (reference.gid !== undefined) reference.gid = String(reference.gid);
    return reference;
  });
}

const BLKIO_RATES = ['device_read_bps', 'device_write_bps'] as const;

/** blkio byte rates ("12mb") in bytes; iops and weights are plain numbers already. */
function normalizeBlkio(raw: Raw, path: FieldPath, lookup: SourceLookup): Raw {
  const blkio: Raw = { ...raw };
  for (const field of BLKIO_RATES) {
    const devices = raw[field] as Raw[] | undefined;
    if (!devices) continue;
    blkio[field] = devices.map((device, index) => ({
      ...device,
      rate: toBytes(device.rate, [...path, field, index, 'rate'], lookup),
    }));
  }
  return blkio;
}

function normalizeDeploy(raw: Raw, path: FieldPath, lookup: SourceLookup): Raw {
  const deploy: Raw = { ...raw };
  if (raw.labels !== undefined) deploy.labels = toStringMap(raw.labels);
  const resources = raw.resources as Record<string, Raw | undefined> | undefined;
  if (resources) {
    const normalized: Raw = { ...resources };
    for (const kind of ['limits', 'reservations'] as const) {
      const resource = resources[kind];
      if (!resource) continue;
      const canonical: Raw = { ...resource };
      if (resource.memory !== undefined) {
        canonical.memory = toBytes(resource.memory, [...path, 'resources', kind, 'memory'], lookup);
      }
      if (typeof resource.cpus === 'string') canonical.cpus = Number(resource.cpus);
      normalized[kind] = canonical;
    }
    deploy.resources = normalized;
  }
  const durations: [string, string][] = [
    ['restart_policy', 'delay'],
    ['restart_policy', 'window'],
    ['update_config', 'delay'],
    ['update_config', 'monitor'],
    ['rollback_config', 'delay'],
    ['rollback_config', 'monitor'],
  ];
  for (const [section, field] of durations) {
    const block = deploy[section] as Raw | undefined;
    if (block?.[field] !== undefined) {
      deploy[section] = {
        ...block,
        [field]: toDuration(block[field], [...path, section, field], lookup),
      };
    }
  }
  return deploy;
}

/** `scale` and `deploy.replicas` say the same thing; they must agree. */
function normalizeScale(
  service: ServiceConfig,
  raw: Raw,
  at: (...rest: (string | number)[]) => FieldPath,
  lookup: SourceLookup,
): void {
  const replicas = (raw.deploy as Raw | undefined)?.replicas;
  if (typeof replicas !== 'number') return;
  if (typeof raw.scale === 'number' && raw.scale !== replicas) {
    throw errorAt(
      lookup,
      at('scale'),
      `scale ${raw.scale} does not match deploy.replicas ${replicas}`,
      'set only one of them',
    );
  }
  service.scale = replicas;
}
