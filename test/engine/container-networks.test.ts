import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../../src/engine/containers/model.js';
import {
  attachmentFor,
  containerNetworkMode,
  parseLinks,
  parseNetworkMode,
  portBindings,
} from '../../src/engine/networking/container-networks.js';

const id = 'abcdef0123456789'.repeat(4);

function container(overrides: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    Id: id,
    Name: '/proj-web-1',
    Config: { Labels: { 'com.docker.compose.service': 'web' } },
    HostConfig: {},
    Networks: {},
    ...overrides,
  } as ContainerRecord;
}

describe('network modes', () => {
  it('reads the mode of HostConfig.NetworkMode', () => {
    expect(parseNetworkMode(undefined)).toEqual({ kind: 'network', name: 'bridge' });
    expect(parseNetworkMode('default')).toEqual({ kind: 'network', name: 'bridge' });
    expect(parseNetworkMode('none')).toEqual({ kind: 'none' });
    expect(parseNetworkMode('host')).toEqual({ kind: 'host' });
    expect(parseNetworkMode('container:db')).toEqual({ kind: 'container', reference: 'db' });
    expect(parseNetworkMode('proj_front')).toEqual({ kind: 'network', name: 'proj_front' });
    expect(() => parseNetworkMode('container:')).toThrow(/needs a container/);
  });

  it('puts the mode network first, then the other EndpointsConfig networks; `default` is the bridge', () => {
    const record = container({
      HostConfig: { NetworkMode: 'front' },
      NetworkingConfig: { EndpointsConfig: { back: {}, front: {} } },
    });
    expect(containerNetworkMode(record)).toEqual({ kind: 'bridge', networks: ['front', 'back'] });
    const docker = container({ NetworkingConfig: { EndpointsConfig: { default: {} } } });
    expect(containerNetworkMode(docker)).toEqual({ kind: 'bridge', networks: ['bridge'] });
  });
});

describe('DNS names of an endpoint', () => {
  it('has the name, service, aliases plus the short id, links and the requested address', () => {
    const record = container({
      Config: { Hostname: 'web1', Labels: { 'com.docker.compose.service': 'web' } },
      HostConfig: { Links: ['/proj-db-1:/proj-web-1/database', 'cache'] },
      NetworkingConfig: {
        EndpointsConfig: {
          front: { Aliases: ['api', id.slice(0, 12)], IPAMConfig: { IPv4Address: '10.9.0.5' } },
        },
      },
    });
    expect(attachmentFor(record, 'front')).toEqual({
      network: 'front',
      ipv4Address: '10.9.0.5',
      dns: {
        name: 'proj-web-1',
        hostname: 'web1',
        service: 'web',
        aliases: ['api', id.slice(0, 12)],
        links: { database: 'proj-db-1', cache: 'cache' },
      },
    });
  });

  it('reads links as alias → target', () => {
    expect(parseLinks(['db:database', 'redis'])).toEqual({ database: 'db', redis: 'redis' });
  });
});

describe('published ports', () => {
  it('adds an ephemeral binding for each unbound exposed port with PublishAllPorts', () => {
    const record = container({
      Config: { ExposedPorts: { '80/tcp': {}, '53/udp': {} } },
      HostConfig: {
        PublishAllPorts: true,
        PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] },
      },
    });
    expect(portBindings(record)).toEqual({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
      '53/udp': [{}],
    });
  });
});
