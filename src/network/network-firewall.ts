import { readFile, writeFile } from 'node:fs/promises';
import type { FirewallBackend, FirewallNetwork, FirewallTool } from './firewall-backend.js';
import { iptablesBackend } from './firewall-iptables.js';
import { nftBackend } from './firewall-nft.js';
import { runWithInput } from './ip-batch.js';

/**
 * The netfilter rules of bridge networks, as Docker keeps them:
 * - isolation, always: a network's traffic stays on its bridge or leaves for the outside,
 *   never for another of our bridges (a host with forwarding on, for whatever reason, would
 *   otherwise route between networks); an internal network's traffic stays on its bridge;
 * - outbound NAT, with `masquerade` (Docker's default): forwarding on, and for each
 *   non-internal network a masquerade of its subnet leaving by any other interface, plus
 *   (iptables) FORWARD rules that let it out and its replies back in past a DROP policy.
 *
 * Through iptables when the host has it, else nft. Everything of a network is tagged
 * `tcompose:<id12>:<name>`, found and removed by it: with the network, and for every
 * network at engine shutdown.
 *
 * ip_forward and the tables belong to the network namespace of the engine process: an
 * engine started in a namespace of its own (as the NAT test starts it) changes nothing on
 * the host.
 */
export class NetworkFirewall {
  private constructor(
    private readonly backend: FirewallBackend,
    readonly masquerade: boolean,
  ) {}

  get tool(): FirewallTool {
    return this.backend.tool;
  }

  /**
   * The first of `tools` (default: iptables, then nft) the host has; undefined when it has
   * none: networks then get no rules at all.
   */
  static async detect(options: {
    masquerade: boolean;
    tools?: FirewallTool[];
  }): Promise<NetworkFirewall | undefined> {
    const backends = [iptablesBackend, nftBackend].filter(
      (backend) => !options.tools || options.tools.includes(backend.tool),
    );
    for (const backend of backends) {
      const [command, ...args] = backend.probe;
      const found = await runWithInput(command, args).then(
        () => true,
        () => false,
      );
      if (found) return new NetworkFirewall(backend, options.masquerade);
    }
    return undefined;
  }

  /**
   * The rules of `networks` (replacing any they had): a network masquerades when it asks
   * to, this firewall does, and it is not internal. Forwarding on when one masquerades.
   */
  async add(networks: FirewallNetwork[]): Promise<void> {
    const planned = networks.map((network) => ({
      ...network,
      masquerade: this.masquerade && network.masquerade && !network.internal,
    }));
    if (planned.length === 0) return;
    if (planned.some((network) => network.masquerade)) await enableForwarding();
    await this.backend.add(planned);
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.backend.remove(ids);
  }
}

const forwardingSysctl = '/proc/sys/net/ipv4/ip_forward';

/** Forwarding stays on afterwards, as Docker leaves it: other bridges may rely on it. */
async function enableForwarding(): Promise<void> {
  const current = await readFile(forwardingSysctl, 'utf8');
  if (current.trim() !== '1') await writeFile(forwardingSysctl, '1\n');
}
