import { createHash } from 'node:crypto';

/**
 * Kernel interface names hold at most 15 bytes (IFNAMSIZ 16 with its NUL), so the names
 * of our links are prefixes plus a short hash of what they belong to. The prefixes let a
 * leak check find everything we made: `tc-` bridges, `tv` host ends of veth pairs.
 */

const hash = (text: string, length: number) =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

export const bridgePrefix = 'tc-';
export const vethPrefix = 'tv';

/** `tc-` + 10 hex of the network id. */
export function bridgeName(networkId: string): string {
  return `${bridgePrefix}${hash(networkId, 10)}`;
}

/** `tv` + 13 hex of (sandbox, network): one host end per attachment. */
export function vethName(sandbox: string, networkId: string): string {
  return `${vethPrefix}${hash(`${sandbox}\n${networkId}`, 13)}`;
}

/** The container end of the n-th attachment of a sandbox: eth0, eth1, … */
export function containerIfname(index: number): string {
  return `eth${index}`;
}
