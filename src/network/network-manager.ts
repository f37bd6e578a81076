import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { badParameter, conflict, notFound } from '../errors/engine-error.js';
import { type Upstream, upstreamsFromResolvConf } from './dns-forwarder.js';
import { DnsRegistry } from './dns-records.js';
import { DnsServer } from './dns-server.js';
import type { FirewallNetwork } from './firewall-backend.js';
import { hostLinks } from './host-link-queue.js';
import { hostRoutes } from './host-routes.js';
import { ipBatch } from './ip-batch.js';
import {
  allocateAddress,
  type IpamRequest,
  macForAddress,
  overlaps,
  parseSubnet,
  planNetwork,
  type Subnet,
} from './ipam.js';
import {
  type AttachmentSpec,
  containerAttachLines,
  createBridgeLines,
  defaultRouteLine,
  deleteLinkLines,
  hostAttachLines,
} from './link-commands.js';
import { bridgeName, containerIfname, vethName } from './names.js';
import { createNetns, destroyNetns } from './netns.js';
import type { NetworkFirewall } from './network-firewall.js';
import {
  type EndpointNames,
  type EndpointRecord,
  type NetworkRecord,
  NetworkStore,
} from './network-store.js';

export interface NetworkManagerOptions {
  /** Where network records are kept (one JSON file per network). */
  stateDir: string;
  /** Resolvers for names that are not ours; default: the host's /etc/resolv.conf. */
  upstreams?: Upstream[];
  /** Port of the per-network DNS servers (53; tests may pick another). */
  dnsPort?: number;
  dnsTimeoutMs?: number;
  /** Domains answered locally only (NXDOMAIN when unknown), e.g. project names. */
  localDomains?: string[];
  /** Default MTU of new networks. */
  mtu?: number;
  /** Isolation and outbound NAT rules (NetworkFirewall.detect()); no rules when absent. */
  firewall?: NetworkFirewall;
  /** Told of what failed in work no caller waits for (host links a release left behind). */
  warn?: (error: Error, message: string) => void;
}

export interface CreateNetworkRequest {
  name: string;
  driver?: string;
  labels?: Record<string, string>;
  /** Driver options; `com.docker.network.driver.mtu` sets the MTU. */
  options?: Record<string, string>;
  internal?: boolean;
  attachable?: boolean;
  ipam?: IpamRequest;
}

/** One network to attach a container to. */
export interface Attachment {
  /** Network id, name or unique id prefix. */
  network: string;
  /** `ipv4_address` / IPAMConfig.IPv4Address; allocated from the network's range when absent. */
  ipv4Address?: string;
  dns: EndpointNames;
}

const mtuOption = 'com.docker.network.driver.mtu';

/**
 * Bridge networks of one engine: their records, links, addresses and DNS servers. Every
 * change to records is serialized; kernel work (ip processes) runs outside that lock, so
 * many containers attach in parallel.
 */
export class NetworkManager {
  readonly registry = new DnsRegistry();
  private readonly store: NetworkStore;
  private readonly records = new Map<string, NetworkRecord>();
  private readonly dnsServers = new Map<string, DnsServer>();
  private readonly upstreams: Upstream[];
  private queue: Promise<unknown> = Promise.resolve();
  /** Host ends of released endpoints still going away (see release), by interface name. */
  private readonly linkCleanups = new Map<string, Promise<void>>();
  /** Record writes no caller waits for (see release); close waits for them. */
  private readonly pendingSaves = new Set<Promise<void>>();

  private constructor(private readonly options: NetworkManagerOptions) {
    this.store = new NetworkStore(options.stateDir);
    this.upstreams = options.upstreams ?? hostUpstreams();
  }

  /**
   * Loads the stored networks and brings each back: its bridge (recreated after a reboot),
   * its DNS server, and the endpoints whose namespace still exists.
   */
  static async open(options: NetworkManagerOptions): Promise<NetworkManager> {
    const manager = new NetworkManager(options);
    try {
      for (const record of await manager.store.loadAll()) {
        if (!existsSync(`/sys/class/net/${record.bridge}`)) {
          await ipBatch(createBridgeLines(bridgeSpec(record)));
        }
        for (const [containerId, endpoint] of Object.entries(record.endpoints)) {
          if (existsSync(endpoint.sandbox)) continue;
          delete record.endpoints[containerId];
        }
        await manager.store.save(record);
        manager.records.set(record.id, record);
        manager.registerEndpoints(record);
        manager.dnsServers.set(record.id, await manager.startDns(record));
      }
      const records = manager.list();
      await options.firewall?.remove(records.map((record) => record.id));
      await options.firewall?.add(records.map(firewallNetwork));
    } catch (error) {
      // Nothing started here may outlive a failed open: DNS servers and rules go again.
      await manager.close().catch(() => undefined);
      throw error;
    }
    return manager;
  }

