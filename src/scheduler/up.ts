import type { Project, ServiceConfig } from '../compose/model.js';
import { selectServices } from '../compose/select-services.js';
import { type BuildImagesOptions, buildImages, recreateRebuilt } from './build-images.js';
import { containerCreateBody } from './container-request.js';
import {
  type ContainerStep,
  type ObservedContainer,
  planConvergence,
  type RecreatePolicy,
  type ServicePlan,
} from './convergence-plan.js';
import { buildDependencyGraph, type DependencyEdge } from './dependency-graph.js';
import { waitForCondition } from './dependency-wait.js';
import { walkGraph } from './graph-walk.js';
import { observeProject } from './observe-project.js';
import { type Reporter, reportStep } from './progress.js';
import type { ProjectEngine } from './project-engine.js';
import { ensureResources } from './project-resources.js';

export interface UpOptions {
  /** Services named on the command line; default: all. */
  services?: string[];
  /** --no-deps: leave the named services' dependencies alone. */
  noDeps?: boolean;
  scale?: Record<string, number>;
  recreate?: RecreatePolicy;
  /** --no-start: create what is missing, start nothing. */
  noStart?: boolean;
  /** -t: seconds to wait for a container being replaced to stop. */
  timeout?: number;
  /** --remove-orphans: remove containers of services no longer defined. */
  removeOrphans?: boolean;
  /** Builds the images of services with `build:` before anything else; default: the missing ones. */
  build?: Omit<BuildImagesOptions, 'services'>;
}

export interface UpResult {
  /** Container names per service, in replica order. */
  containers: Record<string, string[]>;
  orphans: ObservedContainer[];
}

function liveName(step: ContainerStep): string {
  return step.action === 'create' || step.action === 'recreate' ? step.name : step.container.name;
}

/** Which container stands for a service in `service:x` references: its first replica. */
function primaryContainers(plans: ServicePlan[]): Map<string, string> {
  const primary = new Map<string, string>();
  for (const plan of plans) {
    const live = plan.steps.filter((step) => step.action !== 'remove').map(liveName);
    if (live[0]) primary.set(plan.service, live[0]);
  }
  return primary;
}

interface StepContext {
  engine: ProjectEngine;
  project: Project;
  service: ServiceConfig;
  configHash: string;
  containerOf: (service: string) => string;
  options: UpOptions;
  report: Reporter;
}

async function createAndStart(context: StepContext, name: string, number: number): Promise<void> {
  const { engine, project, service, report } = context;
  const body = containerCreateBody({ ...context, project, service, number });
  const id = await reportStep(report, { kind: 'Container', name }, ['Creating', 'Created'], () =>
    engine.createContainer(name, body),
  );
  if (!context.options.noStart) {
    await reportStep(report, { kind: 'Container', name }, ['Starting', 'Started'], () =>
      engine.start(id),
    );
  }
}

function removeContainer(engine: ProjectEngine, container: ObservedContainer, report: Reporter) {
  return reportStep(
    report,
    { kind: 'Container', name: container.name },
    ['Removing', 'Removed'],
    () => engine.remove(container.id, { force: true }),
  );
}

async function applyStep(context: StepContext, step: ContainerStep): Promise<void> {
  const { engine, report, options } = context;
  switch (step.action) {
    case 'keep':
      report({ kind: 'Container', name: step.container.name, status: 'Running', done: true });
      return;
    case 'start':
      if (options.noStart) return;
      await reportStep(
        report,
        { kind: 'Container', name: step.container.name },
        ['Starting', 'Started'],
        () => engine.start(step.container.id),
      );
      return;
    case 'remove':
      await removeContainer(engine, step.container, report);
      return;
    case 'recreate':
      await reportStep(
        report,
        { kind: 'Container', name: step.name },
        ['Recreate', 'Recreated'],
        async () => {
          await engine.stop(step.container.id, options.timeout);
          await engine.remove(step.container.id, { force: true });
        },
      );
      await createAndStart(context, step.name, step.number);
      return;
    case 'create':
      await createAndStart(context, step.name, step.number);
  }
}

/**
 * `up`: networks and volumes first, then each service as soon as its dependencies
 * meet their conditions, every independent service in parallel.
 */
export async function upProject(
  engine: ProjectEngine,
  project: Project,
  options: UpOptions,
  report: Reporter,
): Promise<UpResult> {
  const graph = buildDependencyGraph(project);
  const requested = options.services ?? [];
  const withDependencies = Object.keys(selectServices(project, requested).services);
  const services = options.noDeps && requested.length > 0 ? requested : withDependencies;
  const built = await buildImages(engine, project, {
    policy: 'missing',
    ...options.build,
    services,
  });
  const observed = await observeProject(engine, project);
  const plan = recreateRebuilt(
    planConvergence(project, observed, {
      services,
      scale: options.scale,
      recreate: options.recreate,
    }),
    built,
    options.recreate,
  );
  await ensureResources(engine, project, services, report);
  if (options.removeOrphans) {
    await Promise.all(plan.orphans.map((container) => removeContainer(engine, container, report)));
  }

  const plans = new Map(plan.services.map((servicePlan) => [servicePlan.service, servicePlan]));
  const primary = primaryContainers(plan.services);
  const containerOf = (service: string) => primary.get(service) ?? `${project.name}-${service}-1`;
  const liveContainers = (service: string) =>
    (plans.get(service)?.steps ?? []).filter((step) => step.action !== 'remove').map(liveName);

  for (const node of graph.nodes()) if (!plans.has(node)) graph.removeNode(node);
  await walkGraph(graph, async (name) => {
    const servicePlan = plans.get(name);
    if (!servicePlan) return;
    if (!options.noStart) {
      await Promise.all(
        (graph.outEdges(name) ?? []).map((edge) => {
          const dependency = graph.edge(edge) as DependencyEdge;
          return waitForCondition(engine, edge.w, liveContainers(edge.w), dependency.condition);
        }),
      );
    }
    const context: StepContext = {
      engine,
      project,
      service: project.services[name],
      configHash: servicePlan.configHash,
      containerOf,
      options,
      report,
    };
    await Promise.all(servicePlan.steps.map((step) => applyStep(context, step)));
  });

  return {
    containers: Object.fromEntries(services.map((service) => [service, liveContainers(service)])),
    orphans: options.removeOrphans ? [] : plan.orphans,
  };
}
