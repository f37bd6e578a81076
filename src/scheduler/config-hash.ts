import { createHash } from 'node:crypto';
import type { ServiceConfig } from '../compose/model.js';

/**
 * Fields that change how a service is scheduled but not what its containers are:
 * changing them must not recreate running containers (as in Compose).
 */
const SCHEDULING_ONLY_FIELDS = ['build', 'pull_policy', 'scale', 'depends_on', 'profiles'];

/** JSON with object keys sorted, so equal configs hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The digest `up` compares with a container's config-hash label to decide on recreation. */
export function serviceConfigHash(service: ServiceConfig): string {
  const hashed: Record<string, unknown> = { ...service };
  for (const field of SCHEDULING_ONLY_FIELDS) delete hashed[field];
  const deploy = hashed.deploy as Record<string, unknown> | undefined;
  if (deploy && 'replicas' in deploy) {
    const { replicas: _replicas, ...rest } = deploy;
    hashed.deploy = rest;
  }
  return createHash('sha256').update(canonicalJson(hashed)).digest('hex');
}
