import type { Project } from './model.js';
import { type ServiceReference, serviceReferences } from './service-references.js';

/**
 * The first cycle of service references a depth-first walk meets, as the chain of
 * references that closes it (a -> b -> c -> a), or undefined when there is none.
 * References to services outside the project are not followed.
 */
export function findDependencyCycle(project: Project): ServiceReference[] | undefined {
  // Whether there is a cycle does not depend on the order of the walk, and most projects
  // have none: a walk in written order answers that, and only then does a walk in name
  // order (localeCompare costs tens of ms on first use) pick the cycle to report.
  if (!walkToCycle(project, (references) => references)) return undefined;
  return walkToCycle(project, (references) =>
    references.sort((a, b) => a.service.localeCompare(b.service)),
  );
}

function walkToCycle(
  project: Project,
  order: (references: ServiceReference[]) => ServiceReference[],
): ServiceReference[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const chain: ServiceReference[] = [];
  const visiting: string[] = [];
  const visit = (name: string): ServiceReference[] | undefined => {
    state.set(name, 'visiting');
    visiting.push(name);
    const references = order(
      serviceReferences(project.services[name]).filter(
        (reference) => project.services[reference.service],
      ),
    );
    for (const reference of references) {
      chain.push(reference);
      if (state.get(reference.service) === 'visiting') {
        return chain.slice(visiting.indexOf(reference.service));
      }
      if (state.get(reference.service) === undefined) {
        const found = visit(reference.service);
        if (found) return found;
      }
      chain.pop();
    }
    visiting.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(project.services).sort()) {
    if (state.get(name) !== undefined) continue;
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

export const CYCLE_HINT = 'break it by removing one of these dependencies';

/** "a -> b -> c -> a" for a cycle from findDependencyCycle. */
export function describeCycle(cycle: ServiceReference[]): string {
  const first = cycle[0].path[1] as string;
  return [first, ...cycle.map((reference) => reference.service)].join(' -> ');
}
