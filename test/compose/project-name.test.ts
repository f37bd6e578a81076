import { describe, expect, it } from 'vitest';
import { ComposeError, formatComposeError } from '../../src/compose/errors.js';
import {
  normalizeProjectName,
  type ProjectNameSources,
  resolveProjectName,
} from '../../src/compose/project-name.js';

describe('resolveProjectName', () => {
  it.each<[string, ProjectNameSources, string]>([
    [
      '-p wins',
      { flag: 'flag', environment: 'env', topLevel: 'top', projectDirectory: '/x/dir' },
      'flag',
    ],
    [
      'then COMPOSE_PROJECT_NAME',
      { environment: 'env', topLevel: 'top', projectDirectory: '/x/dir' },
      'env',
    ],
    ['then top-level name', { topLevel: 'top', projectDirectory: '/x/dir' }, 'top'],
    ['then the directory', { projectDirectory: '/x/dir' }, 'dir'],
    ['empty values are skipped', { flag: '', environment: '', projectDirectory: '/x/dir' }, 'dir'],
    ['directory normalized', { projectDirectory: '/x/My App.v2' }, 'myappv2'],
    ['leading dashes dropped', { projectDirectory: '/x/__-Proj' }, 'proj'],
    ['digits may lead', { flag: '1st_proj-a', projectDirectory: '/x' }, '1st_proj-a'],
  ])('%s', (_name, sources, expected) => {
    expect(resolveProjectName(sources)).toBe(expected);
  });

  it.each<[ProjectNameSources, string]>([
    [
      { flag: 'My_App', projectDirectory: '/x' },
      'invalid project name "My_App" (must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit)',
    ],
    [
      { flag: '-app', projectDirectory: '/x' },
      'invalid project name "-app" (must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit)',
    ],
    [
      { environment: 'a.b', projectDirectory: '/x' },
      'invalid COMPOSE_PROJECT_NAME "a.b" (must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit)',
    ],
    [
      { topLevel: 'Top', projectDirectory: '/x' },
      'invalid top-level name "Top" (must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit)',
    ],
    [
      { projectDirectory: '/x/...' },
      'cannot derive a project name from directory "/x/..." (set one with -p, COMPOSE_PROJECT_NAME or a top-level name)',
    ],
  ])('rejects %j', (sources, message) => {
    try {
      resolveProjectName(sources);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ComposeError);
      expect(formatComposeError(error as ComposeError)).toBe(message);
    }
  });
});

describe('normalizeProjectName', () => {
  it.each([
    ['Hello World', 'helloworld'],
    ['-_x', 'x'],
    ['ok-name_1', 'ok-name_1'],
    ['ÄÖÜ', ''],
  ])('%j -> %j', (input, output) => {
    expect(normalizeProjectName(input)).toBe(output);
  });
});
