// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Compose templates, not JavaScript ones
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComposeError } from '../../src/compose/errors.js';
import { loadComposeDocuments } from '../../src/compose/load-documents.js';
import { useTrees } from './fixtures/front/tree.js';

const tree = useTrees();

function load(dir: string, files = ['compose.yaml'], environment: Record<string, string> = {}) {
  return loadComposeDocuments({
    files: files.map((file) => path.join(dir, file)),
    projectDirectory: dir,
    environment,
    interpolate: true,
  });
}

function loadError(dir: string): ComposeError {
  try {
    load(dir);
  } catch (error) {
    if (error instanceof ComposeError) return error;
    throw error;
  }
  throw new Error('expected a ComposeError');
}

describe('include, short syntax', () => {
  it('imports resources with paths and .env of the included project', () => {
    const dir = tree({
      'compose.yaml':
        'include:\n  - sub/compose.yaml\nservices:\n  web:\n    image: web\n    depends_on: [db]\n',
      'sub/compose.yaml':
        'services:\n  db:\n    image: db:${DB_TAG}\n    build: ./db\n    volumes: [./init:/init, dbdata:/var/lib/db]\n    environment: ["WHO=${WHO}"]\nvolumes:\n  dbdata: {}\nnetworks:\n  backend: {}\n',
      'sub/.env': 'DB_TAG=15\nWHO=sub\n',
    });
    const { document, files } = load(dir, ['compose.yaml'], { WHO: 'parent' });
    expect(document).toEqual({
      services: {
        web: { image: 'web', depends_on: ['db'] },
        db: {
          image: 'db:15',
          build: path.join(dir, 'sub/db'),
          volumes: [`${path.join(dir, 'sub/init')}:/init`, 'dbdata:/var/lib/db'],
          environment: ['WHO=parent'],
        },
      },
      volumes: { dbdata: {} },
      networks: { backend: {} },
    });
    expect(files).toEqual([path.join(dir, 'compose.yaml'), path.join(dir, 'sub/compose.yaml')]);
  });

  it('builds an included service without context in the included project directory', () => {
    const dir = tree({
      'compose.yaml': 'include: [sub/compose.yaml]\n',
      'sub/compose.yaml': 'services:\n  a:\n    build: {dockerfile: Dockerfile.dev}\n',
    });
    expect(load(dir).document).toEqual({
      services: { a: { build: { dockerfile: 'Dockerfile.dev', context: path.join(dir, 'sub') } } },
    });
  });

  it('interpolates include paths', () => {
    const dir = tree({
      'compose.yaml': 'include:\n  - ${INC:-sub}/compose.yaml\n',
      'sub/compose.yaml': 'services:\n  a: {image: a}\n',
    });
    expect(load(dir).document).toEqual({ services: { a: { image: 'a' } } });
  });

  it('applies includes recursively, each relative to its own project', () => {
    const dir = tree({
      'compose.yaml': 'include: [one/compose.yaml]\n',
      'one/compose.yaml': 'include: [../two/compose.yaml]\nservices:\n  one: {build: .}\n',
      'two/compose.yaml': 'services:\n  two: {build: ./ctx}\n',
    });
    expect(load(dir).document).toEqual({
      services: {
        one: { build: path.join(dir, 'one') },
        two: { build: path.join(dir, 'two/ctx') },
      },
    });
  });

  it('lets a later compose file override an included service', () => {
    const dir = tree({
      'compose.yaml': 'include: [sub/compose.yaml]\n',
      'compose.override.yaml': 'services:\n  db:\n    environment: {A: "1"}\n',
      'sub/compose.yaml': 'services:\n  db: {image: db}\n',
    });
    expect(load(dir, ['compose.yaml', 'compose.override.yaml']).document).toEqual({
      services: { db: { image: 'db', environment: { A: '1' } } },
    });
  });

  it('accepts an identical definition in the including file', () => {
    const dir = tree({
      'compose.yaml': 'include: [sub/compose.yaml]\nnetworks:\n  shared: {driver: bridge}\n',
      'sub/compose.yaml': 'services:\n  db: {image: db}\nnetworks:\n  shared: {driver: bridge}\n',
    });
    expect(load(dir).document).toEqual({
      networks: { shared: { driver: 'bridge' } },
      services: { db: { image: 'db' } },
    });
  });
});

