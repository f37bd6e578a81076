import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { badParameter, conflict, notFound } from '../../errors/engine-error.js';
import { upstreamsFromResolvConf } from '../../network/dns-forwarder.js';
import type { FirewallTool } from '../../network/firewall-backend.js';
import { useProgramRunner } from '../../network/ip-batch.js';
import { destroyNetns, listNetns } from '../../network/netns.js';
import { toApiEndpointSettings, toApiNetwork } from '../../network/network-api.js';
import { NetworkFirewall } from '../../network/network-firewall.js';
import { type Attachment, NetworkManager } from '../../network/network-manager.js';
import type { EndpointRecord, NetworkRecord } from '../../network/network-store.js';
import { PortProxy, requestsFromPortBindings } from '../../network/port-proxy.js';
import type { ContainerRecord, EndpointSettings } from '../containers/model.js';
import type { NetworkAttacher, NetworkPlan, NetworkSummary } from '../containers/network-attach.js';
import { runProgram } from '../containers/runtime.js';
import type { EventBus } from '../events.js';
import type { EnginePaths } from '../paths.js';
import { builtinNetwork, builtinNetworks } from './builtin-networks.js';
import {
  attachmentFor,
  containerNetworkMode,
  defaultBridge,
  endpointsConfig,
  forgetNetwork,
  parseNetworkMode,
  portBindings,
  rememberNetwork,
} from './container-networks.js';

/**
 * Containers on bridge networks (src/network): each gets a network namespace of its own,
 * bind-mounted under the run dir, with one veth per network, its names in the networks'
 * DNS, and its published ports proxied from the host. `none` gets loopback only, `host` the
 * host's namespace, `container:X` the namespace of X.
 *
 * prepare and detach also keep the container's NetworkSettings.Ports (record.Ports) and
 * blank its addresses when it stops; the manager saves the record afterwards.
 */
export class BridgeAttacher implements NetworkAttacher {
  private readonly proxies = new Map<string, PortProxy>();
  private readonly preparing = new Map<string, Promise<unknown>>();
  private lookup: (reference: string) => ContainerRecord | undefined = () => undefined;

  private constructor(
    readonly networks: NetworkManager,
    private readonly sandboxDir: string,
    private readonly log: Logger,
    private readonly events: EventBus,
  ) {}

  /**
   * Loads the networks (bridges, DNS servers and firewall rules come back) and makes sure
   * `bridge` exists. Networks are kept apart by the host's iptables or nft (`firewall`
   * picks one; default: iptables when present), and with `ipMasquerade` (Docker's default)
   * non-internal networks reach out through NAT. The network library runs its programs
   * through the engine's spawner from then on.
   */
  static async open(
    paths: EnginePaths,
    log: Logger,
    options: { events: EventBus; ipMasquerade: boolean; firewall?: FirewallTool },
  ): Promise<BridgeAttacher> {
    useProgramRunner(runProgram);
    const firewall = await NetworkFirewall.detect({
      masquerade: options.ipMasquerade,
      tools: options.firewall && [options.firewall],
    });
    if (!firewall) {
      log.info(
        `no ${options.firewall ?? 'iptables or nft'} on this host: no network isolation rules and no outbound NAT`,
      );
    }
    const networks = await NetworkManager.open({
      stateDir: join(paths.root, 'networks'),
      firewall,
      warn: (error, message) => log.warn({ err: error }, message),
    });
    if (!networks.list().some((record) => record.name === defaultBridge)) {
      await networks.create({
        name: defaultBridge,
        options: { 'com.docker.network.bridge.default_bridge': 'true' },
      });
    }
    return new BridgeAttacher(networks, join(paths.run, 'netns'), log, options.events);
  }

  /** How `container:X` modes find X; the container manager is made after the attacher. */
  useContainerLookup(lookup: (reference: string) => ContainerRecord | undefined): void {
    this.lookup = lookup;
  }

  sandboxPath(containerId: string): string {
    return join(this.sandboxDir, containerId.slice(0, 12));
  }

