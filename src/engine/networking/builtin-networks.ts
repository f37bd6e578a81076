import type { NetworkSummary } from '../containers/network-attach.js';

/** `host` and `none`: modes rather than networks, listed as Docker lists them. */
export function builtinNetwork(name: 'host' | 'none'): NetworkSummary {
  return {
    Name: name,
    Id: Buffer.from(name.padEnd(32, '0')).toString('hex'),
    Created: new Date(0).toISOString(),
    Scope: 'local',
    Driver: name === 'none' ? 'null' : 'host',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: {},
  };
}

export function builtinNetworks(): NetworkSummary[] {
  return [builtinNetwork('host'), builtinNetwork('none')];
}
