import { type Project, type ServiceConfig, serviceScale } from '../compose/model.js';
import { ComposeLabel } from './compose-labels.js';
import { serviceConfigHash } from './config-hash.js';

/** A container as `up` sees it: what the engine lists, read through Compose's labels. */
export interface ObservedContainer {
  id: string;
  name: string;
  service: string;
  number: number;
  configHash: string;
  oneoff: boolean;
  /** created | running | paused | restarting | exited | dead */
  state: string;
}

/** The fields of a Docker API container summary (GET /containers/json) that matter here. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Labels: Record<string, string>;
  State: string;
}

/** Reads a listed container of `project`; undefined when it is not one of its containers. */
export function observeContainer(
  summary: ContainerSummary,
  project: string,
): ObservedContainer | undefined {
  const labels = summary.Labels ?? {};
  if (labels[ComposeLabel.project] !== project) return undefined;
  return {
    id: summary.Id,
    name: (summary.Names[0] ?? '').replace(/^\//, ''),
    service: labels[ComposeLabel.service] ?? '',
    number: Number.parseInt(labels[ComposeLabel.containerNumber] ?? '0', 10),
    configHash: labels[ComposeLabel.configHash] ?? '',
    oneoff: labels[ComposeLabel.oneoff] === 'True',
    state: summary.State,
  };
}

export type ContainerStep =
  | { action: 'create'; name: string; number: number }
  | { action: 'recreate'; name: string; number: number; container: ObservedContainer }
  | { action: 'start'; container: ObservedContainer }
  | { action: 'keep'; container: ObservedContainer }
  | { action: 'remove'; container: ObservedContainer };

export interface ServicePlan {
  service: string;
  configHash: string;
  steps: ContainerStep[];
}

export interface ConvergencePlan {
  services: ServicePlan[];
  /** Containers of the project whose service is no longer defined. */
  orphans: ObservedContainer[];
}

/** `diverged`: recreate what changed (default); `force`: --force-recreate; `never`: --no-recreate. */
export type RecreatePolicy = 'diverged' | 'force' | 'never';

export interface ConvergenceOptions {
  /** Services to converge; default: every enabled service. */
  services?: string[];
  /** --scale SERVICE=N overrides. */
  scale?: Record<string, number>;
  recreate?: RecreatePolicy;
}

/** `<project>-<service>-<n>`, or the service's container_name. */
export function containerName(project: Project, service: ServiceConfig, number: number): string {
  return service.container_name ?? `${project.name}-${service.name}-${number}`;
}

const isRunning = (container: ObservedContainer) =>
  container.state === 'running' || container.state === 'restarting';

/**
 * Which containers to keep when scaling down: up-to-date and running ones first,
 * then the lowest numbers, so the survivors are the ones least worth replacing.
 */
function keepOrder(configHash: string) {
  return (a: ObservedContainer, b: ObservedContainer) => {
    const rank = (c: ObservedContainer) =>
      (c.configHash === configHash ? 0 : 2) + (isRunning(c) ? 0 : 1);
    return rank(a) - rank(b) || a.number - b.number;
  };
}

function stepFor(
  container: ObservedContainer,
  configHash: string,
  recreate: RecreatePolicy,
): ContainerStep {
  const diverged = container.configHash !== configHash;
  if (recreate === 'force' || (recreate === 'diverged' && diverged)) {
    return { action: 'recreate', name: container.name, number: container.number, container };
  }
  return isRunning(container) ? { action: 'keep', container } : { action: 'start', container };
}

/** Numbers for new replicas: the gaps first, then above the highest in use. */
function freeNumbers(used: Set<number>, count: number): number[] {
  const numbers: number[] = [];
  for (let candidate = 1; numbers.length < count; candidate++) {
    if (!used.has(candidate)) numbers.push(candidate);
  }
  return numbers;
}

function planService(
  project: Project,
  service: ServiceConfig,
  existing: ObservedContainer[],
  options: ConvergenceOptions,
): ServicePlan {
  const configHash = serviceConfigHash(service);
  const wanted = options.scale?.[service.name] ?? serviceScale(service);
  const ordered = [...existing].sort(keepOrder(configHash));
  const kept = ordered.slice(0, wanted);
  const steps: ContainerStep[] = [
    ...kept
      .sort((a, b) => a.number - b.number)
      .map((container) => stepFor(container, configHash, options.recreate ?? 'diverged')),
    ...freeNumbers(new Set(kept.map((c) => c.number)), wanted - kept.length).map(
      (number): ContainerStep => ({
        action: 'create',
        name: containerName(project, service, number),
        number,
      }),
    ),
    ...ordered.slice(wanted).map((container): ContainerStep => ({ action: 'remove', container })),
  ];
  return { service: service.name, configHash, steps };
}

/**
 * What `up` must do to make the engine match the project: a pure function of the
 * desired model and the observed containers, so every decision is testable
 * without an engine.
 */
export function planConvergence(
  project: Project,
  observed: ObservedContainer[],
  options: ConvergenceOptions = {},
): ConvergencePlan {
  const services = options.services ?? Object.keys(project.services);
  const byService = new Map<string, ObservedContainer[]>();
  for (const container of observed) {
    if (container.oneoff) continue;
    byService.set(container.service, [...(byService.get(container.service) ?? []), container]);
  }
  const known = new Set([
    ...Object.keys(project.services),
    ...Object.keys(project.disabledServices),
  ]);
  return {
    services: services.map((name) =>
      planService(project, project.services[name], byService.get(name) ?? [], options),
    ),
    orphans: observed.filter((container) => !container.oneoff && !known.has(container.service)),
  };
}
