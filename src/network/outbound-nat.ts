import { readFile, writeFile } from 'node:fs/promises';
import { runWithInput } from './ip-batch.js';

/**
 * Outbound traffic from bridge networks, as Docker gives it: forwarding on, and for each
 * non-internal network a masquerade rule for its subnet leaving by any other interface,
 * plus FORWARD rules that let it out and its replies back in (a host whose FORWARD policy
 * is DROP would otherwise stop it). Rules carry a comment naming the network
 * (`tcompose:<id12>:<name>`), by which they are found and removed: with the network, and
 * for every network at engine shutdown. One `iptables-restore` applies or removes the rules
 * of many networks at once.
 *
 * ip_forward and the netfilter tables belong to the network namespace of the engine
 * process: an engine started in a namespace of its own (as the tests start it) changes
 * nothing on the host.
 */

/** What the rules of one network need. */
export interface NatNetwork {
  id: string;
  name: string;
  subnet: string;
  bridge: string;
}

type Tables = { nat: string[]; filter: string[] };

const forwardingSysctl = '/proc/sys/net/ipv4/ip_forward';

/** The comment on every rule of a network. */
export function natTag(network: Pick<NatNetwork, 'id' | 'name'>): string {
  return `tcompose:${network.id.slice(0, 12)}:${network.name}`;
}

/** The rules of one network, as iptables-restore lines (pure). */
export function natRules(network: NatNetwork): Tables {
  const { bridge, subnet } = network;
  const comment = `-m comment --comment ${natTag(network)}`;
  return {
    nat: [`-A POSTROUTING -s ${subnet} ! -o ${bridge} ${comment} -j MASQUERADE`],
    filter: [
      `-I FORWARD -i ${bridge} ! -o ${bridge} ${comment} -j ACCEPT`,
      `-I FORWARD -o ${bridge} -m conntrack --ctstate RELATED,ESTABLISHED ${comment} -j ACCEPT`,
    ],
  };
}

/**
 * From `iptables-save` output, the lines deleting each rule whose comment is a tag of one
 * of `ids` (pure). A rule is deleted by its full specification, so rules that other engines
 * add meanwhile are never touched.
 */
export function natDeletions(saved: string, ids: string[]): Tables {
  const prefixes = ids.map((id) => natTag({ id, name: '' }));
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

/** The masquerade of an engine's bridge networks through the host's iptables. */
export class OutboundNat {
  private constructor() {}

  /** undefined when the host has no iptables: outbound NAT is then left out. */
  static async detect(): Promise<OutboundNat | undefined> {
    try {
      await runWithInput('iptables-restore', ['--version']);
      return new OutboundNat();
    } catch {
      return undefined;
    }
  }

  /** Forwarding on, then the rules of `networks` (their old rules, if any, replaced). */
  async add(networks: NatNetwork[]): Promise<void> {
    if (networks.length === 0) return;
    await enableForwarding();
    await this.remove(networks.map((network) => network.id));
    const rules = networks.map(natRules);
    await restore({
      nat: rules.flatMap((rule) => rule.nat),
      filter: rules.flatMap((rule) => rule.filter),
    });
  }

  /** Removes every rule of the networks with these ids; none left is fine. */
  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const saved = await runWithInput('iptables-save', []);
    await restore(natDeletions(saved, ids));
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
