import type { Project, ServiceConfig } from '../compose/model.js';

/**
 * The labels Docker Compose puts on what it creates. Tools (docker compose itself,
 * IDEs, testcontainers) find a project's containers by them, so the keys and the
 * value formats are Compose's own.
 */
export const ComposeLabel = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  containerNumber: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  dependsOn: 'com.docker.compose.depends_on',
  image: 'com.docker.compose.image',
  version: 'com.docker.compose.version',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
} as const;

/** The Compose version we say we are compatible with, in `com.docker.compose.version`. */
export const COMPOSE_COMPAT_VERSION = '2.29.0';

/** `db:service_healthy:false,cache:service_started:true`, as Compose writes it. */
export function dependsOnLabel(service: ServiceConfig): string {
  return Object.entries(service.depends_on ?? {})
    .map(([name, dependency]) => `${name}:${dependency.condition}:${dependency.restart}`)
    .join(',');
}

export interface ContainerIdentity {
  service: ServiceConfig;
  number: number;
  configHash: string;
  oneoff: boolean;
}

/** Every label a service container carries: the user's, then Compose's. */
export function containerLabels(
  project: Project,
  identity: ContainerIdentity,
): Record<string, string> {
  const { service } = identity;
  return {
    ...service.labels,
    [ComposeLabel.project]: project.name,
    [ComposeLabel.service]: service.name,
    [ComposeLabel.containerNumber]: String(identity.number),
    [ComposeLabel.oneoff]: identity.oneoff ? 'True' : 'False',
    [ComposeLabel.configHash]: identity.configHash,
    [ComposeLabel.workingDir]: project.workingDir,
    [ComposeLabel.configFiles]: project.composeFiles.join(','),
    [ComposeLabel.dependsOn]: dependsOnLabel(service),
    [ComposeLabel.image]: service.image ?? '',
    [ComposeLabel.version]: COMPOSE_COMPAT_VERSION,
  };
}
