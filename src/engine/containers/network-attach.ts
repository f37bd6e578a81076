import type { ContainerRecord, EndpointSettings } from './model.js';

/** How a container joins the network, decided before the runtime creates it. */
export interface NetworkPlan {
  /** The network namespace: a fresh one ({}), one to join ({path}), or the host's (undefined). */
  namespace: { path?: string } | undefined;
  /** Extra /etc/hosts lines and resolv.conf nameservers the networks want. */
  hosts: string[];
  nameservers: string[];
  /** What inspect shows under NetworkSettings.Networks. */
  networks: Record<string, EndpointSettings>;
}

/**
 * The seam where networking plugs into the container lifecycle. `prepare` runs before the
 * runtime creates the container, `attach` once its namespaces exist (the process is
 * created but not started, so interfaces are in place before the first instruction),
 * `detach` after it stopped. The networking work (src/network) provides a bridge-aware
 * implementation; this file's default gives containers loopback only.
 */
export interface NetworkAttacher {
  prepare(container: ContainerRecord): Promise<NetworkPlan>;
  /** Optional: without it the runtime creates and starts the container in one step. */
  attach?(container: ContainerRecord, pid: number): Promise<void>;
  detach(container: ContainerRecord): Promise<void>;
  /** The networks the /networks endpoints list. */
  listNetworks(): NetworkSummary[];
}

export interface NetworkSummary {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: object[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, object>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

function builtinNetwork(name: string, driver: string): NetworkSummary {
  return {
    Name: name,
    Id: Buffer.from(name.padEnd(32, '0')).toString('hex').slice(0, 64),
    Created: new Date(0).toISOString(),
    Scope: 'local',
    Driver: driver,
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

/** Network modes this engine accepts before bridge networking lands. */
export function networkModeName(mode: string | undefined): string {
  return !mode || mode === 'default' ? 'bridge' : mode;
}

/**
 * Loopback only: `host` joins the host's network namespace; `none`, `bridge` and
 * `default` get a fresh namespace holding only lo.
 */
export class LoopbackAttacher implements NetworkAttacher {
  async prepare(container: ContainerRecord): Promise<NetworkPlan> {
    const mode = networkModeName(container.HostConfig.NetworkMode);
    return {
      namespace: mode === 'host' ? undefined : {},
      hosts: [],
      nameservers: [],
      networks: { [mode]: { NetworkID: builtinNetwork(mode, mode).Id, IPAddress: '' } },
    };
  }

  async detach(): Promise<void> {}

  listNetworks(): NetworkSummary[] {
    return [
      builtinNetwork('bridge', 'bridge'),
      builtinNetwork('host', 'host'),
      builtinNetwork('none', 'null'),
    ];
  }
}

export const builtinNetworkModes = ['none', 'host', 'bridge', 'default'];
