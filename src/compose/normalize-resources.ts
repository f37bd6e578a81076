import type { FieldPath } from './errors.js';
import { errorAt, type SourceLookup } from './located-error.js';
import type { DeviceMapping, ServiceConfig } from './model.js';
import { toBytes, toDuration, toStringMap } from './normalize-values.js';

type Raw = Record<string, unknown>;

const BYTE_FIELDS = ['mem_limit', 'mem_reservation', 'memswap_limit', 'shm_size'] as const;

/**
 * What a service may consume, in canonical units: byte sizes in bytes, cpus as a
 * number, device mappings in long form, deploy durations as Go text, and `scale`
 * agreeing with deploy.replicas.
 */
export function normalizeResources(service: ServiceConfig, raw: Raw, lookup: SourceLookup): void {
  const path: FieldPath = ['services', service.name];
  for (const field of BYTE_FIELDS) {
    if (raw[field] !== undefined) service[field] = toBytes(raw[field], [...path, field], lookup);
  }
  if (typeof raw.cpus === 'string') service.cpus = Number(raw.cpus);
  if (raw.devices !== undefined) service.devices = normalizeDevices(raw.devices as unknown[]);
  if (raw.blkio_config !== undefined) {
    service.blkio_config = normalizeBlkio(
      raw.blkio_config as Raw,
      [...path, 'blkio_config'],
      lookup,
    );
  }
  if (raw.deploy !== undefined) {
    service.deploy = normalizeDeploy(raw.deploy as Raw, [...path, 'deploy'], lookup);
  }
  normalizeScale(service, raw, path, lookup);
}

/**
 * devices: "HOST[:CONTAINER[:PERMISSIONS]]" becomes {source, target, permissions}
 * (permissions default to rwm); the long form is kept.
 */
function normalizeDevices(raw: unknown[]): DeviceMapping[] {
  return raw.map((entry) => {
    if (typeof entry !== 'string') return entry as DeviceMapping;
    const [source, target = source, permissions = 'rwm'] = entry.split(':');
    return { source, target, permissions };
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
  path: FieldPath,
  lookup: SourceLookup,
): void {
  const replicas = (raw.deploy as Raw | undefined)?.replicas;
  if (typeof replicas !== 'number') return;
  if (typeof raw.scale === 'number' && raw.scale !== replicas) {
    throw errorAt(
      lookup,
      [...path, 'scale'],
      `scale ${raw.scale} does not match deploy.replicas ${replicas}`,
      'set only one of them',
    );
  }
  service.scale = replicas;
}
