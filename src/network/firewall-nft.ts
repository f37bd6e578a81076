import { type FirewallBackend, type FirewallNetwork, firewallTag } from './firewall-backend.js';
import { runWithInput } from './ip-batch.js';
import { bridgePrefix } from './names.js';

/**
 * The firewall through nft, for hosts without iptables: one table per network
 * (`ip tcompose_<id12>`, its comment naming the network) with a forward chain and, for NAT,
 * a postrouting chain. Removing a network's rules is deleting its table. One `nft -f -`
 * transaction applies or removes the tables of many networks at once.
 */

export function nftTable(id: string): string {
  return `tcompose_${id.slice(0, 12)}`;
}

/** Deletes the table if it exists: declaring a table first makes the delete never fail (pure). */
export function nftDeleteLines(ids: string[]): string[] {
  return ids.flatMap((id) => [`table ip ${nftTable(id)}`, `delete table ip ${nftTable(id)}`]);
}

/** The table of one network, replacing any table it had (pure). */
export function nftTableLines(network: FirewallNetwork): string[] {
  const bridge = `"${network.bridge}"`;
  const isolation = network.internal
    ? [`iifname ${bridge} oifname != ${bridge} drop`, `oifname ${bridge} iifname != ${bridge} drop`]
    : [`iifname ${bridge} oifname "${bridgePrefix}*" drop`];
  return [
    ...nftDeleteLines([network.id]),
    `table ip ${nftTable(network.id)} {`,
    `  comment "${firewallTag(network)}"`,
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    iifname ${bridge} oifname ${bridge} accept`,
    ...isolation.map((rule) => `    ${rule}`),
    '  }',
    ...(network.masquerade
      ? [
          '  chain postrouting {',
          '    type nat hook postrouting priority srcnat; policy accept;',
          `    ip saddr ${network.subnet} oifname != ${bridge} masquerade`,
          '  }',
        ]
      : []),
    '}',
  ];
}

export const nftBackend: FirewallBackend = {
  tool: 'nft',
  probe: ['nft', '--version'],
  async add(networks) {
    await nft(networks.flatMap(nftTableLines));
  },
  async remove(ids) {
    await nft(nftDeleteLines(ids));
  },
};

async function nft(lines: string[]): Promise<void> {
  if (lines.length > 0) await runWithInput('nft', ['-f', '-'], `${lines.join('\n')}\n`);
}
