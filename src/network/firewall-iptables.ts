import { type FirewallBackend, type FirewallNetwork, firewallTag } from './firewall-backend.js';
import { runWithInput } from './ip-batch.js';
import { bridgePrefix } from './names.js';

/**
 * The firewall through iptables (legacy or nft-based): rules in the host's own FORWARD and
 * POSTROUTING chains, each with a comment naming its network, by which it is found (in
 * `iptables-save`) and deleted. One `iptables-restore` applies or removes the rules of many
 * networks at once.
 */

type Tables = { nat: string[]; filter: string[] };

/**
 * The rules of one network, as iptables-restore lines (pure). FORWARD rules are inserted
 * at the top, each above the previous one: they are listed here last-first, so the chain
 * reads: own bridge ACCEPT, isolation DROP, then (NAT) out ACCEPT, replies ACCEPT.
 */
export function iptablesRules(network: FirewallNetwork): Tables {
  const { bridge, subnet } = network;
  const comment = `-m comment --comment ${firewallTag(network)}`;
  const isolation = network.internal
    ? [`-I FORWARD -o ${bridge} ${comment} -j DROP`, `-I FORWARD -i ${bridge} ${comment} -j DROP`]
    : [`-I FORWARD -i ${bridge} -o ${bridgePrefix}+ ${comment} -j DROP`];
  const onBridge = `-I FORWARD -i ${bridge} -o ${bridge} ${comment} -j ACCEPT`;
  if (!network.masquerade) return { nat: [], filter: [...isolation, onBridge] };
  return {
    nat: [`-A POSTROUTING -s ${subnet} ! -o ${bridge} ${comment} -j MASQUERADE`],
    filter: [
      `-I FORWARD -o ${bridge} -m conntrack --ctstate RELATED,ESTABLISHED ${comment} -j ACCEPT`,
      `-I FORWARD -i ${bridge} ! -o ${bridge} ${comment} -j ACCEPT`,
      ...isolation,
      onBridge,
    ],
  };
}

/**
 * From `iptables-save` output, the lines deleting each rule whose comment is a tag of one
 * of `ids` (pure). A rule is deleted by its full specification, so rules that other engines
 * add meanwhile are never touched.
 */
export function iptablesDeletions(saved: string, ids: string[]): Tables {
  const prefixes = ids.map((id) => firewallTag({ id, name: '' }));
  const deletions: Tables = { nat: [], filter: [] };
  let table: keyof Tables | undefined;
  for (const line of saved.split('\n')) {
    if (line.startsWith('*')) {
      const name = line.slice(1).trim();
      table = name === 'nat' || name === 'filter' ? name : undefined;
      continue;
    }
    const comment = /--comment (?:"([^"]*)"|(\S+))/.exec(line);
    const tag = comment?.[1] ?? comment?.[2];
    if (!table || !line.startsWith('-A ') || tag === undefined) continue;
    if (prefixes.some((prefix) => tag.startsWith(prefix))) {
      deletions[table].push(`-D ${line.slice(3)}`);
    }
  }
  return deletions;
}

/** iptables-restore input applying `tables` on top of the current rules (pure). */
export function restoreInput(tables: Tables): string {
  return (['nat', 'filter'] as const)
    .filter((table) => tables[table].length > 0)
    .map((table) => `*${table}\n${tables[table].join('\n')}\nCOMMIT\n`)
    .join('');
}

export const iptablesBackend: FirewallBackend = {
  tool: 'iptables',
  probe: ['iptables-restore', '--version'],
  async add(networks) {
    const rules = networks.map(iptablesRules);
    await restore({
      nat: rules.flatMap((rule) => rule.nat),
      filter: rules.flatMap((rule) => rule.filter),
    });
  },
  async remove(ids) {
    const saved = await runWithInput('iptables-save', []);
    await restore(iptablesDeletions(saved, ids));
  },
};

async function restore(tables: Tables): Promise<void> {
  const input = restoreInput(tables);
  if (input) await runWithInput('iptables-restore', ['--wait', '--noflush'], input);
}
