import { isIP } from 'node:net';
import { CYCLE_HINT, describeCycle, findDependencyCycle } from './dependency-cycle.js';
import type { FieldPath } from './errors.js';
import { errorAt, type SourceLookup } from './located-error.js';
import type { Project, ServiceConfig } from './model.js';
import { serviceReferences } from './service-references.js';
import { didYouMean } from './suggest.js';

/**
 * Checks that need the whole project, after the schema has checked each value's
 * shape: references between services and to top-level resources, consistency
 * between fields, addresses. Each failure is a ComposeError placed at its field.
 */
export function checkProject(project: Project, lookup: SourceLookup): void {
  const checks = [
    checkServiceReferences,
    checkImageOrBuild,
    checkNetworkAttachments,
    checkMountedVolumes,
    checkFileReferences,
    checkContainerName,
    checkAddresses,
    checkHealthcheckTest,
  ];
  for (const service of Object.values(project.services)) {
    for (const check of checks) check(service, project, lookup);
  }
  checkExternalResources(project, lookup);
  checkDependencyCycles(project, lookup);
}

function checkDependencyCycles(project: Project, lookup: SourceLookup): void {
  const cycle = findDependencyCycle(project);
  if (!cycle) return;
  throw errorAt(
    lookup,
    cycle[0].path,
    `dependency cycle between services: ${describeCycle(cycle)}`,
    CYCLE_HINT,
  );
}

type ServiceCheck = (service: ServiceConfig, project: Project, lookup: SourceLookup) => void;

const checkServiceReferences: ServiceCheck = (service, project, lookup) => {
  const known = [...Object.keys(project.services), ...Object.keys(project.disabledServices)];
  for (const reference of serviceReferences(service)) {
    if (known.includes(reference.service) || reference.optional) continue;
    throw errorAt(
      lookup,
      reference.path,
      `service "${service.name}" ${reference.relation} undefined service "${reference.service}"`,
      didYouMean(reference.service, known),
    );
  }
};

const checkImageOrBuild: ServiceCheck = (service, _project, lookup) => {
  if (service.image !== undefined || service.build !== undefined || service.provider !== undefined)
    return;
  throw errorAt(
    lookup,
    ['services', service.name],
    `service "${service.name}" has neither an image nor a build context`,
    'set image: or build:',
  );
};

const checkNetworkAttachments: ServiceCheck = (service, project, lookup) => {
  const path: FieldPath = ['services', service.name, 'networks'];
  if (service.network_mode !== undefined && service.networks !== undefined) {
    throw errorAt(
      lookup,
      path,
      `service "${service.name}" sets both network_mode and networks`,
      'a service with network_mode cannot join networks',
    );
  }
  const declared = Object.keys(project.networks);
  for (const network of Object.keys(service.networks ?? {})) {
    if (declared.includes(network)) continue;
    throw errorAt(
      lookup,
      [...path, network],
      `service "${service.name}" uses undefined network "${network}"`,
      didYouMean(network, declared) ?? 'declare it under the top-level networks',
    );
  }
};

const checkMountedVolumes: ServiceCheck = (service, project, lookup) => {
  const declared = Object.keys(project.volumes);
  (service.volumes ?? []).forEach((mount, index) => {
    if (mount.type !== 'volume' || mount.source === undefined || declared.includes(mount.source))
      return;
    throw errorAt(
      lookup,
      ['services', service.name, 'volumes', index],
      `service "${service.name}" mounts undefined volume "${mount.source}"`,
      didYouMean(mount.source, declared) ?? 'declare it under the top-level volumes',
    );
  });
};

const checkFileReferences: ServiceCheck = (service, project, lookup) => {
  const kinds = [
    ['secrets', 'secret', service.secrets, ['services', service.name, 'secrets']],
    ['configs', 'config', service.configs, ['services', service.name, 'configs']],
    ['secrets', 'secret', service.build?.secrets, ['services', service.name, 'build', 'secrets']],
  ] as const;
  for (const [collection, noun, entries, path] of kinds) {
    const declared = Object.keys(project[collection]);
    ((entries ?? []) as (string | { source: string })[]).forEach((entry, index) => {
      const source = typeof entry === 'string' ? entry : entry.source;
      if (declared.includes(source)) return;
      throw errorAt(
        lookup,
        [...path, index],
        `service "${service.name}" uses undefined ${noun} "${source}"`,
        didYouMean(source, declared) ?? `declare it under the top-level ${collection}`,
      );
    });
  }
};

