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
 * `detach` after it stopped. src/engine/networking/bridge-attacher.ts implements it over
 * src/network.
 */
export interface NetworkAttacher {
  /** At create: throws (404) when HostConfig.NetworkMode names no network. */
  checkMode(mode: string | undefined): void;
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
  Scope: string;
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

/** The mode inspect shows: '' and 'default' are the bridge. */
export function networkModeName(mode: string | undefined): string {
  return !mode || mode === 'default' ? 'bridge' : mode;
}
