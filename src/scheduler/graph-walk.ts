import type { Graph } from '@dagrejs/graphlib';

/**
 * `dependencies-first` (up, start): a node is visited once everything it depends on
 * has been visited. `dependents-first` (down, stop): once everything that depends
 * on it has been visited.
 */
export type WalkDirection = 'dependencies-first' | 'dependents-first';

/**
 * Visits every node of an acyclic graph (edges point from a node to what it needs)
 * as early as its direction allows, everything independent in parallel: no level
 * waits for an unrelated slow node. After the first failure no new node starts;
 * the ones under way finish, then the first error is thrown.
 */
export async function walkGraph<E>(
  graph: Graph<unknown, string, E>,
  visit: (node: string) => Promise<void>,
  direction: WalkDirection = 'dependencies-first',
): Promise<void> {
  const waitsFor = (node: string) =>
    (direction === 'dependencies-first' ? graph.successors(node) : graph.predecessors(node)) ?? [];
  const done = new Set<string>();
  const started = new Set<string>();
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;

  const startReady = () => {
    if (failure) return;
    for (const node of graph.nodes().sort()) {
      if (started.has(node) || !waitsFor(node).every((other) => done.has(other))) continue;
      started.add(node);
      const task: Promise<void> = visit(node).then(
        () => {
          done.add(node);
          running.delete(task);
        },
        (error: unknown) => {
          failure ??= { error };
          running.delete(task);
        },
      );
      running.add(task);
    }
  };

  startReady();
  while (running.size > 0) {
    await Promise.race(running);
    startReady();
  }
  if (failure) throw failure.error;
}
