import type { ContainerRecord, EndpointSettings } from '../containers/model.js';
import {
  containerNetworkMode,
  defaultBridge,
  endpointsConfig,
  withShortIdAlias,
} from './container-networks.js';

/** An endpoint of a network the container is on but not attached to (it does not run). */
function unattached(settings: EndpointSettings = {}): EndpointSettings {
  return {
    IPAMConfig: settings.IPAMConfig ?? null,
    Aliases: settings.Aliases ?? null,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    MacAddress: '',
  };
}

/**
 * NetworkSettings.Networks as `docker inspect` shows it: every network the container is
 * on, with its addresses while it runs and empty ones before (docker-compose 1.x reads a
 * created container's networks to decide whether to connect it). With `shortIdAlias`
 * (clients of API versions before 1.44), the container's short id is among the aliases
 * on user-defined networks, as Docker listed it there before DNSNames existed.
 */
export function inspectedNetworks(
  container: ContainerRecord,
  { shortIdAlias }: { shortIdAlias: boolean },
): Record<string, EndpointSettings> {
  const mode = containerNetworkMode(container);
  if (mode.kind !== 'bridge') return container.Networks;
  const configured = endpointsConfig(container);
  return Object.fromEntries(
    mode.networks.map((name) => {
      const settings = container.Networks[name] ?? unattached(configured[name]);
      if (!shortIdAlias || name === defaultBridge) return [name, settings];
      return [name, { ...settings, Aliases: withShortIdAlias(settings.Aliases, container.Id) }];
    }),
  );
}