  checkMode(mode: string | undefined): void {
    const parsed = parseNetworkMode(mode);
    if (parsed.kind === 'network') this.networks.inspect(parsed.name);
  }

  async prepare(container: ContainerRecord): Promise<NetworkPlan> {
    const work = this.prepareNow(container);
    this.preparing.set(
      container.Id,
      work.catch(() => undefined),
    );
    try {
      return await work;
    } finally {
      this.preparing.delete(container.Id);
    }
  }

  private async prepareNow(container: ContainerRecord): Promise<NetworkPlan> {
    const mode = containerNetworkMode(container);
    container.Ports = {};
    switch (mode.kind) {
      case 'host':
        return {
          namespace: undefined,
          hosts: [],
          nameservers: hostNameservers(),
          networks: { host: { NetworkID: builtinNetwork('host').Id, IPAddress: '' } },
        };
      case 'none': {
        // Loopback only: tcrun makes the namespace (and brings lo up) as it creates the
        // container, so there is nothing to set up here nor to unmount at the end.
        return {
          namespace: {},
          hosts: [],
          nameservers: [],
          networks: { none: { NetworkID: builtinNetwork('none').Id, IPAddress: '' } },
        };
      }
      case 'container': {
        const target = this.lookup(mode.reference);
        if (!target) throw notFound(`No such container: ${mode.reference}`);
        if (!target.State.Running) {
          throw conflict(`cannot join network of a non running container: ${mode.reference}`);
        }
        return { ...this.sharedPlan(target), hosts: [], networks: {} };
      }
      case 'bridge':
        return this.prepareBridges(container, mode.networks);
    }
  }

  /** What a container joining `target`'s namespace gets: its namespace and nameserver. */
  private sharedPlan(target: ContainerRecord): Pick<NetworkPlan, 'namespace' | 'nameservers'> {
    const mode = containerNetworkMode(target);
    if (mode.kind === 'host') return { namespace: undefined, nameservers: hostNameservers() };
    if (mode.kind === 'container') {
      const next = this.lookup(mode.reference);
      if (!next) throw notFound(`No such container: ${mode.reference}`);
      return this.sharedPlan(next);
    }
    if (mode.kind === 'none') {
      return { namespace: { path: `/proc/${target.State.Pid}/ns/net` }, nameservers: [] };
    }
    const first = this.endpointsOf(target.Id)[0];
    return {
      namespace: { path: this.sandboxPath(target.Id) },
      nameservers: first ? [first.record.ipam.gateway] : [],
    };
  }

  private async prepareBridges(container: ContainerRecord, names: string[]): Promise<NetworkPlan> {
    const records = names.map((name) => this.networks.inspect(name));
    const endpoints = await this.freshSandbox(
      container.Id,
      records.map((record) => attachmentFor(container, record.name)),
    );
    const [first] = endpoints;
    if (first) {
      await this.openProxy(container, first.address).catch(async (error) => {
        await this.dropSandbox(container.Id);
        throw error;
      });
    }
    const hostname = container.Config.Hostname || container.Id.slice(0, 12);
    for (const record of records) this.announce('connect', record, container.Id);
    return {
      namespace: { path: this.sandboxPath(container.Id) },
      hosts: first ? [`${first.address}\t${hostname}`] : [],
      nameservers: first ? [records[0].ipam.gateway] : [],
      networks: Object.fromEntries(
        records.map((record, index) => [
          record.name,
          this.endpointSettings(container, record, endpoints[index]),
        ]),
      ),
    };
  }

  /** Binds every published port before the container starts: a port in use fails the start. */
  private async openProxy(container: ContainerRecord, address: string): Promise<void> {
    const requests = requestsFromPortBindings(portBindings(container));
    if (requests.length === 0) return;
    const proxy = await PortProxy.open(address, requests);
    this.proxies.set(container.Id, proxy);
    container.Ports = proxy.toApiPorts();
  }

