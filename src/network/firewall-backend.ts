/**
 * What a firewall backend (firewall-iptables.ts, firewall-nft.ts) is given and must do:
 * keep each bridge network apart from our other bridges (an internal one on its bridge
 * alone), and let those with `masquerade` out through NAT. Whatever it
 * adds is marked with the network's tag, and found and removed by it.
 */

/** What the rules of one network need. */
export interface FirewallNetwork {
  id: string;
  name: string;
  subnet: string;
  bridge: string;
  internal: boolean;
  /** Out through NAT (never set on internal networks). */
  masquerade: boolean;
}

export type FirewallTool = 'iptables' | 'nft';

export interface FirewallBackend {
  tool: FirewallTool;
  /** A command that succeeds when the host has the tool. */
  probe: [string, ...string[]];
  /** Adds the rules of `networks` (their old ones, if any, removed first by the caller). */
  add(networks: FirewallNetwork[]): Promise<void>;
  /** Removes every rule of the networks with these ids; none left is fine. */
  remove(ids: string[]): Promise<void>;
}

/** The mark on everything of a network: `tcompose:<id12>:<name>`. */
export function firewallTag(network: Pick<FirewallNetwork, 'id' | 'name'>): string {
  return `tcompose:${network.id.slice(0, 12)}:${network.name}`;
}

/** TCOMPOSE_FIREWALL: iptables, nft, or unset (the first of them the host has). */
export function parseFirewallTool(value: string | undefined): FirewallTool | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'iptables' || value === 'nft') return value;
  throw new Error(`TCOMPOSE_FIREWALL must be iptables or nft, not ${JSON.stringify(value)}`);
}
