// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Compose templates, not JavaScript ones
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveEnvironment } from '../../src/compose/environment.js';
import { ComposeError } from '../../src/compose/errors.js';
import { findComposeFiles } from '../../src/compose/find-files.js';
import { loadComposeDocuments } from '../../src/compose/load-documents.js';
import type { SourceLocator } from '../../src/compose/source-map.js';
import { useTrees } from './fixtures/front/tree.js';

const tree = useTrees();
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/front');

function load(
  dir: string,
  files: string[],
  options: { environment?: Record<string, string>; interpolate?: boolean } = {},
) {
  return loadComposeDocuments({
    files: files.map((file) => path.join(dir, file)),
    projectDirectory: dir,
    environment: options.environment ?? {},
    interpolate: options.interpolate ?? true,
  });
}

describe('loadComposeDocuments on a whole project', () => {
  const project = path.join(fixtures, 'project');
  const at = (file: string) => path.join(project, file);

  it('finds, interpolates, extends, includes and merges like Compose', () => {
    const found = findComposeFiles({ files: [], workingDir: project, env: {} });
    const environment = resolveEnvironment({
      projectDirectory: found.projectDirectory,
      envFiles: [],
      processEnv: {},
    });
    const loaded = loadComposeDocuments({ ...found, environment, interpolate: true });
    const fromBase = {
      build: { context: at('common/node') },
      env_file: at('common/node.env'),
      restart: 'unless-stopped',
      labels: { team: 'shop' },
      image: 'shop/web:2.0',
      depends_on: ['db'],
    };
    expect(loaded.document).toEqual({
      name: 'shop',
      'x-defaults': { restart: 'unless-stopped', labels: { team: 'shop' } },
      services: {
        web: {
          ...fromBase,
          environment: { NODE_ENV: 'production', DEBUG: '1' },
          ports: ['8080:80', '9229:9229'],
          volumes: [`${at('static')}:/srv/static:ro`, `${at('dev-cache')}:/cache`],
        },
        worker: {
          ...fromBase,
          environment: ['NODE_ENV=production'],
          volumes: [`${at('static')}:/srv/static:ro`, 'cache:/cache'],
          command: ['node', 'worker.js'],
        },
        db: {
          image: 'postgres:16',
          volumes: [
            `${at('db/init')}:/docker-entrypoint-initdb.d`,
            'pgdata:/var/lib/postgresql/data',
          ],
        },
      },
      volumes: { cache: {}, pgdata: {} },
    });
    expect(loaded.files).toEqual([
      at('compose.yaml'),
      at('db/compose.yaml'),
      at('common/base.yaml'),
      at('compose.override.yaml'),
    ]);
  });

  it('locates every value in the file that last defined it', () => {
    const found = findComposeFiles({ files: [], workingDir: project, env: {} });
    const { locate } = loadComposeDocuments({ ...found, environment: {}, interpolate: true });
    expect
      .soft(locate.locate(['services', 'web', 'image']))
      .toEqual({ file: at('compose.yaml'), line: 15, column: 12 });
    expect
      .soft(locate.locate(['services', 'web', 'ports', 1]))
      .toEqual({ file: at('compose.override.yaml'), line: 4, column: 9 });
    expect
      .soft(locate.locate(['services', 'web', 'volumes', 1]))
      .toEqual({ file: at('compose.override.yaml'), line: 8, column: 9 });
    expect
      .soft(locate.locate(['services', 'web', 'environment', 'DEBUG']))
      .toEqual({ file: at('compose.override.yaml'), line: 6, column: 14 });
    expect
      .soft(locate.locate(['services', 'web', 'build', 'context']))
      .toEqual({ file: at('common/base.yaml'), line: 4, column: 16 });
    expect
      .soft(locate.locate(['services', 'db', 'image']))
      .toEqual({ file: at('db/compose.yaml'), line: 3, column: 12 });
    expect
      .soft(locate.locate(['services', 'web', 'restart']))
      .toEqual({ file: at('compose.yaml'), line: 6, column: 12 });
    expect
      .soft(locate.locate(['services', 'nope', 'x']))
      .toEqual({ file: at('compose.override.yaml'), line: 1, column: 1 });
    expect.soft(locate.locate([])).toEqual({ file: at('compose.yaml'), line: 1, column: 1 });
  });
});

