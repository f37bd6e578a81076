import { readFile, writeFile } from 'node:fs/promises';
import { runWithInput } from './ip-batch.js';
import { bridgePrefix } from './names.js';

/**
 * The netfilter rules of bridge networks, as Docker keeps them:
 * - isolation, always: a network's traffic stays on its bridge or leaves for the outside,
 *   never for another of our bridges (a host with forwarding on, for whatever reason, would
 *   otherwise route between networks); an internal network's traffic stays on its bridge;
 * - outbound NAT, with `masquerade` (Docker's default): forwarding on, and for each
 *   non-internal network a masquerade rule for its subnet leaving by any other interface,
 *   plus FORWARD rules that let it out and its replies back in (past a DROP policy).
 *
 * Every rule carries a comment naming its network (`tcompose:<id12>:<name>`), by which it
 * is found and removed: with the network, and for every network at engine shutdown. One
 * `iptables-restore` applies or removes the rules of many networks at once.
 *
 * ip_forward and the tables belong to the network namespace of the engine process: an
 * engine started in a namespace of its own (as the NAT test starts it) changes nothing on
 * the host.
 */

/** What the rules of one network need. */
export interface FirewallNetwork {
  id: string;
  name: string;
  subnet: string;
  bridge: string;
  internal: boolean;
}

type Tables = { nat: string[]; filter: string[] };

const forwardingSysctl = '/proc/sys/net/ipv4/ip_forward';

/** The comment on every rule of a network. */
export function firewallTag(network: Pick<FirewallNetwork, 'id' | 'name'>): string {
  return `tcompose:${network.id.slice(0, 12)}:${network.name}`;
}

/**
 * The rules of one network, as iptables-restore lines (pure). FORWARD rules are inserted
 * at the top, each above the previous one: they are listed here last-first, so the chain
 * reads: own bridge ACCEPT, isolation DROP, then (NAT) out ACCEPT, replies ACCEPT.
 */
export function firewallRules(network: FirewallNetwork, masquerade: boolean): Tables {
  const { bridge, subnet } = network;
  const comment = `-m comment --comment ${firewallTag(network)}`;
  const isolation = network.internal
    ? [`-I FORWARD -o ${bridge} ${comment} -j DROP`, `-I FORWARD -i ${bridge} ${comment} -j DROP`]
    : [`-I FORWARD -i ${bridge} -o ${bridgePrefix}+ ${comment} -j DROP`];
  const onBridge = `-I FORWARD -i ${bridge} -o ${bridge} ${comment} -j ACCEPT`;
  if (!masquerade || network.internal) return { nat: [], filter: [...isolation, onBridge] };
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
export function firewallDeletions(saved: string, ids: string[]): Tables {
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

/** The rules of an engine's bridge networks, through the host's iptables. */
export class NetworkFirewall {
  private constructor(readonly masquerade: boolean) {}

  /** undefined when the host has no iptables: networks then get no rules at all. */
  static async detect(options: { masquerade: boolean }): Promise<NetworkFirewall | undefined> {
    try {
      await runWithInput('iptables-restore', ['--version']);
      return new NetworkFirewall(options.masquerade);
    } catch {
      return undefined;
    }
  }

  /** The rules of `networks`, and forwarding on when one of them masquerades. */
  async add(networks: FirewallNetwork[]): Promise<void> {
    if (networks.length === 0) return;
    if (this.masquerade && networks.some((network) => !network.internal)) {
      await enableForwarding();
    }
    const rules = networks.map((network) => firewallRules(network, this.masquerade));
    await restore({
      nat: rules.flatMap((rule) => rule.nat),
      filter: rules.flatMap((rule) => rule.filter),
    });
  }

  /** Removes every rule of the networks with these ids; none left is fine. */
  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const saved = await runWithInput('iptables-save', []);
    await restore(firewallDeletions(saved, ids));
  }
}

async function restore(tables: Tables): Promise<void> {
  const input = restoreInput(tables);
  if (input) await runWithInput('iptables-restore', ['--wait', '--noflush'], input);
}

/** Forwarding stays on afterwards, as Docker leaves it: other bridges may rely on it. */
async function enableForwarding(): Promise<void> {
  const current = await readFile(forwardingSysctl, 'utf8');
  if (current.trim() !== '1') await writeFile(forwardingSysctl, '1\n');
}
