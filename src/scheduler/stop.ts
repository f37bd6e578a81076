import type { Project } from '../compose/model.js';
import { buildDependencyGraph } from './dependency-graph.js';
import { walkGraph } from './graph-walk.js';
import { isLive, observeProject } from './observe-project.js';
import { type Reporter, reportStep } from './progress.js';
import type { ProjectEngine } from './project-engine.js';

export interface StopOptions {
  /** Only these services (default: all). */
  services?: string[];
  /** Seconds before a container that ignores its stop signal is killed. */
  timeout?: number;
  /** Kill at once instead (the second Ctrl-C of a foreground `up`). */
  kill?: boolean;
}

/** Stops running containers, dependents before what they depend on, the rest in parallel. */
export async function stopProject(
  engine: ProjectEngine,
  project: Project,
  options: StopOptions,
  report: Reporter,
): Promise<void> {
  const observed = await observeProject(engine, project);
  const wanted = (service: string) =>
    !options.services?.length || options.services.includes(service);
  await walkGraph(
    buildDependencyGraph(project),
    async (service) => {
      if (!wanted(service)) return;
      const live = observed.filter(
        (container) => container.service === service && isLive(container),
      );
      await Promise.all(
        live.map((container) =>
          options.kill
            ? reportStep(
                report,
                { kind: 'Container', name: container.name },
                ['Killing', 'Killed'],
                () => engine.kill(container.id),
              )
            : reportStep(
                report,
                { kind: 'Container', name: container.name },
                ['Stopping', 'Stopped'],
                () => engine.stop(container.id, options.timeout),
              ),
        ),
      );
    },
    'dependents-first',
  );
}