const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

const checkContainerName: ServiceCheck = (service, _project, lookup) => {
  const name = service.container_name;
  if (name === undefined) return;
  const path: FieldPath = ['services', service.name, 'container_name'];
  if (!CONTAINER_NAME.test(name)) {
    throw errorAt(
      lookup,
      path,
      `invalid container name "${name}"`,
      'must match [a-zA-Z0-9][a-zA-Z0-9_.-]+',
    );
  }
  const scale = service.scale ?? 1;
  if (scale > 1) {
    throw errorAt(
      lookup,
      path,
      `container_name "${name}" cannot be used with scale ${scale}`,
      'container names are unique: drop container_name or scale to 1',
    );
  }
};

function checkIp(
  lookup: SourceLookup,
  path: FieldPath,
  address: string,
  family: 0 | 4 | 6,
  what: string,
): void {
  const found = isIP(address);
  if (found !== 0 && (family === 0 || found === family)) return;
  const expected = family === 0 ? 'an IPv4 or IPv6 address' : `an IPv${family} address`;
  throw errorAt(lookup, path, `invalid ${what} "${address}"`, `must be ${expected}`);
}

const checkAddresses: ServiceCheck = (service, _project, lookup) => {
  const base: FieldPath = ['services', service.name];
  for (const [network, attachment] of Object.entries(service.networks ?? {})) {
    if (attachment?.ipv4_address !== undefined) {
      checkIp(
        lookup,
        [...base, 'networks', network, 'ipv4_address'],
        attachment.ipv4_address,
        4,
        'IPv4 address',
      );
    }
    if (attachment?.ipv6_address !== undefined) {
      checkIp(
        lookup,
        [...base, 'networks', network, 'ipv6_address'],
        attachment.ipv6_address,
        6,
        'IPv6 address',
      );
    }
  }
  for (const entry of service.extra_hosts ?? []) {
    const address = entry.slice(entry.indexOf('=') + 1);
    if (address !== 'host-gateway')
      checkIp(lookup, [...base, 'extra_hosts'], address, 0, 'extra host address');
  }
  (service.dns ?? []).forEach((address, index) => {
    checkIp(lookup, [...base, 'dns', index], address, 0, 'DNS server address');
  });
};

const HEALTHCHECK_KINDS = ['NONE', 'CMD', 'CMD-SHELL'];

const checkHealthcheckTest: ServiceCheck = (service, _project, lookup) => {
  const test = service.healthcheck?.test;
  if (!test || test.length === 0 || HEALTHCHECK_KINDS.includes(test[0])) return;
  throw errorAt(
    lookup,
    ['services', service.name, 'healthcheck', 'test', 0],
    `invalid healthcheck test kind "${test[0]}"`,
    'a test list starts with NONE, CMD or CMD-SHELL',
  );
};

const EXTERNAL_ALLOWED = new Set(['name', 'external']);

/** An external resource is only looked up by name: any other attribute is a mistake. */
function checkExternalResources(project: Project, lookup: SourceLookup): void {
  for (const collection of ['networks', 'volumes', 'secrets', 'configs'] as const) {
    for (const [key, resource] of Object.entries(project[collection])) {
      if (resource.external !== true) continue;
      const extra = Object.keys(resource).find(
        (field) => !EXTERNAL_ALLOWED.has(field) && !field.startsWith('x-'),
      );
      if (extra === undefined) continue;
      throw errorAt(
        lookup,
        [collection, key, extra],
        `external ${collection.slice(0, -1)} "${key}" cannot set ${extra}`,
        'an external resource only takes a name',
      );
    }
  }
}
