import { Graph } from '@dagrejs/graphlib';
import { CYCLE_HINT, describeCycle, findDependencyCycle } from '../compose/dependency-cycle.js';
import { ComposeError } from '../compose/errors.js';
import type { DependencyCondition, Project } from '../compose/model.js';
import { serviceReferences } from '../compose/service-references.js';

/** What an edge waits for: depends_on's condition, or "started" for the other kinds. */
export interface DependencyEdge {
  condition: DependencyCondition;
  required: boolean;
  restart: boolean;
  /** How the dependency was written: "depends on", "links to", ... */
  relation: string;
}

/**
 * Services as nodes, an edge from each service to every service it needs first
 * (depends_on, links, `service:x` network/ipc/pid modes, volumes_from). References
 * to services outside the project (optional ones, dropped by profiles) add nothing.
 * A cycle is a ComposeError naming it.
 */
export function buildDependencyGraph(project: Project): Graph<unknown, string, DependencyEdge> {
  const graph = new Graph<unknown, string, DependencyEdge>({ directed: true });
  const names = Object.keys(project.services).sort();
  for (const name of names) graph.setNode(name, name);
  for (const name of names) {
    const service = project.services[name];
    for (const reference of serviceReferences(service)) {
      if (!graph.hasNode(reference.service) || graph.hasEdge(name, reference.service)) continue;
      const dependency = service.depends_on?.[reference.service];
      graph.setEdge(name, reference.service, {
        condition: dependency?.condition ?? 'service_started',
        required: dependency?.required ?? true,
        restart: dependency?.restart ?? false,
        relation: reference.relation,
      });
    }
  }
  const cycle = findDependencyCycle(project);
  if (cycle) {
    throw new ComposeError(`dependency cycle between services: ${describeCycle(cycle)}`, {
      hint: CYCLE_HINT,
    });
  }
  return graph;
}

/**
 * Start order for parallel startup: level 1 holds the services that need nothing,
 * each next level the services whose dependencies all sit in earlier levels.
 * Names are sorted within a level so the order is stable.
 */
export function startLevels(graph: Graph<unknown, string, DependencyEdge>): string[][] {
  const placed = new Set<string>();
  const levels: string[][] = [];
  let remaining = graph.nodes();
  while (remaining.length > 0) {
    const level = remaining
      .filter((node) =>
        (graph.successors(node) ?? []).every((dependency) => placed.has(dependency)),
      )
      .sort();
    if (level.length === 0) throw new Error('startLevels needs an acyclic graph');
    for (const node of level) placed.add(node);
    levels.push(level);
    remaining = remaining.filter((node) => !placed.has(node));
  }
  return levels;
}

/** Stop order: dependents before what they depend on, the start levels reversed. */
export function stopLevels(graph: Graph<unknown, string, DependencyEdge>): string[][] {
  return startLevels(graph).reverse();
}
