import type { FieldPath } from './errors.js';
import type { ServiceConfig } from './model.js';

/** One place where a service names another service. */
export interface ServiceReference {
  service: string;
  /** Reads as "web <relation> db". */
  relation: string;
  /** Where it is written, in model terms. */
  path: FieldPath;
  /** A depends_on entry with `required: false`: a missing target is tolerated. */
  optional: boolean;
}

const SERVICE_PREFIX = 'service:';

/**
 * Every reference from `service` to another service: depends_on, links,
 * volumes_from, and `service:x` in network_mode, ipc and pid. They order startup and
 * must name services that exist and are enabled.
 */
export function serviceReferences(service: ServiceConfig): ServiceReference[] {
  const base: FieldPath = ['services', service.name];
  const references: ServiceReference[] = [];
  for (const [name, dependency] of Object.entries(service.depends_on ?? {})) {
    references.push({
      service: name,
      relation: 'depends on',
      path: [...base, 'depends_on', name],
      optional: !dependency.required,
    });
  }
  (service.links ?? []).forEach((link, index) => {
    references.push({
      service: link.split(':')[0],
      relation: 'links to',
      path: [...base, 'links', index],
      optional: false,
    });
  });
  (service.volumes_from ?? []).forEach((source, index) => {
    if (source.startsWith('container:')) return;
    const name = source.startsWith(SERVICE_PREFIX) ? source.slice(SERVICE_PREFIX.length) : source;
    references.push({
      service: name.split(':')[0],
      relation: 'takes volumes from',
      path: [...base, 'volumes_from', index],
      optional: false,
    });
  });
  for (const field of ['network_mode', 'ipc', 'pid'] as const) {
    const value = service[field];
    if (typeof value === 'string' && value.startsWith(SERVICE_PREFIX)) {
      references.push({
        service: value.slice(SERVICE_PREFIX.length),
        relation:
          field === 'network_mode' ? 'shares the network of' : `shares the ${field} namespace of`,
        path: [...base, field],
        optional: false,
      });
    }
  }
  return references;
}
