import { join } from 'node:path';
import { containerRunDir, type EnginePaths } from '../paths.js';
import type { ContainerRecord, EndpointSettings, PortMap } from './model.js';
import { networkModeName } from './network-attach.js';

function since(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 1) return 'Less than a second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return minutes === 1 ? 'About a minute' : `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return hours === 1 ? 'About an hour' : `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}

/** Docker's human status column: "Up 5 seconds", "Exited (0) 3 seconds ago", "Created". */
export function humanStatus(container: ContainerRecord, now = Date.now()): string {
  const state = container.State;
  if (state.Restarting) return `Restarting (${state.ExitCode}) ${since(state.FinishedAt, now)} ago`;
  if (state.Running) {
    const health =
      state.Health && state.Health.Status !== 'none'
        ? ` (${state.Health.Status === 'starting' ? 'health: starting' : state.Health.Status})`
        : '';
    return `Up ${since(state.StartedAt, now)}${state.Paused ? ' (Paused)' : ''}${health}`;
  }
  if (state.Status === 'created') return 'Created';
  if (state.Status === 'removing') return 'Removal In Progress';
  if (state.Dead) return 'Dead';
  return `Exited (${state.ExitCode}) ${since(state.FinishedAt, now)} ago`;
}

/** NetworkSettings.Ports: exposed ports (null) and, while running, their host bindings. */
function ports(container: ContainerRecord): Record<string, PortMap[string] | null> {
  return {
    ...Object.fromEntries(
      Object.keys(container.Config.ExposedPorts ?? {}).map((port) => [port, null]),
    ),
    ...container.Ports,
  };
}

/** The Ports column of a container list. */
function portList(container: ContainerRecord) {
  return Object.entries(container.Ports ?? {}).flatMap(([port, bindings]) => {
    const [privatePort, type = 'tcp'] = port.split('/');
    return bindings.map((binding) => ({
      IP: binding.HostIp,
      PrivatePort: Number(privatePort),
      PublicPort: Number(binding.HostPort),
      Type: type,
    }));
  });
}

function mounts(container: ContainerRecord) {
  return container.Mounts.map(({ Options: _options, ...point }) => point);
}

/**
 * The container as GET /containers/{id}/json shows it; `networks` is its
 * NetworkSettings.Networks (see inspectedNetworks).
 */
export function inspectContainer(
  container: ContainerRecord,
  paths: EnginePaths,
  networks: Record<string, EndpointSettings> = container.Networks,
): object {
  const dir = join(paths.containers, container.Id);
  const runDir = containerRunDir(paths, container.Id);
  return {
    Id: container.Id,
    Created: container.Created,
    Path: container.Path,
    Args: container.Args,
    State: container.State,
    Image: container.Image,
    ResolvConfPath: join(dir, 'resolv.conf'),
    HostnamePath: join(dir, 'hostname'),
    HostsPath: join(dir, 'hosts'),
    LogPath: container.LogPath,
    Name: container.Name,
    RestartCount: container.RestartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: {
      NetworkMode: networkModeName(container.HostConfig.NetworkMode),
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      LogConfig: { Type: 'json-file', Config: {} },
      ...container.HostConfig,
    },
    GraphDriver: { Name: 'overlay2', Data: { MergedDir: join(runDir, 'rootfs') } },
    Mounts: mounts(container),
    Config: { ...container.Config, Image: container.ImageName },
    NetworkSettings: {
      Bridge: '',
      SandboxID: '',
      SandboxKey: container.State.Pid ? `/proc/${container.State.Pid}/ns/net` : '',
      Ports: ports(container),
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      // As Docker does, the default bridge's endpoint is repeated at the top level.
      Gateway: container.Networks.bridge?.Gateway ?? '',
      IPAddress: container.Networks.bridge?.IPAddress ?? '',
      IPPrefixLen: container.Networks.bridge?.IPPrefixLen ?? 0,
      MacAddress: container.Networks.bridge?.MacAddress ?? '',
      Networks: networks,
    },
  };
}

/** The container as GET /containers/json lists it. */
export function summarizeContainer(container: ContainerRecord, now = Date.now()): object {
  return {
    Id: container.Id,
    Names: [container.Name],
    Image: container.ImageName,
    ImageID: container.Image,
    Command: [container.Path, ...container.Args].join(' '),
    Created: Math.floor(Date.parse(container.Created) / 1000),
    Ports: portList(container),
    Labels: container.Config.Labels ?? {},
    State: container.State.Status,
    Status: humanStatus(container, now),
    HostConfig: { NetworkMode: networkModeName(container.HostConfig.NetworkMode) },
    NetworkSettings: { Networks: container.Networks },
    Mounts: mounts(container),
  };
}
