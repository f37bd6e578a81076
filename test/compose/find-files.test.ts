import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FILE_NAMES, findComposeFiles } from '../../src/compose/find-files.js';
import { useTrees } from './fixtures/front/tree.js';

const tree = useTrees();

describe('findComposeFiles default search', () => {
  it.each([
    ['compose.yaml', ['compose.yaml'], ['compose.yaml']],
    [
      'compose.yaml preferred over the others',
      ['docker-compose.yml', 'compose.yml', 'compose.yaml'],
      ['compose.yaml'],
    ],
    ['compose.yml', ['compose.yml', 'docker-compose.yaml'], ['compose.yml']],
    [
      'docker-compose.yml before docker-compose.yaml',
      ['docker-compose.yaml', 'docker-compose.yml'],
      ['docker-compose.yml'],
    ],
    ['docker-compose.yaml', ['docker-compose.yaml'], ['docker-compose.yaml']],
    [
      'with its override',
      ['compose.yaml', 'compose.override.yaml'],
      ['compose.yaml', 'compose.override.yaml'],
    ],
    [
      'override .yml first',
      ['compose.yaml', 'compose.override.yaml', 'compose.override.yml'],
      ['compose.yaml', 'compose.override.yml'],
    ],
    [
      'docker-compose override',
      ['docker-compose.yml', 'docker-compose.override.yml'],
      ['docker-compose.yml', 'docker-compose.override.yml'],
    ],
    [
      'an override alone is not a project file',
      ['compose.yaml', 'other.override.yaml'],
      ['compose.yaml'],
    ],
  ])('%s', (_, present, expected) => {
    const dir = tree(Object.fromEntries(present.map((file) => [file, 'services: {}\n'])));
    expect(findComposeFiles({ files: [], workingDir: dir, env: {} })).toEqual({
      files: expected.map((file) => path.join(dir, file)),
      projectDirectory: dir,
    });
  });

  it('searches upward from the working directory', () => {
    const dir = tree({ 'compose.yaml': '', 'compose.override.yml': '', 'a/b/c/.keep': '' });
    expect(findComposeFiles({ files: [], workingDir: path.join(dir, 'a/b/c'), env: {} })).toEqual({
      files: [path.join(dir, 'compose.yaml'), path.join(dir, 'compose.override.yml')],
      projectDirectory: dir,
    });
  });

  it('stops at the nearest directory with a compose file', () => {
    const dir = tree({ 'compose.yaml': '', 'a/docker-compose.yml': '', 'a/b/.keep': '' });
    expect(
      findComposeFiles({ files: [], workingDir: path.join(dir, 'a/b'), env: {} }).files,
    ).toEqual([path.join(dir, 'a/docker-compose.yml')]);
  });

  it('ignores a directory named like a compose file', () => {
    const dir = tree({ 'compose.yaml/.keep': '', 'compose.yml': '' });
    expect(findComposeFiles({ files: [], workingDir: dir, env: {} }).files).toEqual([
      path.join(dir, 'compose.yml'),
    ]);
  });

  it('reports when nothing is found', (context) => {
    const dir = tree({ 'empty/.keep': '' });
    // The search climbs to /: a compose file someone left in an ancestor would be found.
    const ancestors = [];
    for (let at = dir; at !== path.dirname(at); at = path.dirname(at))
      ancestors.push(path.dirname(at));
    const foreign = ancestors.some((at) =>
      DEFAULT_FILE_NAMES.some((name) => existsSync(path.join(at, name))),
    );
    if (foreign) context.skip();
    expect(() =>
      findComposeFiles({ files: [], workingDir: path.join(dir, 'empty'), env: {} }),
    ).toThrow('no configuration file provided: not found');
  });

  it('searches from --project-directory when given', () => {
    const dir = tree({ 'compose.yaml': '', 'elsewhere/compose.yml': '', 'cwd/.keep': '' });
    expect(
      findComposeFiles({
        files: [],
        workingDir: path.join(dir, 'cwd'),
        projectDirectory: '../elsewhere',
        env: {},
      }),
    ).toEqual({
      files: [path.join(dir, 'elsewhere/compose.yml')],
      projectDirectory: path.join(dir, 'elsewhere'),
    });
  });

  it('keeps --project-directory even when the file is found above it', () => {
    const dir = tree({ 'compose.yaml': '', 'sub/.keep': '' });
    expect(
      findComposeFiles({ files: [], workingDir: dir, projectDirectory: 'sub', env: {} }),
    ).toEqual({
      files: [path.join(dir, 'compose.yaml')],
      projectDirectory: path.join(dir, 'sub'),
    });
  });

  it('takes --project-directory with -f files', () => {
    const dir = tree({ 'a.yaml': '', 'p/.keep': '' });
    expect(
      findComposeFiles({ files: ['a.yaml'], workingDir: dir, projectDirectory: 'p', env: {} }),
    ).toEqual({
      files: [path.join(dir, 'a.yaml')],
      projectDirectory: path.join(dir, 'p'),
    });
  });
});

describe('findComposeFiles explicit files', () => {
  it('takes -f files in order, relative to the working directory, without overrides', () => {
    const dir = tree({
      'compose.yaml': '',
      'compose.override.yaml': '',
      'deploy/prod.yaml': '',
      'extra.yaml': '',
    });
    expect(
      findComposeFiles({
        files: ['deploy/prod.yaml', `${dir}/extra.yaml`],
        workingDir: dir,
        env: {},
      }),
    ).toEqual({
      files: [path.join(dir, 'deploy/prod.yaml'), path.join(dir, 'extra.yaml')],
      projectDirectory: path.join(dir, 'deploy'),
    });
  });

  it('prefers -f over COMPOSE_FILE', () => {
    const dir = tree({ 'a.yaml': '', 'b.yaml': '' });
    expect(
      findComposeFiles({ files: ['a.yaml'], workingDir: dir, env: { COMPOSE_FILE: 'b.yaml' } })
        .files,
    ).toEqual([path.join(dir, 'a.yaml')]);
  });

  it('reads COMPOSE_FILE with the path separator', () => {
    const dir = tree({ 'compose.yaml': '', 'a.yaml': '', 'b.yaml': '' });
    expect(
      findComposeFiles({
        files: [],
        workingDir: dir,
        env: { COMPOSE_FILE: `a.yaml${path.delimiter}b.yaml` },
      }).files,
    ).toEqual([path.join(dir, 'a.yaml'), path.join(dir, 'b.yaml')]);
  });

  it('honours COMPOSE_PATH_SEPARATOR', () => {
    const dir = tree({ 'a.yaml': '', 'b.yaml': '' });
    expect(
      findComposeFiles({
        files: [],
        workingDir: dir,
        env: { COMPOSE_FILE: 'a.yaml,b.yaml', COMPOSE_PATH_SEPARATOR: ',' },
      }).files,
    ).toEqual([path.join(dir, 'a.yaml'), path.join(dir, 'b.yaml')]);
  });

  it('falls back to the search when COMPOSE_FILE is empty', () => {
    const dir = tree({ 'compose.yaml': '' });
    expect(
      findComposeFiles({ files: [], workingDir: dir, env: { COMPOSE_FILE: '' } }).files,
    ).toEqual([path.join(dir, 'compose.yaml')]);
  });

  it('reports a missing file', () => {
    const dir = tree({});
    expect(() => findComposeFiles({ files: ['nope.yaml'], workingDir: dir, env: {} })).toThrow(
      `compose file ${path.join(dir, 'nope.yaml')} not found`,
    );
  });
});
