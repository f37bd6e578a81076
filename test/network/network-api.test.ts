import { describe, expect, it } from 'vitest';
import {
  createRequestFromApi,
  toApiEndpointSettings,
  toApiNetwork,
} from '../../src/network/network-api.js';
import type { NetworkRecord } from '../../src/network/network-store.js';

const record: NetworkRecord = {
  id: 'a'.repeat(64),
  name: 'proj_default',
  driver: 'bridge',
  created: '2026-11-22T06:00:00.000Z',
  labels: { 'com.docker.compose.project': 'proj' },
  options: {},
  internal: false,
  attachable: true,
  ipam: { subnet: '172.20.0.0/16', gateway: '172.20.0.1' },
  bridge: 'tc-0123456789',
  mtu: 1500,
  endpoints: {
    c1: {
      containerId: 'c1',
      sandbox: '/run/x/c1',
      ifname: 'eth0',
      hostIfname: 'tv0123456789abc',
      address: '172.20.0.2',
      mac: '02:42:ac:14:00:02',
      defaultRoute: true,
      dns: { name: 'proj-web-1', service: 'web', aliases: ['web', 'www'] },
    },
  },
};

describe('Docker API shapes', () => {
  it('renders a network with its IPAM config and containers', () => {
    const network = toApiNetwork(record);
    expect(network.IPAM.Config).toEqual([{ Subnet: '172.20.0.0/16', Gateway: '172.20.0.1' }]);
    expect(network.Containers.c1).toMatchObject({
      Name: 'proj-web-1',
      IPv4Address: '172.20.0.2/16',
      MacAddress: '02:42:ac:14:00:02',
    });
    expect(network.Containers.c1.EndpointID).toMatch(/^[0-9a-f]{64}$/);
    expect([network.Scope, network.Attachable, network.Labels]).toEqual([
      'local',
      true,
      record.labels,
    ]);
  });

  it('renders a container endpoint for inspect', () => {
    const endpoint = record.endpoints.c1;
    expect(toApiEndpointSettings(record, endpoint)).toMatchObject({
      NetworkID: record.id,
      IPAddress: '172.20.0.2',
      IPPrefixLen: 16,
      Gateway: '172.20.0.1',
      Aliases: ['web', 'www'],
      DNSNames: ['proj-web-1', 'web', 'www'],
    });
  });

  it('reads a create body, naming what is wrong', () => {
    expect(
      createRequestFromApi({
        Name: 'n1',
        Internal: true,
        IPAM: { Config: [{ Subnet: '10.5.0.0/24', IPRange: '10.5.0.128/25' }] },
        Labels: { a: 'b' },
      }),
    ).toEqual({
      name: 'n1',
      driver: undefined,
      internal: true,
      attachable: false,
      options: {},
      labels: { a: 'b' },
      ipam: { subnet: '10.5.0.0/24', gateway: undefined, ipRange: '10.5.0.128/25' },
    });
    expect(() => createRequestFromApi({})).toThrow(/Name is required/);
    expect(() => createRequestFromApi({ Name: 'n', Labels: { a: 1 } })).toThrow(
      /Labels must map names to strings/,
    );
    expect(() => createRequestFromApi({ Name: 'n', EnableIPv6: true })).toThrow(/IPv6/);
  });
});
