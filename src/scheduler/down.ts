import type { Project } from '../compose/model.js';
import type { ObservedContainer } from './convergence-plan.js';
import { buildDependencyGraph } from './dependency-graph.js';
import { walkGraph } from './graph-walk.js';
import { isLive, observeProject } from './observe-project.js';
import { type Reporter, reportStep } from './progress.js';
import type { ProjectEngine } from './project-engine.js';
import { removeResources } from './project-resources.js';

export interface DownOptions {
  /** -v: also remove named volumes and the containers' anonymous volumes. */
  volumes?: boolean;
  /** --remove-orphans: also remove containers of services no longer defined. */
  removeOrphans?: boolean;
  /** -t: seconds to wait for each container to stop before it is killed. */
  timeout?: number;
}

export interface DownResult {
  /** Orphans left in place (without --remove-orphans). */
  orphans: ObservedContainer[];
}

async function stopAndRemove(
  engine: ProjectEngine,
  container: ObservedContainer,
  options: DownOptions,
  report: Reporter,
): Promise<void> {
  const subject = { kind: 'Container' as const, name: container.name };
  if (isLive(container)) {
    await reportStep(report, subject, ['Stopping', 'Stopped'], () =>
      engine.stop(container.id, options.timeout),
    );
  }
  await reportStep(report, subject, ['Removing', 'Removed'], () =>
    engine.remove(container.id, { force: true, volumes: options.volumes }),
  );
}

/**
 * `down`: containers in reverse dependency order (everything independent in
 * parallel), then the project's networks, and its volumes only when asked.
 */
export async function downProject(
  engine: ProjectEngine,
  project: Project,
  options: DownOptions,
  report: Reporter,
): Promise<DownResult> {
  const observed = await observeProject(engine, project);
  const ofService = (service: string) =>
    observed.filter((container) => container.service === service);

  await walkGraph(
    buildDependencyGraph(project),
    async (service) => {
      await Promise.all(
        ofService(service).map((container) => stopAndRemove(engine, container, options, report)),
      );
    },
    'dependents-first',
  );

  const defined = new Set(Object.keys(project.services));
  const disabled = new Set(Object.keys(project.disabledServices));
  const rest = observed.filter((container) => !defined.has(container.service));
  const orphans = rest.filter((container) => !disabled.has(container.service));
  const removable = options.removeOrphans
    ? rest
    : rest.filter((container) => disabled.has(container.service));
  await Promise.all(
    removable.map((container) => stopAndRemove(engine, container, options, report)),
  );

  await removeResources(engine, project, { volumes: options.volumes === true }, report);
  return { orphans: options.removeOrphans ? [] : orphans };
}