  /**
   * A new namespace at the container's sandbox path. What a crash or a failed teardown left
   * is cleared first: its endpoints, known in memory, and its namespace file, which makes
   * netns-create fail (it creates the file exclusively) and only then is dropped for a second
   * try. A start so costs no look into the run directory, where under 50 starts each lookup
   * waits behind the file creations holding the directory's lock (~1 ms apiece on ext4).
   */
  private async freshSandbox(
    containerId: string,
    attachments: Attachment[],
  ): Promise<EndpointRecord[]> {
    if (this.endpointsOf(containerId).length > 0) await this.networks.release(containerId);
    const path = this.sandboxPath(containerId);
    const create = () => this.networks.createSandbox(containerId, path, attachments);
    return create().catch(async (error: Error) => {
      if (!error.message.includes(`create ${path}: File exists`)) throw error;
      await this.dropSandbox(containerId);
      return create();
    });
  }

  /** The namespace goes first, so the kernel removes its veths in one sweep; then DNS and addresses. */
  private async dropSandbox(containerId: string): Promise<void> {
    await destroyNetns(this.sandboxPath(containerId));
    await this.networks.release(containerId);
  }

  private endpointsOf(containerId: string) {
    return this.networks.list().flatMap((record) => {
      const endpoint = record.endpoints[containerId];
      return endpoint ? [{ record, endpoint }] : [];
    });
  }

  private endpointSettings(
    container: ContainerRecord,
    record: NetworkRecord,
    endpoint: EndpointRecord,
  ): EndpointSettings {
    return {
      ...toApiEndpointSettings(record, endpoint),
      Aliases: endpointsConfig(container)[record.name]?.Aliases ?? null,
    };
  }

  /** After the container stopped: proxies close, the namespace goes, names leave DNS at once. */
  async detach(container: ContainerRecord): Promise<void> {
    await this.preparing.get(container.Id);
    const proxy = this.proxies.get(container.Id);
    this.proxies.delete(container.Id);
    await proxy?.close();
    const attached = this.endpointsOf(container.Id);
    // Only bridge mode has a namespace file of its own (container: mode uses another's).
    if (containerNetworkMode(container).kind === 'bridge') await this.dropSandbox(container.Id);
    else await this.networks.release(container.Id);
    for (const { record } of attached) this.announce('disconnect', record, container.Id);
    container.Ports = {};
    for (const [name, settings] of Object.entries(container.Networks)) {
      container.Networks[name] = {
        ...settings,
        EndpointID: '',
        Gateway: '',
        IPAddress: '',
        IPPrefixLen: 0,
        MacAddress: '',
      };
    }
  }

  listNetworks(): NetworkSummary[] {
    return [...this.networks.list().map(toApiNetwork), ...builtinNetworks()];
  }

  /** `GET /networks/{id}`: full id, name, then unique id prefix. */
  inspectNetwork(reference: string): NetworkSummary {
    const builtin = builtinNetworks().find(
      (network) => network.Name === reference || network.Id === reference,
    );
    return builtin ?? toApiNetwork(this.networks.inspect(reference));
  }

  /**
   * `POST /networks/{id}/connect`: a running container gets the veth now, a stopped one at
   * its next start. The caller saves the record.
   */
  async connect(
    container: ContainerRecord,
    reference: string,
    settings: EndpointSettings,
  ): Promise<NetworkRecord> {
    const mode = containerNetworkMode(container);
    if (mode.kind !== 'bridge') {
      throw badParameter(
        'container sharing network namespace with another container or host cannot be connected to any other network',
      );
    }
    const record = this.networks.inspect(reference);
    if (mode.networks.includes(record.name) && !container.State.Running) {
      throw conflict(
        `endpoint with name ${container.Name.slice(1)} already exists in network ${record.name}`,
      );
    }
    if (container.State.Running) {
      await this.networks.connect(container.Id, this.sandboxPath(container.Id), [
        attachmentFor(container, record.name, settings),
      ]);
      container.Networks[record.name] = this.endpointSettings(
        { ...container, NetworkingConfig: { EndpointsConfig: { [record.name]: settings } } },
        record,
        record.endpoints[container.Id],
      );
      this.announce('connect', record, container.Id);
    }
    rememberNetwork(container, record.name, settings);
    return record;
  }

