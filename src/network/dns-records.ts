import type { EndpointNames } from './network-store.js';

interface DnsEndpoint {
  containerId: string;
  address: string;
  names: EndpointNames;
}

/** A DNS name as compared: lower case, no trailing dot. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function namesOf(endpoint: DnsEndpoint): string[] {
  const { name, hostname, service, aliases = [] } = endpoint.names;
  return [name, hostname, service, ...aliases]
    .filter((value): value is string => Boolean(value))
    .map(normalizeName);
}

/**
 * Who answers to which name on which network. The engine adds an endpoint when a container
 * starts on (or connects to) a network and removes it when it stops or disconnects; lookups
 * see the change at once. A name is visible only on the networks its container is attached
 * to. A service name answers with every replica, rotated one step per answer.
 */
export class DnsRegistry {
  private readonly networks = new Map<string, Map<string, DnsEndpoint>>();
  private readonly turns = new Map<string, number>();

  addEndpoint(networkId: string, containerId: string, address: string, names: EndpointNames): void {
    let endpoints = this.networks.get(networkId);
    if (!endpoints) {
      endpoints = new Map();
      this.networks.set(networkId, endpoints);
    }
    endpoints.set(containerId, { containerId, address, names });
  }

  removeEndpoint(networkId: string, containerId: string): void {
    this.networks.get(networkId)?.delete(containerId);
  }

  removeNetwork(networkId: string): void {
    this.networks.delete(networkId);
    for (const key of this.turns.keys()) {
      if (key.startsWith(`${networkId}\n`)) this.turns.delete(key);
    }
  }

  /**
   * The addresses `name` has on a network as seen by the client at `clientAddress` (whose
   * `links` aliases apply to it alone), or undefined when the name is unknown there.
   */
  resolve(networkId: string, name: string, clientAddress?: string): string[] | undefined {
    const endpoints = [...(this.networks.get(networkId)?.values() ?? [])];
    const wanted = this.followLink(endpoints, normalizeName(name), clientAddress);
    const addresses = [
      ...new Set(
        endpoints
          .filter((endpoint) => namesOf(endpoint).includes(wanted))
          .map((endpoint) => endpoint.address),
      ),
    ].sort(compareAddresses);
    if (addresses.length === 0) return undefined;
    return this.rotate(`${networkId}\n${wanted}`, addresses);
  }

  private followLink(endpoints: DnsEndpoint[], name: string, clientAddress?: string): string {
    const client = endpoints.find((endpoint) => endpoint.address === clientAddress);
    const links = Object.entries(client?.names.links ?? {});
    const target = links.find(([alias]) => normalizeName(alias) === name)?.[1];
    return target ? normalizeName(target) : name;
  }

  private rotate(key: string, addresses: string[]): string[] {
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    const shift = turn % addresses.length;
    return [...addresses.slice(shift), ...addresses.slice(0, shift)];
  }
}

function compareAddresses(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}
