/**
 * A container's /etc/resolv.conf. On a bridge network the nameserver is the network's DNS
 * server (its gateway); user `dns:` servers replace it; `dns_search` and `dns_opt` replace
 * the host's search domains and options. Without a network (network_mode none/host) the
 * host's nameservers are kept.
 */
export interface ResolvConfInput {
  /** Gateway of the container's first bridge network, where our DNS server listens. */
  gateway?: string;
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** The host's /etc/resolv.conf, for defaults. */
  hostResolvConf?: string;
}

interface ResolvSettings {
  nameservers: string[];
  search: string[];
  options: string[];
}

export function parseResolvConf(text: string): ResolvSettings {
  const settings: ResolvSettings = { nameservers: [], search: [], options: [] };
  for (const line of text.split('\n')) {
    const [keyword, ...values] = line
      .replace(/[#;].*/, '')
      .trim()
      .split(/\s+/);
    if (keyword === 'nameserver' && values[0]) settings.nameservers.push(values[0]);
    if (keyword === 'search' || keyword === 'domain') settings.search = values;
    if (keyword === 'options') settings.options.push(...values);
  }
  return settings;
}

export function resolvConf(input: ResolvConfInput): string {
  const host = parseResolvConf(input.hostResolvConf ?? '');
  const nameservers = input.dns?.length
    ? input.dns
    : input.gateway
      ? [input.gateway]
      : host.nameservers;
  const search = input.dnsSearch ?? host.search;
  const options = input.dnsOptions ?? host.options;
  return [
    ...nameservers.map((server) => `nameserver ${server}`),
    ...(search.length ? [`search ${search.join(' ')}`] : []),
    ...(options.length ? [`options ${options.join(' ')}`] : []),
    '',
  ].join('\n');
}