describe('loadComposeDocuments stages', () => {
  it('calls validate for every file read, after interpolation, with positions', () => {
    const dir = tree({
      'compose.yaml':
        'services:\n  web:\n    extends: {file: base.yaml, service: b}\n    image: ${IMG}\n',
      'base.yaml': 'services:\n  b:\n    user: root\n',
    });
    const seen: [unknown, ReturnType<SourceLocator['locate']>][] = [];
    loadComposeDocuments({
      files: [path.join(dir, 'compose.yaml')],
      projectDirectory: dir,
      environment: { IMG: 'nginx' },
      interpolate: true,
      validate: (document, locate) => seen.push([document, locate.locate(['services'])]),
    });
    expect(seen).toEqual([
      [
        { services: { web: { extends: { file: 'base.yaml', service: 'b' }, image: 'nginx' } } },
        { file: path.join(dir, 'compose.yaml'), line: 1, column: 1 },
      ],
      [
        { services: { b: { user: 'root' } } },
        { file: path.join(dir, 'base.yaml'), line: 1, column: 1 },
      ],
    ]);
  });

  it('lets validate stop the load with its error', () => {
    const dir = tree({ 'compose.yaml': 'services:\n  web:\n    imgae: x\n' });
    const error = new ComposeError('unknown key', { path: ['services', 'web', 'imgae'] });
    expect(() =>
      loadComposeDocuments({
        files: [path.join(dir, 'compose.yaml')],
        projectDirectory: dir,
        environment: {},
        interpolate: true,
        validate: () => {
          throw error;
        },
      }),
    ).toThrow(error);
  });

  it('leaves variables alone when interpolation is off', () => {
    const dir = tree({
      'compose.yaml': 'services:\n  web:\n    image: ${IMG:?required}\n    read_only: "${RO}"\n',
    });
    expect(load(dir, ['compose.yaml'], { interpolate: false }).document).toEqual({
      services: { web: { image: '${IMG:?required}', read_only: '${RO}' } },
    });
  });

  it('merges the documents of a multi-document file', () => {
    const dir = tree({
      'compose.yaml':
        'services:\n  a: {image: x, ports: ["1:1"]}\n---\nservices:\n  a:\n    ports: ["2:2"]\n',
    });
    expect(load(dir, ['compose.yaml']).document).toEqual({
      services: { a: { image: 'x', ports: ['1:1', '2:2'] } },
    });
  });

  it('treats an empty file as an empty model', () => {
    const dir = tree({ 'compose.yaml': 'services:\n  a: {image: x}\n', 'empty.yaml': '' });
    expect(load(dir, ['compose.yaml', 'empty.yaml']).document).toEqual({
      services: { a: { image: 'x' } },
    });
  });

  it('names the file of an error in a later file', () => {
    const dir = tree({
      'compose.yaml': 'services: {}\n',
      'other.yaml': 'services:\n  web:\n    image: ${X:?X is required}\n',
    });
    expect(() => load(dir, ['compose.yaml', 'other.yaml'])).toThrow(
      expect.objectContaining({
        message: 'required variable X is missing a value: X is required',
        position: { file: path.join(dir, 'other.yaml'), line: 3, column: 12 },
      }),
    );
  });

  it('places merge conflicts in the later file', () => {
    const dir = tree({
      'compose.yaml': 'services:\n  web:\n    deploy: {replicas: 2}\n',
      'other.yaml': 'services:\n  web:\n    deploy: two\n',
    });
    expect(() => load(dir, ['compose.yaml', 'other.yaml'])).toThrow(
      expect.objectContaining({
        path: ['services', 'web', 'deploy'],
        position: { file: path.join(dir, 'other.yaml'), line: 3, column: 13 },
      }),
    );
  });

  it('reports a missing compose file', () => {
    const dir = tree({});
    expect(() => load(dir, ['compose.yaml'])).toThrow(
      `cannot read compose file ${path.join(dir, 'compose.yaml')}: not found`,
    );
  });
});

