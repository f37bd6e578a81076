import type { ModelSourceMap } from './located-error.js';
import type {
  FileObjectConfig,
  NetworkConfig,
  Project,
  ServiceConfig,
  VolumeConfig,
} from './model.js';
import { type EnvFileReader, normalizeService } from './normalize-service.js';
import { toStringMap } from './normalize-values.js';

export interface NormalizeOptions {
  projectName: string;
  workingDir: string;
  composeFiles: string[];
  environment: Record<string, string | undefined>;
  lookup: ModelSourceMap;
  readEnvFile: EnvFileReader;
}

type Raw = Record<string, unknown>;

/**
 * The merged document as the canonical Project: every service in long form, every
 * network, volume, secret and config named on the engine. Profiles are applied by
 * the next stage, so every service is still in `services` here.
 */
export function normalizeProject(document: Raw, options: NormalizeOptions): Project {
  const services: Record<string, ServiceConfig> = {};
  for (const [name, raw] of Object.entries(
    (document.services ?? {}) as Record<string, Raw | null>,
  )) {
    services[name] = normalizeService(name, raw ?? {}, options);
  }
  const networks = normalizeResources(
    document.networks,
    options.projectName,
    normalizeNetwork,
  ) as Record<string, NetworkConfig>;
  if (
    !networks.default &&
    Object.values(services).some((service) => service.networks?.default !== undefined)
  ) {
    networks.default = { name: `${options.projectName}_default` };
  }
  return {
    name: options.projectName,
    workingDir: options.workingDir,
    composeFiles: options.composeFiles,
    services,
    disabledServices: {},
    networks,
    volumes: normalizeResources(document.volumes, options.projectName, normalizeLabelled) as Record<
      string,
      VolumeConfig
    >,
    secrets: normalizeResources(document.secrets, options.projectName, normalizeLabelled) as Record<
      string,
      FileObjectConfig
    >,
    configs: normalizeResources(document.configs, options.projectName, normalizeLabelled) as Record<
      string,
      FileObjectConfig
    >,
    profiles: [],
    extensions: Object.fromEntries(
      Object.entries(document).filter(([key]) => key.startsWith('x-')),
    ),
  };
}

/**
 * Top-level networks, volumes, secrets and configs share their naming rule: the
 * engine name is `name:` when given, the key itself when external, else
 * `<project>_<key>`. The legacy `external: {name: x}` form becomes `external: true`.
 */
function normalizeResources(
  raw: unknown,
  projectName: string,
  normalizeFields: (fields: Raw) => Raw,
): Record<string, { name: string }> {
  const out: Record<string, { name: string }> = {};
  for (const [key, value] of Object.entries((raw ?? {}) as Record<string, Raw | null>)) {
    const fields = normalizeFields({ ...(value ?? {}) });
    let legacyName: string | undefined;
    if (fields.external !== null && typeof fields.external === 'object') {
      legacyName = (fields.external as Raw).name as string | undefined;
      fields.external = true;
    }
    const explicitName = (fields.name as string | undefined) ?? legacyName;
    const name = explicitName ?? (fields.external === true ? key : `${projectName}_${key}`);
    out[key] = { ...fields, name };
  }
  return out;
}

function normalizeLabelled(fields: Raw): Raw {
  if (fields.labels !== undefined) fields.labels = toStringMap(fields.labels);
  if (fields.driver_opts !== undefined) fields.driver_opts = toStringMap(fields.driver_opts);
  return fields;
}

function normalizeNetwork(fields: Raw): Raw {
  normalizeLabelled(fields);
  const ipam = fields.ipam as Raw | undefined;
  if (ipam?.config) {
    fields.ipam = {
      ...ipam,
      config: (ipam.config as Raw[]).map((pool) =>
        pool.aux_addresses === undefined
          ? pool
          : { ...pool, aux_addresses: toStringMap(pool.aux_addresses) },
      ),
    };
  }
  return fields;
}
