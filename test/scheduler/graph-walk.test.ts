import { Graph } from '@dagrejs/graphlib';
import { describe, expect, it } from 'vitest';
import { walkGraph } from '../../src/scheduler/graph-walk.js';

/** Edges point from a node to what it needs: web -> api -> db, web -> cache. */
function stack(): Graph<unknown, string, unknown> {
  const graph = new Graph<unknown, string, unknown>({ directed: true });
  for (const node of ['web', 'api', 'db', 'cache', 'lonely']) graph.setNode(node);
  graph.setEdge('web', 'api');
  graph.setEdge('api', 'db');
  graph.setEdge('web', 'cache');
  return graph;
}

/** A visit that only finishes when the test releases it, so order is observable. */
function controlledVisits() {
  const log: string[] = [];
  const release = new Map<string, () => void>();
  const visit = (node: string) =>
    new Promise<void>((resolve) => {
      log.push(`start ${node}`);
      release.set(node, () => {
        log.push(`end ${node}`);
        resolve();
      });
    });
  const finish = async (node: string) => {
    const done = release.get(node);
    if (!done) throw new Error(`${node} was not started`);
    done();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { log, visit, finish, started: () => [...release.keys()].sort() };
}

describe('walkGraph', () => {
  it('starts a node as soon as its own dependencies are done, not a whole level', async () => {
    const { visit, finish, started } = controlledVisits();
    const walk = walkGraph(stack(), visit);
    expect(started()).toEqual(['cache', 'db', 'lonely']);
    await finish('db');
    expect(started()).toEqual(['api', 'cache', 'db', 'lonely']);
    await finish('api');
    expect(started()).not.toContain('web');
    await finish('cache');
    expect(started()).toContain('web');
    await finish('web');
    await finish('lonely');
    await walk;
  });

  it('walks dependents first for stopping', async () => {
    const order: string[] = [];
    await walkGraph(
      stack(),
      async (node) => {
        order.push(node);
      },
      'dependents-first',
    );
    expect(order.indexOf('web')).toBeLessThan(order.indexOf('api'));
    expect(order.indexOf('api')).toBeLessThan(order.indexOf('db'));
    expect(order.indexOf('web')).toBeLessThan(order.indexOf('cache'));
    expect(order).toHaveLength(5);
  });

  it('starts nothing new after a failure and throws the first error', async () => {
    const visited: string[] = [];
    const walk = walkGraph(stack(), async (node) => {
      visited.push(node);
      if (node === 'db') throw new Error('db failed');
    });
    await expect(walk).rejects.toThrow('db failed');
    expect(visited).not.toContain('api');
    expect(visited).not.toContain('web');
  });
});