  /** `POST /networks/{id}/disconnect`: the veth goes now (running) and at every next start. */
  async disconnect(container: ContainerRecord, reference: string): Promise<NetworkRecord> {
    const mode = containerNetworkMode(container);
    const record = this.networks.inspect(reference);
    const attached = Boolean(record.endpoints[container.Id]);
    if (mode.kind !== 'bridge' || (!mode.networks.includes(record.name) && !attached)) {
      throw badParameter(`container ${container.Id} is not connected to network ${record.name}`);
    }
    if (attached) {
      await this.networks.disconnect(container.Id, record.id);
      this.announce('disconnect', record, container.Id);
    }
    delete container.Networks[record.name];
    forgetNetwork(container, record.name);
    return record;
  }

  /** `network connect|disconnect` events, sent as the endpoint comes and goes, as Docker sends them. */
  private announce(
    action: 'connect' | 'disconnect',
    record: NetworkRecord,
    containerId: string,
  ): void {
    this.events.publish('network', action, record.id, {
      container: containerId,
      name: record.name,
      type: 'bridge',
    });
  }

  /**
   * After the engine restarted and recovered its containers: published ports of running
   * containers are bound again, and namespaces of containers no longer running go.
   */
  async restore(containers: ContainerRecord[]): Promise<void> {
    const running = new Map(
      containers
        .filter((container) => container.State.Running)
        .map((container) => [container.Id.slice(0, 12), container]),
    );
    for (const path of await listNetns(this.sandboxDir)) {
      const container = running.get(basename(path));
      if (!container) {
        await this.dropStale(path).catch((error) =>
          this.log.warn({ err: error, path }, 'stale namespace not removed'),
        );
        continue;
      }
      const address = this.endpointsOf(container.Id)[0]?.endpoint.address;
      const ports = container.Ports ?? {};
      if (!address || this.proxies.has(container.Id) || Object.keys(ports).length === 0) continue;
      await PortProxy.open(address, requestsFromPortBindings(ports)).then(
        (proxy) => this.proxies.set(container.Id, proxy),
        (error) => this.log.warn({ err: error, id: container.Id }, 'published ports not restored'),
      );
    }
  }

  private async dropStale(path: string): Promise<void> {
    await destroyNetns(path);
    const owners = this.networks
      .list()
      .flatMap((record) => Object.values(record.endpoints))
      .filter((endpoint) => endpoint.sandbox === path);
    for (const owner of owners) await this.networks.release(owner.containerId);
    this.log.info({ path }, 'removed the namespace of a container no longer running');
  }

  /**
   * Engine shutdown: proxies and DNS servers stop; running containers keep their links.
   * An idle default bridge goes entirely and is made afresh at the next open, so its
   * subnet is chosen again then (another engine may have taken it meanwhile); user
   * networks stay, holding their subnets, as Docker keeps them.
   */
  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.close()));
    this.proxies.clear();
    const bridge = this.networks.list().find((record) => record.name === defaultBridge);
    if (bridge && Object.keys(bridge.endpoints).length === 0) {
      await this.networks
        .remove(bridge.id)
        .catch((error) => this.log.warn({ err: error }, 'default bridge not removed'));
    }
    // A firewall rule that cannot be removed must not keep the engine from stopping.
    await this.networks
      .close()
      .catch((error) => this.log.warn({ err: error }, 'networks not closed cleanly'));
  }
}

/** `host` containers resolve as the host does. */
function hostNameservers(): string[] {
  try {
    return upstreamsFromResolvConf(readFileSync('/etc/resolv.conf', 'utf8')).map(
      (upstream) => upstream.host,
    );
  } catch {
    return [];
  }
}
