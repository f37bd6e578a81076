import type { Project } from '../compose/model.js';
import { ComposeLabel } from '../scheduler/compose-labels.js';
import type { ContainerListing, ProjectEngine } from '../scheduler/project-engine.js';

export interface ContainerSelection {
  /** Only these services (default: all). */
  services?: string[];
  /** Also stopped containers (default: running ones only). */
  all?: boolean;
  /** Include one-off `run` containers. */
  oneoff?: boolean;
}

export const containerName = (container: ContainerListing) =>
  container.Names[0]?.replace(/^\//, '') ?? container.Id;

/** The project's containers a command acts on, sorted by name. */
export async function selectContainers(
  engine: ProjectEngine,
  project: Project,
  selection: ContainerSelection,
): Promise<ContainerListing[]> {
  const services = selection.services ?? [];
  return (await engine.containers(project.name))
    .filter((container) => selection.oneoff || container.Labels[ComposeLabel.oneoff] !== 'True')
    .filter(
      (container) =>
        services.length === 0 || services.includes(container.Labels[ComposeLabel.service]),
    )
    .filter((container) => selection.all || container.State === 'running')
    .sort((a, b) => containerName(a).localeCompare(containerName(b)));
}
