import { createHash } from 'node:crypto';
import { badParameter } from '../errors/engine-error.js';
import { parseSubnet } from './ipam.js';
import type { CreateNetworkRequest } from './network-manager.js';
import type { EndpointRecord, NetworkRecord } from './network-store.js';

/**
 * Our network records in the Docker Engine API's shapes, for the engine's /networks
 * endpoints and container inspect: pure translations both ways.
 */

/** An endpoint's id: stable per (network, container), as the API wants one. */
export function endpointId(networkId: string, containerId: string): string {
  return createHash('sha256').update(`${networkId}\n${containerId}`).digest('hex');
}

/** `GET /networks/{id}` and each item of `GET /networks`. */
export function toApiNetwork(record: NetworkRecord) {
  const prefix = parseSubnet(record.ipam.subnet).prefix;
  const containers = Object.fromEntries(
    Object.values(record.endpoints).map((endpoint) => [
      endpoint.containerId,
      {
        Name: endpoint.dns.name,
        EndpointID: endpointId(record.id, endpoint.containerId),
        MacAddress: endpoint.mac,
        IPv4Address: `${endpoint.address}/${prefix}`,
        IPv6Address: '',
      },
    ]),
  );
  return {
    Name: record.name,
    Id: record.id,
    Created: record.created,
    Scope: 'local',
    Driver: record.driver,
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: {},
      Config: [
        {
          Subnet: record.ipam.subnet,
          Gateway: record.ipam.gateway,
          ...(record.ipam.ipRange ? { IPRange: record.ipam.ipRange } : {}),
        },
      ],
    },
    Internal: record.internal,
    Attachable: record.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: record.options,
    Labels: record.labels,
  };
}

/** `NetworkSettings.Networks[<name>]` of a container inspect. */
export function toApiEndpointSettings(record: NetworkRecord, endpoint: EndpointRecord) {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: endpoint.dns.aliases ?? null,
    MacAddress: endpoint.mac,
    DriverOpts: null,
    NetworkID: record.id,
    EndpointID: endpointId(record.id, endpoint.containerId),
    Gateway: record.internal ? '' : record.ipam.gateway,
    IPAddress: endpoint.address,
    IPPrefixLen: parseSubnet(record.ipam.subnet).prefix,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: [endpoint.dns.name, endpoint.dns.hostname, ...(endpoint.dns.aliases ?? [])].filter(
      (name): name is string => Boolean(name),
    ),
  };
}

interface ApiCreateBody {
  Name?: unknown;
  Driver?: unknown;
  Internal?: unknown;
  Attachable?: unknown;
  EnableIPv6?: unknown;
  Options?: unknown;
  Labels?: unknown;
  IPAM?: {
    Driver?: unknown;
    Config?: { Subnet?: unknown; Gateway?: unknown; IPRange?: unknown }[];
  };
}

/** The body of `POST /networks/create`, checked, as a manager request. */
export function createRequestFromApi(body: ApiCreateBody): CreateNetworkRequest {
  if (typeof body.Name !== 'string' || body.Name === '') {
    throw badParameter('network create: Name is required');
  }
  if (body.EnableIPv6 === true) {
    throw badParameter(`network ${body.Name}: IPv6 networks are not supported yet`);
  }
  const configs = body.IPAM?.Config ?? [];
  if (configs.length > 1) {
    throw badParameter(`network ${body.Name}: only one IPAM config is supported`);
  }
  const [config] = configs;
  const text = (value: unknown, field: string) => {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string')
      throw badParameter(`network ${body.Name}: ${field} must be a string`);
    return value;
  };
  return {
    name: body.Name,
    driver: text(body.Driver, 'Driver'),
    internal: body.Internal === true,
    attachable: body.Attachable === true,
    options: stringMap(body.Options, `network ${body.Name}: Options`),
    labels: stringMap(body.Labels, `network ${body.Name}: Labels`),
    ipam: config
      ? {
          subnet: text(config.Subnet, 'IPAM.Config.Subnet'),
          gateway: text(config.Gateway, 'IPAM.Config.Gateway'),
          ipRange: text(config.IPRange, 'IPAM.Config.IPRange'),
        }
      : undefined,
  };
}

function stringMap(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Object.values(value).some((item) => typeof item !== 'string')) {
    throw badParameter(`${what} must map names to strings`);
  }
  return value as Record<string, string>;
}
