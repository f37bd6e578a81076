import { describe, expect, it } from 'vitest';
import { applyProfiles } from '../../src/compose/profiles.js';
import { checkProject } from '../../src/compose/semantic-checks.js';
import { composeErrorText, memoryLookup, normalizeDocument } from './project-helpers.js';

type Doc = Record<string, unknown>;

function check(document: Doc): void {
  const lookup = memoryLookup();
  const project = normalizeDocument(document, { lookup });
  checkProject(applyProfiles(project, { flags: [], explicitServices: [] }, lookup), lookup);
}

function failure(document: Doc): string {
  return composeErrorText(() => check(document));
}

const db = { image: 'postgres' };

describe('checkProject accepts', () => {
  it.each<[string, Doc]>([
    ['a plain service', { services: { web: { image: 'nginx' } } }],
    ['a build without image', { services: { web: { build: '.' } } }],
    [
      'every kind of service reference',
      {
        services: {
          db,
          web: {
            image: 'x',
            depends_on: ['db'],
            links: ['db:database'],
            volumes_from: ['db:ro', 'container:other'],
            ipc: 'service:db',
          },
          sidecar: { image: 'x', network_mode: 'service:web' },
        },
      },
    ],
    [
      'an optional dependency on an unknown service',
      {
        services: {
          web: {
            image: 'x',
            depends_on: { ghost: { condition: 'service_started', required: false } },
          },
        },
      },
    ],
    [
      'declared resources',
      {
        services: {
          web: {
            image: 'x',
            networks: { front: { ipv4_address: '172.16.0.10' } },
            volumes: ['data:/data', '/host:/host', '/anon'],
            secrets: ['token'],
            configs: ['conf'],
          },
        },
        networks: { front: {} },
        volumes: { data: {} },
        secrets: { token: { environment: 'TOKEN' } },
        configs: { conf: { content: 'x' } },
      },
    ],
    [
      'container_name with scale 1',
      { services: { web: { image: 'x', container_name: 'web.1', scale: 1 } } },
    ],
    [
      'extra host-gateway',
      { services: { web: { image: 'x', extra_hosts: ['host.docker.internal:host-gateway'] } } },
    ],
  ])('%s', (_name, document) => {
    expect(() => check(document)).not.toThrow();
  });
});

describe('checkProject rejects', () => {
  it.each<[string, Doc, string]>([
    [
      'depends_on an unknown service',
      { services: { db, web: { image: 'x', depends_on: ['dbb'] } } },
      `services.web.depends_on[0]: service "web" depends on undefined service "dbb" (did you mean 'db'?)`,
    ],
    [
      'a link to an unknown service',
      { services: { db, web: { image: 'x', links: ['dv:database'] } } },
      `services.web.links[0]: service "web" links to undefined service "dv" (did you mean 'db'?)`,
    ],
    [
      'volumes_from an unknown service',
      { services: { db, web: { image: 'x', volumes_from: ['service:cache:ro'] } } },
      'services.web.volumes_from[0]: service "web" takes volumes from undefined service "cache"',
    ],
    [
      'network_mode of an unknown service',
      { services: { db, web: { image: 'x', network_mode: 'service:bd' } } },
      `services.web.network_mode: service "web" shares the network of undefined service "bd" (did you mean 'db'?)`,
    ],
    [
      'a service with neither image nor build',
      { services: { web: { command: 'true' } } },
      'services.web: service "web" has neither an image nor a build context (set image: or build:)',
    ],
    [
      'an undefined network',
      { services: { web: { image: 'x', networks: ['frontend'] } }, networks: { front: {} } },
      `services.web.networks[0]: service "web" uses undefined network "frontend" (declare it under the top-level networks)`,
    ],
    [
      'a misspelled network',
      { services: { web: { image: 'x', networks: { fornt: null } } }, networks: { front: {} } },
      `services.web.networks.fornt: service "web" uses undefined network "fornt" (did you mean 'front'?)`,
    ],
    [
      'network_mode with networks',
      {
        services: { web: { image: 'x', network_mode: 'host', networks: ['front'] } },
        networks: { front: {} },
      },
      'services.web.networks: service "web" sets both network_mode and networks (a service with network_mode cannot join networks)',
    ],
    [
      'an undefined volume',
      { services: { web: { image: 'x', volumes: ['/a:/a', 'dta:/data'] } }, volumes: { data: {} } },
      `services.web.volumes[1]: service "web" mounts undefined volume "dta" (did you mean 'data'?)`,
    ],
    [
      'an undefined secret',
      { services: { web: { image: 'x', secrets: ['token'] } } },
      'services.web.secrets[0]: service "web" uses undefined secret "token" (declare it under the top-level secrets)',
    ],
    [
      'an undefined config',
      {
        services: { web: { image: 'x', configs: [{ source: 'ngnix' }] } },
        configs: { nginx: { file: '/n' } },
      },
      `services.web.configs[0]: service "web" uses undefined config "ngnix" (did you mean 'nginx'?)`,
    ],
    [
      'an undefined build secret',
      { services: { web: { build: { context: '.', secrets: ['npmrc'] } } } },
      'services.web.build.secrets[0]: service "web" uses undefined secret "npmrc" (declare it under the top-level secrets)',
    ],
    [
      'container_name with scale > 1',
      { services: { web: { image: 'x', container_name: 'web', deploy: { replicas: 3 } } } },
      'services.web.container_name: container_name "web" cannot be used with scale 3 (container names are unique: drop container_name or scale to 1)',
    ],
    [
      'an invalid container_name',
      { services: { web: { image: 'x', container_name: '-web' } } },
      'services.web.container_name: invalid container name "-web" (must match [a-zA-Z0-9][a-zA-Z0-9_.-]+)',
    ],
    [
      'an invalid ipv4_address',
      {
        services: { web: { image: 'x', networks: { front: { ipv4_address: '10.0.0.300' } } } },
        networks: { front: {} },
      },
      'services.web.networks.front.ipv4_address: invalid IPv4 address "10.0.0.300" (must be an IPv4 address)',
    ],
    [
      'an IPv4 ipv6_address',
      {
        services: { web: { image: 'x', networks: { front: { ipv6_address: '10.0.0.3' } } } },
        networks: { front: {} },
      },
      'services.web.networks.front.ipv6_address: invalid IPv6 address "10.0.0.3" (must be an IPv6 address)',
    ],
    [
      'an invalid extra host address',
      { services: { web: { image: 'x', extra_hosts: ['db=not-an-ip'] } } },
      'services.web.extra_hosts: invalid extra host address "not-an-ip" (must be an IPv4 or IPv6 address)',
    ],
    [
      'an invalid dns server',
      { services: { web: { image: 'x', dns: ['8.8.8.8', 'dns.google'] } } },
      'services.web.dns[1]: invalid DNS server address "dns.google" (must be an IPv4 or IPv6 address)',
    ],
    [
      'an invalid healthcheck test kind',
      { services: { web: { image: 'x', healthcheck: { test: ['RUN', 'true'] } } } },
      'services.web.healthcheck.test[0]: invalid healthcheck test kind "RUN" (a test list starts with NONE, CMD or CMD-SHELL)',
    ],
    [
      'an external volume with a driver',
      { services: {}, volumes: { data: { external: true, driver: 'local' } } },
      'volumes.data.driver: external volume "data" cannot set driver (an external resource only takes a name)',
    ],
  ])('%s', (_name, document, message) => {
    expect(failure(document)).toBe(message);
  });
});