  list(): NetworkRecord[] {
    return [...this.records.values()];
  }

  /** By full id, then name, then unique id prefix, as Docker looks networks up. */
  inspect(idOrName: string): NetworkRecord {
    const records = this.list();
    const found =
      records.find((record) => record.id === idOrName) ??
      records.find((record) => record.name === idOrName) ??
      uniquePrefix(records, idOrName);
    if (!found) throw notFound(`network ${idOrName} not found`);
    return found;
  }

  async create(request: CreateNetworkRequest): Promise<NetworkRecord> {
    return this.serialized(async () => {
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(request.name)) {
        throw badParameter(`invalid network name ${JSON.stringify(request.name)}`);
      }
      if (request.driver && request.driver !== 'bridge') {
        throw badParameter(`network ${request.name}: driver ${request.driver} is not supported`);
      }
      if (this.list().some((record) => record.name === request.name)) {
        throw conflict(`network with name ${request.name} already exists`);
      }
      const id = randomBytes(32).toString('hex');
      const options = request.options ?? {};
      const mtu = Number(options[mtuOption] ?? this.options.mtu ?? 1500);
      if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) {
        throw badParameter(`network ${request.name}: invalid MTU ${options[mtuOption]}`);
      }
      const record: NetworkRecord = {
        id,
        name: request.name,
        driver: 'bridge',
        created: new Date().toISOString(),
        labels: request.labels ?? {},
        options,
        internal: request.internal ?? false,
        attachable: request.attachable ?? false,
        ipam: { subnet: '', gateway: '' },
        bridge: bridgeName(id),
        mtu,
        endpoints: {},
      };
      await this.createBridge(record, request.ipam ?? {});
      try {
        this.dnsServers.set(id, await this.startDns(record));
        await this.options.firewall?.add([firewallNetwork(record)]);
        await this.store.save(record);
      } catch (error) {
        await this.dnsServers.get(id)?.close();
        this.dnsServers.delete(id);
        await this.options.firewall?.remove([id]).catch(() => undefined);
        await removeLinks([record.bridge]);
        throw error;
      }
      this.records.set(id, record);
      return record;
    });
  }

  /**
   * Picks a subnet and creates the bridge on it. Another engine may take the same free subnet
   * at the same moment: after adding our address we look at the host routes again, and on an
   * overlap we step back and try the next subnet (both sides may step back; neither keeps a clash).
   */
  private async createBridge(record: NetworkRecord, request: IpamRequest): Promise<void> {
    const avoided: Subnet[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      const used = [...(await this.usedSubnets()), ...avoided];
      record.ipam = planNetwork(request, used);
      await ipBatch(createBridgeLines(bridgeSpec(record))).catch(async (error) => {
        await removeLinks([record.bridge]);
        throw error;
      });
      const subnet = parseSubnet(record.ipam.subnet);
      const clash = (await hostRoutes()).some(
        (route) => route.dev !== record.bridge && overlaps(route.subnet, subnet),
      );
      if (!clash) return;
      await removeLinks([record.bridge]);
      if (request.subnet) break;
      avoided.push(subnet);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 50));
    }
    throw conflict(`network ${record.name}: its subnet is already in use on this host`);
  }

  private async usedSubnets(): Promise<Subnet[]> {
    const routed = (await hostRoutes()).map((route) => route.subnet);
    const ours = this.list().map((record) => parseSubnet(record.ipam.subnet));
    return [...routed, ...ours];
  }

  /** Refused while containers are attached, as Docker refuses it. */
  async remove(idOrName: string): Promise<void> {
    await this.linksReleased();
    await this.serialized(async () => {
      const record = this.inspect(idOrName);
      if (Object.keys(record.endpoints).length > 0) {
        throw conflict(
          `error while removing network: network ${record.name} id ${record.id} has active endpoints`,
        );
      }
      await this.dnsServers.get(record.id)?.close();
      this.dnsServers.delete(record.id);
      this.registry.removeNetwork(record.id);
      // Rules name the bridge but do not need it: both go at once (tens of ms each).
      await Promise.all([this.options.firewall?.remove([record.id]), removeLinks([record.bridge])]);
      await this.store.remove(record.id);
      this.records.delete(record.id);
    });
  }

  /**
   * Creates a container's network namespace at `sandbox` already attached to `attachments`
   * (see connect for what an attachment gets). The cheapest way to start a container: one
   * process builds the namespace and its links, host ends included (createNetns). With no
   * attachments it is a bare namespace with loopback only (network_mode: none).
   */
  async createSandbox(
    containerId: string,
    sandbox: string,
    attachments: Attachment[],
  ): Promise<EndpointRecord[]> {
    const build = (specs: AttachmentSpec[]) => createNetns(sandbox, specs);
    return this.attach(containerId, sandbox, attachments, build, { fresh: true });
  }

  /**
   * Attaches an existing namespace (a running container) to networks: one veth pair each
   * (eth0, eth1, … in the order given, after those it already has), address, MAC from the
   * address, and the default route through the first non-internal network unless it already
   * has one. One `ip` process in the namespace, plus a share of a host batch, whatever the
   * number of networks. Its names resolve on those networks as soon as this returns.
   */
  async connect(
    containerId: string,
    sandbox: string,
    attachments: Attachment[],
  ): Promise<EndpointRecord[]> {
    return this.attach(containerId, sandbox, attachments, async (specs) => {
      await hostLinks.submit(hostAttachLines(sandbox, specs));
      await ipBatch(containerAttachLines(specs), sandbox);
    });
  }

  /**
   * Reserves the endpoints, records them and builds their links. Links added to a running
   * container must be on record before they exist. A fresh namespace (`fresh`) is nobody's
   * until this returns, and the engine drops one a crash leaves behind when it opens again,
   * so its record is written while its links are built: under 50 concurrent starts that
   * write waits tens of milliseconds behind the others. On failure the links and a fresh
   * namespace go, and the addresses are free again.
   */
  private async attach(
    containerId: string,
    sandbox: string,
    attachments: Attachment[],
    build: (specs: AttachmentSpec[]) => Promise<void>,
    { fresh = false } = {},
  ): Promise<EndpointRecord[]> {
    const planned = await this.serialized(async () =>
      this.reserveEndpoints(containerId, sandbox, attachments),
    );
    const specs = planned.map(({ record, endpoint }) => attachmentSpec(record, endpoint));
    await this.linksReleased(specs.map((spec) => spec.hostIfname));
    const saved = this.saveRecords(planned);
    if (!fresh) {
      await saved.catch(async (error) => {
        await this.serialized(async () => this.dropEndpoints(planned));
        throw error;
      });
    }
    const failed = (await Promise.allSettled([build(specs), saved])).find(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    );
    if (failed) {
      if (fresh) await destroyNetns(sandbox);
      await removeLinks(specs.map((spec) => spec.hostIfname));
      await this.serialized(async () => this.dropEndpoints(planned));
      await this.saveRecords(planned);
      throw failed.reason;
    }
    for (const { record, endpoint } of planned) {
      this.registry.addEndpoint(record.id, containerId, endpoint.address, endpoint.dns);
    }
    return planned.map(({ endpoint }) => endpoint);
  }

  /** Picks interface names and addresses, in memory only: the caller saves the records. */
  private reserveEndpoints(containerId: string, sandbox: string, attachments: Attachment[]) {
    const records = attachments.map((attachment) => this.inspect(attachment.network));
    const existing = this.endpointsOf(containerId);
    const usedNames = new Set(existing.map(({ endpoint }) => endpoint.ifname));
    let hasDefault = existing.some(({ endpoint }) => endpoint.defaultRoute);
    let index = 0;
    const planned: { record: NetworkRecord; endpoint: EndpointRecord }[] = [];
    for (const [position, record] of records.entries()) {
      if (record.endpoints[containerId] || planned.some((p) => p.record === record)) {
        throw conflict(
          `endpoint with name ${attachments[position].dns.name} already exists in network ${record.name}`,
        );
      }
      while (usedNames.has(containerIfname(index))) index++;
      const ifname = containerIfname(index);
      usedNames.add(ifname);
      const taken = new Set(Object.values(record.endpoints).map((endpoint) => endpoint.address));
      const address = allocateAddress(record.ipam, taken, attachments[position].ipv4Address);
      const defaultRoute = !hasDefault && !record.internal;
      hasDefault ||= defaultRoute;
      const endpoint: EndpointRecord = {
        containerId,
        sandbox,
        ifname,
        hostIfname: vethName(sandbox, record.id),
        address,
        mac: macForAddress(address),
        defaultRoute,
        dns: attachments[position].dns,
      };
      planned.push({ record, endpoint });
    }
    for (const { record, endpoint } of planned) record.endpoints[containerId] = endpoint;
    return planned;
  }

  /** Forgets endpoints in memory (names leave DNS at once); the caller saves the records. */
  private dropEndpoints(planned: { record: NetworkRecord; endpoint: EndpointRecord }[]): void {
    for (const { record, endpoint } of planned) {
      this.registry.removeEndpoint(record.id, endpoint.containerId);
      delete record.endpoints[endpoint.containerId];
    }
  }

  private async saveRecords(changed: { record: NetworkRecord }[]): Promise<void> {
    await Promise.all(
      [...new Set(changed.map(({ record }) => record))].map((record) => this.store.save(record)),
    );
  }

  private endpointsOf(containerId: string) {
    return this.list().flatMap((record) => {
      const endpoint = record.endpoints[containerId];
      return endpoint ? [{ record, endpoint }] : [];
    });
  }

  /**
   * Detaches a running container from one network: its veth goes, its names stop resolving
   * there, and when that network carried the default route it moves to another non-internal
   * network of the container.
   */
  async disconnect(containerId: string, network: string): Promise<void> {
    await this.serialized(async () => {
      const record = this.inspect(network);
      const endpoint = record.endpoints[containerId];
      if (!endpoint) {
        throw notFound(`container ${containerId} is not connected to network ${record.name}`);
      }
      this.registry.removeEndpoint(record.id, containerId);
      await removeLinks([endpoint.hostIfname]);
      this.dropEndpoints([{ record, endpoint }]);
      await this.saveRecords([{ record }]);
      if (!endpoint.defaultRoute) return;
      const next = this.endpointsOf(containerId).find((other) => !other.record.internal);
      if (!next) return;
      next.endpoint.defaultRoute = true;
      await this.store.save(next.record);
      // A namespace already gone (container stopped) has no routes to move.
      if (!existsSync(endpoint.sandbox)) return;
      await ipBatch(
        [defaultRouteLine(next.record.ipam.gateway, next.endpoint.ifname)],
        endpoint.sandbox,
      );
    });
  }

  /**
   * Releases every endpoint of a container (at stop or removal): its names leave DNS at once
   * and its addresses are free again. Destroy the namespace first when it goes too: the
   * kernel then removes its veths in one sweep, far cheaper than deleting them one by one;
   * release returns without waiting for that sweep, and deletes whatever it left afterwards
   * (or everything at once, when the namespace still exists); nor for its records' write.
   */
  async release(containerId: string): Promise<void> {
    const endpoints = await this.serialized(async () => {
      const found = this.endpointsOf(containerId);
      this.dropEndpoints(found);
      return found;
    });
    this.saveInBackground(endpoints, `networks left by container ${containerId} not saved`);
    const hostIfnames = endpoints.map(({ endpoint }) => endpoint.hostIfname);
    if (endpoints.every(({ endpoint }) => existsSync(endpoint.sandbox))) {
      await removeLinks(hostIfnames);
      return;
    }
    // The kernel's namespace teardown takes tens to hundreds of milliseconds; a stop does
    // not wait for it. What would reuse these names (the container starting again, the
    // network going, the engine closing) waits in linksReleased.
    const cleanup = linksGone(hostIfnames, 2000).then(() =>
      removeLinks(hostIfnames.filter(linkExists)),
    );
    const settled = cleanup.catch((error: Error) =>
      this.options.warn?.(error, `host links of container ${containerId} not removed`),
    );
    for (const ifname of hostIfnames) this.linkCleanups.set(ifname, settled);
    void settled.then(() => {
      for (const ifname of hostIfnames) {
        if (this.linkCleanups.get(ifname) === settled) this.linkCleanups.delete(ifname);
      }
    });
  }

  /**
   * A release does not wait for its records to be written: they only matter to the next
   * open, which drops endpoints whose namespace is gone anyway, and under 50 stops at once
   * a write waits for the one before it (each a new file on the disk).
   */
  private saveInBackground(changed: { record: NetworkRecord }[], message: string): void {
    const settled = this.saveRecords(changed).catch((error: Error) =>
      this.options.warn?.(error, message),
    );
    this.pendingSaves.add(settled);
    void settled.then(() => this.pendingSaves.delete(settled));
  }

  /** Waits until the given host ends (all released ones, without names) are gone. */
  async linksReleased(hostIfnames?: string[]): Promise<void> {
    const pending = hostIfnames
      ? hostIfnames.map((ifname) => this.linkCleanups.get(ifname))
      : [...this.linkCleanups.values()];
    await Promise.all(pending);
  }

  /**
   * Engine shutdown: DNS servers stop and firewall rules go (open adds them again); bridges
   * and records stay for the next start.
   */
  async close(): Promise<void> {
    await Promise.all([this.linksReleased(), ...this.pendingSaves]);
    await this.serialized(async () => {
      await Promise.all([...this.dnsServers.values()].map((server) => server.close()));
      this.dnsServers.clear();
      await this.options.firewall?.remove(this.list().map((record) => record.id));
    });
  }

  private registerEndpoints(record: NetworkRecord): void {
    for (const endpoint of Object.values(record.endpoints)) {
      this.registry.addEndpoint(record.id, endpoint.containerId, endpoint.address, endpoint.dns);
    }
  }

  private startDns(record: NetworkRecord): Promise<DnsServer> {
    return DnsServer.start({
      networkId: record.id,
      address: record.ipam.gateway,
      port: this.options.dnsPort,
      registry: this.registry,
      upstreams: this.upstreams,
      timeoutMs: this.options.dnsTimeoutMs,
      localDomains: this.options.localDomains,
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** Deletes host links in the shared batch; links already gone are fine. */
function removeLinks(ifnames: string[]): Promise<void> {
  return hostLinks.submit(deleteLinkLines(ifnames), { ignoreMissing: true });
}

const linkExists = (ifname: string) => existsSync(`/sys/class/net/${ifname}`);

/** Waits until the kernel has removed the links (namespace teardown is asynchronous). */
async function linksGone(ifnames: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (ifnames.some(linkExists)) {
    if (Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Docker's driver option turns masquerade off for one network. */
const masqueradeOption = 'com.docker.network.bridge.enable_ip_masquerade';

function firewallNetwork(record: NetworkRecord): FirewallNetwork {
  const { id, name, bridge, internal } = record;
  const masquerade = record.options[masqueradeOption] !== 'false';
  return { id, name, bridge, internal, masquerade, subnet: record.ipam.subnet };
}

function bridgeSpec(record: NetworkRecord) {
  return {
    bridge: record.bridge,
    gateway: record.ipam.gateway,
    prefix: parseSubnet(record.ipam.subnet).prefix,
    mtu: record.mtu,
  };
}

function attachmentSpec(record: NetworkRecord, endpoint: EndpointRecord): AttachmentSpec {
  return {
    bridge: record.bridge,
    hostIfname: endpoint.hostIfname,
    ifname: endpoint.ifname,
    address: endpoint.address,
    prefix: parseSubnet(record.ipam.subnet).prefix,
    mac: endpoint.mac,
    mtu: record.mtu,
    defaultGateway: endpoint.defaultRoute ? record.ipam.gateway : undefined,
  };
}

function uniquePrefix(records: NetworkRecord[], prefix: string): NetworkRecord | undefined {
  const matches = records.filter((record) => record.id.startsWith(prefix));
  if (matches.length > 1)
    throw badParameter(`network ${prefix} is ambiguous (${matches.length} matches)`);
  return matches[0];
}

function hostUpstreams(): Upstream[] {
  try {
    return upstreamsFromResolvConf(readFileSync('/etc/resolv.conf', 'utf8'));
  } catch {
    return [];
  }
}
