import { ComposeError } from '../compose/errors.js';
import type { NetworkConfig, Project, VolumeConfig } from '../compose/model.js';
import { COMPOSE_COMPAT_VERSION, ComposeLabel } from './compose-labels.js';
import { type Reporter, reportStep } from './progress.js';
import type { ProjectEngine } from './project-engine.js';

/** The project's networks and volumes that the given services use, by key. */
export function usedResources(project: Project, services: string[]) {
  const networks = new Set<string>();
  const volumes = new Set<string>();
  for (const name of services) {
    const service = project.services[name];
    for (const key of Object.keys(service.networks ?? {})) networks.add(key);
    for (const mount of service.volumes ?? []) {
      if (mount.type === 'volume' && mount.source && project.volumes[mount.source]) {
        volumes.add(mount.source);
      }
    }
  }
  return { networks: [...networks].sort(), volumes: [...volumes].sort() };
}

function ownerLabels(project: Project, label: string, key: string, own?: Record<string, string>) {
  return {
    ...own,
    [ComposeLabel.project]: project.name,
    [label]: key,
    [ComposeLabel.version]: COMPOSE_COMPAT_VERSION,
  };
}

function networkCreateBody(project: Project, key: string, network: NetworkConfig) {
  const ipamConfig = (network.ipam?.config ?? []).map((entry) => ({
    Subnet: entry.subnet,
    Gateway: entry.gateway,
    IPRange: entry.ip_range,
  }));
  return {
    Name: network.name,
    Driver: network.driver ?? 'bridge',
    Options: network.driver_opts ?? {},
    Internal: network.internal === true,
    Attachable: network.attachable === true,
    EnableIPv6: network.enable_ipv6 === true,
    IPAM: {
      Driver: network.ipam?.driver ?? 'default',
      Config: ipamConfig,
      Options: network.ipam?.options ?? {},
    },
    Labels: ownerLabels(project, ComposeLabel.network, key, network.labels),
  };
}

function volumeCreateBody(project: Project, key: string, volume: VolumeConfig) {
  return {
    Name: volume.name,
    Driver: volume.driver ?? 'local',
    DriverOpts: volume.driver_opts ?? {},
    Labels: ownerLabels(project, ComposeLabel.volume, key, volume.labels),
  };
}

function missingExternal(kind: string, key: string, name: string): ComposeError {
  return new ComposeError(`${kind} ${name} declared as external, but could not be found`, {
    path: [`${kind}s`, key],
    hint: `create it first, e.g. \`docker ${kind} create ${name}\``,
  });
}

/** Creates the networks and volumes the services need; external ones must already exist. */
export async function ensureResources(
  engine: ProjectEngine,
  project: Project,
  services: string[],
  report: Reporter,
): Promise<void> {
  const used = usedResources(project, services);
  await Promise.all([
    ...used.networks.map(async (key) => {
      const network = project.networks[key];
      if (await engine.network(network.name)) return;
      if (network.external) throw missingExternal('network', key, network.name);
      await reportStep(
        report,
        { kind: 'Network', name: network.name },
        ['Creating', 'Created'],
        () => engine.createNetwork(networkCreateBody(project, key, network)),
      );
    }),
    ...used.volumes.map(async (key) => {
      const volume = project.volumes[key];
      if (await engine.volume(volume.name)) return;
      if (volume.external) throw missingExternal('volume', key, volume.name);
      await reportStep(report, { kind: 'Volume', name: volume.name }, ['Creating', 'Created'], () =>
        engine.createVolume(volumeCreateBody(project, key, volume)),
      );
    }),
  ]);
}

/** Removes the project's own networks (and with `volumes`, its named volumes), never external ones. */
export async function removeResources(
  engine: ProjectEngine,
  project: Project,
  options: { volumes: boolean },
  report: Reporter,
): Promise<void> {
  const owned = <T extends { name: string; external?: boolean }>(all: Record<string, T>) =>
    Object.values(all).filter((resource) => !resource.external);
  // Volumes stay unless asked for: no need to list them then.
  const [networks, volumes] = await Promise.all([
    engine.networks(project.name),
    options.volumes ? engine.volumes(project.name) : [],
  ]);
  const present = (list: { Name: string }[], name: string) =>
    list.some((item) => item.Name === name);
  await Promise.all([
    ...owned(project.networks)
      .filter((network) => present(networks, network.name))
      .map((network) =>
        reportStep(report, { kind: 'Network', name: network.name }, ['Removing', 'Removed'], () =>
          engine.removeNetwork(network.name),
        ),
      ),
    ...(options.volumes ? owned(project.volumes) : [])
      .filter((volume) => present(volumes, volume.name))
      .map((volume) =>
        reportStep(report, { kind: 'Volume', name: volume.name }, ['Removing', 'Removed'], () =>
          engine.removeVolume(volume.name),
        ),
      ),
  ]);
}