describe('relative path resolution', () => {
  it('makes host paths absolute from the project directory', () => {
    const dir = tree({
      'compose.yaml': [
        'services:',
        '  app:',
        '    build:',
        '      context: ./app',
        '      dockerfile: docker/Dockerfile',
        '      additional_contexts:',
        '        lib: ../lib',
        '        img: docker-image://alpine',
        '      ssh: [default, key=~/.ssh/id]',
        '    env_file:',
        '      - ./a.env',
        '      - path: b.env',
        '        required: false',
        '    label_file: ~/labels.txt',
        '    volumes:',
        '      - ./data:/data',
        '      - ../up:/up:ro',
        '      - ~/home:/home',
        '      - /abs:/abs',
        '      - named:/named',
        '      - /anonymous',
        '      - type: bind',
        '        source: ./long',
        '        target: /long',
        '      - type: volume',
        '        source: vol',
        '        target: /vol',
        '    develop:',
        '      watch:',
        '        - path: ./src',
        '          action: sync',
        '          target: /src',
        '  remote:',
        '    build: https://github.com/docker/example.git#main',
        '  ssh:',
        '    build: git@github.com:docker/example.git',
        '  short:',
        '    build: .',
        'configs:',
        '  conf: {file: ./conf.txt}',
        'secrets:',
        '  token: {file: token.txt}',
        '  env: {environment: TOKEN}',
        'volumes:',
        '  bound:',
        '    driver: local',
        '    driver_opts: {type: none, o: bind, device: ./bound}',
        '  unbound:',
        '    driver_opts: {type: none, o: bind, device: ./bound}',
        '  tmp:',
        '    driver_opts: {type: tmpfs, device: tmpfs}',
        '',
      ].join('\n'),
    });
    const at = (file: string) => path.join(dir, file);
    expect(load(dir, ['compose.yaml']).document).toEqual({
      services: {
        app: {
          build: {
            context: at('app'),
            dockerfile: 'docker/Dockerfile',
            additional_contexts: { lib: path.resolve(dir, '../lib'), img: 'docker-image://alpine' },
            ssh: ['default', `key=${path.join(homedir(), '.ssh/id')}`],
          },
          env_file: [at('a.env'), { path: at('b.env'), required: false }],
          label_file: path.join(homedir(), 'labels.txt'),
          volumes: [
            `${at('data')}:/data`,
            `${path.resolve(dir, '../up')}:/up:ro`,
            `${path.join(homedir(), 'home')}:/home`,
            '/abs:/abs',
            'named:/named',
            '/anonymous',
            { type: 'bind', source: at('long'), target: '/long' },
            { type: 'volume', source: 'vol', target: '/vol' },
          ],
          develop: { watch: [{ path: at('src'), action: 'sync', target: '/src' }] },
        },
        remote: { build: 'https://github.com/docker/example.git#main' },
        ssh: { build: 'git@github.com:docker/example.git' },
        short: { build: dir },
      },
      configs: { conf: { file: at('conf.txt') } },
      secrets: { token: { file: at('token.txt') }, env: { environment: 'TOKEN' } },
      volumes: {
        bound: { driver: 'local', driver_opts: { type: 'none', o: 'bind', device: at('bound') } },
        unbound: { driver_opts: { type: 'none', o: 'bind', device: './bound' } },
        tmp: { driver_opts: { type: 'tmpfs', device: 'tmpfs' } },
      },
    });
  });

  it('resolves an override file in another folder from the project directory, as Compose does', () => {
    const dir = tree({
      'compose.yaml': 'services:\n  a: {image: x}\n',
      'deploy/dev.yaml': 'services:\n  a:\n    build: ./src\n',
    });
    expect(load(dir, ['compose.yaml', 'deploy/dev.yaml']).document).toEqual({
      services: { a: { image: 'x', build: path.join(dir, 'src') } },
    });
  });
});