describe('include, long syntax', () => {
  it('merges a list of paths and uses project_directory and env_file', () => {
    const dir = tree({
      'compose.yaml':
        'include:\n  - path:\n      - lib/compose.yaml\n      - lib/compose.dev.yaml\n    project_directory: lib/root\n    env_file:\n      - config/lib.env\n      - config/dev.env\n',
      'lib/compose.yaml':
        'services:\n  api:\n    image: api:${VERSION}\n    build: ./api\n    ports: ["80:80"]\n',
      'lib/compose.dev.yaml':
        'services:\n  api:\n    ports: ["9229:9229"]\n    environment: {MODE: "${MODE}"}\n',
      'lib/root/.env': 'VERSION=ignored\n',
      'config/lib.env': 'VERSION=2\nMODE=prod\n',
      'config/dev.env': 'MODE=dev-${VERSION}\n',
    });
    expect(load(dir).document).toEqual({
      services: {
        api: {
          image: 'api:2',
          build: path.join(dir, 'lib/root/api'),
          ports: ['80:80', '9229:9229'],
          environment: { MODE: 'dev-2' },
        },
      },
    });
  });

  it('takes path as a single string', () => {
    const dir = tree({
      'compose.yaml': 'include:\n  - path: sub/compose.yaml\n',
      'sub/compose.yaml': 'services:\n  a: {image: a}\n',
    });
    expect(load(dir).document).toEqual({ services: { a: { image: 'a' } } });
  });
});

describe('include errors', () => {
  it('refuses a resource defined by both the include and the including file', () => {
    const dir = tree({
      'compose.yaml': 'include:\n  - sub/compose.yaml\nservices:\n  db:\n    image: mine\n',
      'sub/compose.yaml': 'services:\n  db:\n    image: theirs\n',
    });
    const error = loadError(dir);
    expect(error.message).toBe(
      `services.db is defined both in ${path.join(dir, 'compose.yaml')} and in the included ${path.join(dir, 'sub/compose.yaml')}`,
    );
    expect(error.path).toEqual(['services', 'db']);
    expect(error.position).toEqual({ file: path.join(dir, 'compose.yaml'), line: 4, column: 3 });
  });

  it('detects an include cycle', () => {
    const dir = tree({
      'compose.yaml': 'include: [a/compose.yaml]\n',
      'a/compose.yaml': 'include: [../b/compose.yaml]\n',
      'b/compose.yaml': 'include: [../a/compose.yaml]\n',
    });
    expect(loadError(dir).message).toBe(
      `include cycle: ${['compose.yaml', 'a/compose.yaml', 'b/compose.yaml', 'a/compose.yaml'].map((f) => path.join(dir, f)).join(' -> ')}`,
    );
  });

  it.each([
    ['include is not a list', 'include: sub.yaml\n', 'include must be a list'],
    ['entry without path', 'include:\n  - project_directory: x\n', 'include entry needs path'],
    [
      'entry of the wrong type',
      'include:\n  - 42\n',
      'an include entry is a path or a mapping with path',
    ],
    ['missing included file', 'include: [nope.yaml]\n', 'cannot read compose file'],
  ])('%s', (_, text, message) => {
    expect(loadError(tree({ 'compose.yaml': text })).message).toContain(message);
  });

  it('refuses a missing env_file', () => {
    const dir = tree({
      'compose.yaml': 'include:\n  - path: sub/compose.yaml\n    env_file: missing.env\n',
      'sub/compose.yaml': 'services: {}\n',
    });
    expect(loadError(dir).message).toBe(`env file ${path.join(dir, 'missing.env')} not found`);
  });
});
