import { describe, expect, it } from 'vitest';
import { ComposeError, formatComposeError } from '../../src/compose/errors.js';
import type { Project } from '../../src/compose/model.js';
import {
  buildDependencyGraph,
  startLevels,
  stopLevels,
} from '../../src/scheduler/dependency-graph.js';
import { normalizeDocument } from '../compose/project-helpers.js';

function project(services: Record<string, Record<string, unknown>>): Project {
  const withImages = Object.fromEntries(
    Object.entries(services).map(([name, fields]) => [name, { image: 'busybox', ...fields }]),
  );
  return normalizeDocument({ services: withImages });
}

describe('startLevels', () => {
  it.each<[string, Record<string, Record<string, unknown>>, string[][]]>([
    ['no dependencies', { b: {}, a: {} }, [['a', 'b']]],
    [
      'a web stack',
      {
        web: { depends_on: ['api'] },
        api: { depends_on: { db: { condition: 'service_healthy' }, cache: null } },
        db: {},
        cache: {},
      },
      [['cache', 'db'], ['api'], ['web']],
    ],
    ['links', { web: { links: ['db:database'] }, db: {} }, [['db'], ['web']]],
    [
      'network_mode service:',
      { app: { network_mode: 'service:vpn' }, vpn: {} },
      [['vpn'], ['app']],
    ],
    [
      'volumes_from with and without service:',
      { a: { volumes_from: ['service:b', 'c:ro', 'container:x'] }, b: {}, c: {} },
      [['b', 'c'], ['a']],
    ],
    [
      'a diamond',
      {
        top: { depends_on: ['left', 'right'] },
        left: { depends_on: ['base'] },
        right: { depends_on: ['base'] },
        base: {},
      },
      [['base'], ['left', 'right'], ['top']],
    ],
    [
      'a level waits for its deepest dependency',
      { c: { depends_on: ['a', 'b'] }, b: { depends_on: ['a'] }, a: {} },
      [['a'], ['b'], ['c']],
    ],
  ])('%s', (_name, services, levels) => {
    const graph = buildDependencyGraph(project(services));
    expect(startLevels(graph)).toEqual(levels);
    expect(stopLevels(graph)).toEqual([...levels].reverse());
  });

  it('ignores references to services outside the project', () => {
    const p = project({ web: { depends_on: ['db'] }, db: {} });
    const { db: _db, ...onlyWeb } = p.services;
    expect(startLevels(buildDependencyGraph({ ...p, services: onlyWeb }))).toEqual([['web']]);
  });

  it('labels edges with the dependency condition', () => {
    const graph = buildDependencyGraph(
      project({
        web: { depends_on: { db: { condition: 'service_healthy', restart: true } } },
        db: {},
      }),
    );
    expect(graph.edge('web', 'db')).toEqual({
      condition: 'service_healthy',
      required: true,
      restart: true,
      relation: 'depends on',
    });
  });
});

describe('cycles', () => {
  it.each<[string, Record<string, Record<string, unknown>>, string]>([
    ['self', { a: { depends_on: ['a'] } }, 'a -> a'],
    ['two', { a: { depends_on: ['b'] }, b: { links: ['a'] } }, 'a -> b -> a'],
    [
      'three behind a root',
      {
        root: { depends_on: ['a'] },
        a: { depends_on: ['b'] },
        b: { depends_on: ['c'] },
        c: { volumes_from: ['a'] },
      },
      'a -> b -> c -> a',
    ],
  ])('%s', (_name, services, cycle) => {
    try {
      buildDependencyGraph(project(services));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ComposeError);
      expect(formatComposeError(error as ComposeError)).toBe(
        `dependency cycle between services: ${cycle} (break it by removing one of these dependencies)`,
      );
    }
  });
});
