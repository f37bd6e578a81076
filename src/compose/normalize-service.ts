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
import { HOOK_FIELDS, normalizeHooks } from './normalize-hooks.js';
import { normalizePorts } from './normalize-ports.js';
import { normalizeResources } from './normalize-resources.js';
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
  normalizeProcess(service, raw, at, lookup, (key) => context.environment[key]);
  if (raw.build !== undefined) service.build = normalizeBuild(raw.build, at('build'), context);
  if (raw.depends_on !== undefined) {
    recordListOrigins(raw.depends_on, at('depends_on'), lookup);
    service.depends_on = normalizeDependsOn(raw.depends_on);
  }
  normalizeEnvironment(service, raw, at, context);
  for (const field of MAP_FIELDS) {
    if (raw[field] !== undefined) service[field] = toStringMap(raw[field]);
  }
  if (raw.label_file !== undefined) normalizeLabelFiles(service, raw, at, context);
  for (const field of STRING_LIST_FIELDS) {
    if (raw[field] !== undefined) service[field] = toStringList(raw[field]);
  }
  normalizeNetworking(service, raw, at, lookup);
  normalizeMounts(service, raw, at, context);
  normalizeResources(service, raw, lookup);
  return service;
}

type At = (...rest: (string | number)[]) => FieldPath;

/** What runs: command, entrypoint, lifecycle hooks, healthcheck, stop grace period. */
function normalizeProcess(
  service: ServiceConfig,
  raw: Raw,
  at: At,
  lookup: ModelSourceMap,
  environment: Lookup,
): void {
  if (raw.command !== undefined && raw.command !== null) {
    service.command = toCommand(raw.command, at('command'), lookup);
  } else delete service.command;
  if (raw.entrypoint !== undefined && raw.entrypoint !== null) {
    service.entrypoint = toCommand(raw.entrypoint, at('entrypoint'), lookup);
  } else delete service.entrypoint;
  if (raw.healthcheck !== undefined) {
    service.healthcheck = normalizeHealthcheck(raw.healthcheck as Raw, at('healthcheck'), lookup);
  }
  if (raw.stop_grace_period !== undefined) {
    service.stop_grace_period = toDuration(raw.stop_grace_period, at('stop_grace_period'), lookup);
  }
  for (const field of HOOK_FIELDS) {
    if (raw[field] !== undefined)
      service[field] = normalizeHooks(raw[field], at(field), lookup, environment);
  }
}

/** Networks joined, ports published and exposed, extra hosts. */
function normalizeNetworking(
  service: ServiceConfig,
  raw: Raw,
  at: At,
  lookup: ModelSourceMap,
): void {
  recordListOrigins(raw.networks, at('networks'), lookup);
  service.networks = normalizeServiceNetworks(raw);
  if (service.networks === undefined) delete service.networks;
  if (raw.ports !== undefined)
    service.ports = normalizePorts(raw.ports as unknown[], at('ports'), lookup);
  if (raw.expose !== undefined) service.expose = toStringList(raw.expose);
  if (raw.extra_hosts !== undefined) {
    service.extra_hosts = toExtraHosts(raw.extra_hosts, at('extra_hosts'), lookup);
  }
}

/** Volumes, secrets and configs mounted into the containers. */
function normalizeMounts(
  service: ServiceConfig,
  raw: Raw,
  at: At,
  context: ServiceNormalizeContext,
): void {
  if (raw.volumes !== undefined) {
    service.volumes = normalizeServiceVolumes(raw.volumes as unknown[], at('volumes'), {
      workingDir: context.workingDir,
      home: context.environment.HOME,
      lookup: context.lookup,
    });
  }
  if (raw.secrets !== undefined)
    service.secrets = normalizeFileReferences(raw.secrets, '/run/secrets/');
  if (raw.configs !== undefined) service.configs = normalizeFileReferences(raw.configs);
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
  at: At,
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
  at: At,
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
