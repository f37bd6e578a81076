import { badParameter } from '../errors/engine-error.js';

/** A container's /etc/hosts and /etc/hostname: localhost, its own name, then `extra_hosts`. */
export interface HostsInput {
  hostname: string;
  /** `domainname`: the own line also carries hostname.domainname. */
  domainname?: string;
  /** The container's address on its first network; absent without a network. */
  address?: string;
  /** `extra_hosts` entries: "name:address" or "name=address" (IPv6 addresses keep their colons). */
  extraHosts?: string[];
}

export function parseExtraHost(entry: string): { name: string; address: string } {
  const separator = entry.includes('=') ? entry.indexOf('=') : entry.indexOf(':');
  const name = entry.slice(0, separator).trim();
  const address = entry
    .slice(separator + 1)
    .trim()
    .replace(/^\[(.*)\]$/, '$1');
  if (separator < 1 || !address) {
    throw badParameter(`invalid extra_hosts entry ${JSON.stringify(entry)}: expected name:address`);
  }
  return { name, address };
}

export function hostsFile(input: HostsInput): string {
  const ownNames = input.domainname
    ? `${input.hostname}.${input.domainname} ${input.hostname}`
    : input.hostname;
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    `${input.address ?? '127.0.1.1'}\t${ownNames}`,
    ...(input.extraHosts ?? [])
      .map(parseExtraHost)
      .map(({ name, address }) => `${address}\t${name}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}
