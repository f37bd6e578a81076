import { badParameter } from '../../errors/engine-error.js';
import type { Attachment } from '../../network/network-manager.js';
import type { ContainerRecord, EndpointSettings } from '../containers/model.js';

/** How a container joins the network, from its HostConfig.NetworkMode. */
export type NetworkMode =
  | { kind: 'none' }
  | { kind: 'host' }
  | { kind: 'container'; reference: string }
  /** Bridge networks, eth0 first. */
  | { kind: 'bridge'; networks: string[] };

export const defaultBridge = 'bridge';
const composeServiceLabel = 'com.docker.compose.service';

/** The mode itself, before looking at any network: '' and 'default' mean the bridge. */
export function parseNetworkMode(
  mode: string | undefined,
): NetworkMode | { kind: 'network'; name: string } {
  if (!mode || mode === 'default') return { kind: 'network', name: defaultBridge };
  if (mode === 'none' || mode === 'host') return { kind: mode };
  if (mode.startsWith('container:')) {
    const reference = mode.slice('container:'.length);
    if (!reference) throw badParameter('network mode container: needs a container name or id');
    return { kind: 'container', reference };
  }
  return { kind: 'network', name: mode };
}

/**
 * The container's mode with every network it is on: the mode's network first (unless it
 * was disconnected since), then the others in request order.
 */
export function containerNetworkMode(container: ContainerRecord): NetworkMode {
  const mode = parseNetworkMode(container.HostConfig.NetworkMode);
  if (mode.kind !== 'network') return mode;
  const others = Object.keys(endpointsConfig(container)).filter((name) => name !== mode.name);
  const gone = detachedNetworks(container);
  return {
    kind: 'bridge',
    networks: [mode.name, ...others].filter((name) => !gone.includes(name)),
  };
}

/**
 * NetworkingConfig as the engine keeps it. Disconnecting the network HostConfig.NetworkMode
 * names leaves the mode as it is (Docker keeps it too), so that network is listed in
 * Detached, and is not attached again at the next start unless connected again.
 */
interface KeptNetworkingConfig {
  EndpointsConfig?: Record<string, EndpointSettings> | null;
  Detached?: string[];
}

function detachedNetworks(container: ContainerRecord): string[] {
  return (container.NetworkingConfig as KeptNetworkingConfig | undefined)?.Detached ?? [];
}

/** After `network connect`: the network and its settings join the container's networks. */
export function rememberNetwork(
  container: ContainerRecord,
  network: string,
  settings: EndpointSettings,
): void {
  const kept: KeptNetworkingConfig = {
    EndpointsConfig: { ...endpointsConfig(container), [network]: settings },
  };
  const detached = detachedNetworks(container).filter((name) => name !== network);
  if (detached.length > 0) kept.Detached = detached;
  container.NetworkingConfig = kept;
}

/** After `network disconnect`: the network leaves the container's networks, its mode unchanged. */
export function forgetNetwork(container: ContainerRecord, network: string): void {
  const { [network]: _gone, ...rest } = endpointsConfig(container);
  const kept: KeptNetworkingConfig = { EndpointsConfig: rest };
  const mode = parseNetworkMode(container.HostConfig.NetworkMode);
  const detached = detachedNetworks(container).filter((name) => name !== network);
  if (mode.kind === 'network' && mode.name === network) detached.push(network);
  if (detached.length > 0) kept.Detached = detached;
  container.NetworkingConfig = kept;
}

/** EndpointsConfig by network name; the docker CLI calls the default bridge `default`. */
export function endpointsConfig(container: ContainerRecord): Record<string, EndpointSettings> {
  return Object.fromEntries(
    Object.entries(container.NetworkingConfig?.EndpointsConfig ?? {}).map(([name, settings]) => [
      name === 'default' ? defaultBridge : name,
      settings,
    ]),
  );
}

/** The requested aliases with the container's short id last, once (Docker answers it too). */
export function withShortIdAlias(aliases: string[] | null | undefined, id: string): string[] {
  const shortId = id.slice(0, 12);
  return [...(aliases ?? []).filter((alias) => alias !== shortId), shortId];
}

/**
 * What the container is called on one network: its name, hostname, compose service (all
 * replicas answer it), the requested aliases plus its short id (Docker answers both), and
 * its links.
 */
export function attachmentFor(
  container: ContainerRecord,
  network: string,
  settings: EndpointSettings = endpointsConfig(container)[network] ?? {},
): Attachment {
  const aliases = withShortIdAlias(settings.Aliases, container.Id);
  return {
    network,
    ipv4Address: settings.IPAMConfig?.IPv4Address || undefined,
    dns: {
      name: container.Name.replace(/^\//, ''),
      hostname: container.Config.Hostname || undefined,
      service: container.Config.Labels?.[composeServiceLabel],
      aliases,
      links: parseLinks(container.HostConfig.Links ?? []),
    },
  };
}

/** HostConfig.Links entries "name:alias" (either may carry Docker's leading slashes) as alias → name. */
export function parseLinks(links: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const link of links) {
    const [target, alias = target] = link.split(':');
    const name = target.replace(/^\//, '');
    result[alias.split('/').filter(Boolean).pop() ?? name] = name;
  }
  return result;
}

/** PortBindings plus, with PublishAllPorts, an ephemeral binding for every other exposed port. */
export function portBindings(
  container: ContainerRecord,
): Record<string, { HostIp?: string; HostPort?: string }[] | null> {
  const bindings = { ...(container.HostConfig.PortBindings ?? {}) };
  if (container.HostConfig.PublishAllPorts) {
    for (const port of Object.keys(container.Config.ExposedPorts ?? {})) bindings[port] ??= [{}];
  }
  return bindings;
}
