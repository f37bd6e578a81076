import type { Project } from '../compose/model.js';
import { type ObservedContainer, observeContainer } from './convergence-plan.js';
import type { ProjectEngine } from './project-engine.js';

/** The project's containers as the engine lists them now, one-off ones included. */
export async function observeProject(
  engine: ProjectEngine,
  project: Project,
): Promise<ObservedContainer[]> {
  return (await engine.containers(project.name))
    .map((summary) => observeContainer(summary, project.name))
    .filter((container): container is ObservedContainer => container !== undefined);
}

/** Whether a container still holds a process that stopping would end. */
export const isLive = (container: ObservedContainer) =>
  ['running', 'paused', 'restarting'].includes(container.state);
