// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Compose templates, not JavaScript ones
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComposeError } from '../../src/compose/errors.js';
import { loadComposeDocuments } from '../../src/compose/load-documents.js';
import { useTrees } from './fixtures/front/tree.js';

const tree = useTrees();

function load(files: Record<string, string>, main = 'compose.yaml') {
  const dir = tree(files);
  const loaded = loadComposeDocuments({
    files: [path.join(dir, main)],
    projectDirectory: dir,
    environment: { TAG: '1.2' },
    interpolate: true,
  });
  return { dir, ...loaded };
}

function loadError(files: Record<string, string>): { dir: string; error: ComposeError } {
  const dir = tree(files);
  try {
    loadComposeDocuments({
      files: [path.join(dir, 'compose.yaml')],
      projectDirectory: dir,
      environment: {},
      interpolate: true,
    });
  } catch (error) {
    if (error instanceof ComposeError) return { dir, error };
    throw error;
  }
  throw new Error('expected a ComposeError');
}

const services = (document: Record<string, unknown>) =>
  document.services as Record<string, Record<string, unknown>>;

describe('extends in the same file', () => {
  it('merges mappings, the extending service winning (spec example)', () => {
    const { document } = load({
      'compose.yaml':
        'services:\n  common:\n    image: busybox\n    environment:\n      TZ: utc\n      PORT: 80\n  cli:\n    extends:\n      service: common\n    environment:\n      PORT: 8080\n',
    });
    expect(services(document).cli).toEqual({
      image: 'busybox',
      environment: { TZ: 'utc', PORT: 8080 },
    });
    expect(services(document).common).toEqual({
      image: 'busybox',
      environment: { TZ: 'utc', PORT: 80 },
    });
  });

  it('replaces volumes by container path (spec example)', () => {
    const { document } = load({
      'compose.yaml':
        'services:\n  common:\n    image: busybox\n    volumes:\n      - common-volume:/var/lib/backup/data:rw\n  cli:\n    extends:\n      service: common\n    volumes:\n      - cli-volume:/var/lib/backup/data:ro\n',
    });
    expect(services(document).cli).toEqual({
      image: 'busybox',
      volumes: ['cli-volume:/var/lib/backup/data:ro'],
    });
  });

  it('follows a chain of extends (spec example)', () => {
    const { document } = load({
      'compose.yaml':
        'services:\n  base:\n    image: busybox\n    user: root\n  common:\n    image: busybox\n    extends:\n      service: base\n  cli:\n    extends:\n      service: common\n',
    });
    expect(services(document).cli).toEqual({ image: 'busybox', user: 'root' });
  });

  it('appends sequences, referenced items first (spec example)', () => {
    const { document } = load({
      'compose.yaml':
        'services:\n  common:\n    image: busybox\n    security_opt:\n      - label:role:ROLE\n  cli:\n    extends:\n      service: common\n    security_opt:\n      - label:user:USER\n',
    });
    expect(services(document).cli.security_opt).toEqual(['label:role:ROLE', 'label:user:USER']);
  });

  it('accepts the short string form and inherits depends_on', () => {
    const { document } = load({
      'compose.yaml':
        'services:\n  db: {image: db}\n  base:\n    image: app\n    depends_on: [db]\n  web:\n    extends: base\n    command: run\n',
    });
    expect(services(document).web).toEqual({ image: 'app', depends_on: ['db'], command: 'run' });
  });

  it('lets !reset in the extending service drop an inherited field', () => {
    const { document } = load({
      'compose.yaml':
        'services:\n  base:\n    image: app\n    ports: ["80:80"]\n    user: root\n  web:\n    extends: {service: base}\n    ports: !reset []\n    user: !override nobody\n',
    });
    expect(services(document).web).toEqual({ image: 'app', user: 'nobody' });
  });

  it('extends a service brought in by include', () => {
    const { dir, document } = load({
      'compose.yaml':
        'include: [lib/compose.yaml]\nservices:\n  web:\n    extends: base\n    image: web\n',
      'lib/compose.yaml': 'services:\n  base:\n    build: ./ctx\n    user: app\n',
    });
    expect(services(document).web).toEqual({
      build: path.join(dir, 'lib/ctx'),
      user: 'app',
      image: 'web',
    });
  });

  it('interpolates the extended service', () => {
    const { document } = load({
      'compose.yaml':
        'services:\n  base:\n    image: app:${TAG}\n  web:\n    extends: {service: base}\n',
    });
    expect(services(document).web).toEqual({ image: 'app:1.2' });
  });
});

describe('extends from another file', () => {
  it('rebases relative paths on the extended file directory', () => {
    const { dir, document, files } = load({
      'compose.yaml':
        'services:\n  web:\n    extends:\n      file: common/base.yaml\n      service: app\n    volumes:\n      - ./local:/local\n',
      'common/base.yaml':
        'services:\n  app:\n    image: app:${TAG}\n    build: ./src\n    env_file: app.env\n    volumes:\n      - ./data:/data\n      - named:/named\n',
    });
    expect(services(document).web).toEqual({
      image: 'app:1.2',
      build: path.join(dir, 'common/src'),
      env_file: path.join(dir, 'common/app.env'),
      volumes: [
        `${path.join(dir, 'common/data')}:/data`,
        'named:/named',
        `${path.join(dir, 'local')}:/local`,
      ],
    });
    expect(files).toEqual([path.join(dir, 'compose.yaml'), path.join(dir, 'common/base.yaml')]);
  });

  it('follows extends inside the other file, relative to that file', () => {
    const { dir, document } = load({
      'compose.yaml': 'services:\n  web:\n    extends: {file: common/base.yaml, service: app}\n',
      'common/base.yaml':
        'services:\n  app:\n    extends: {file: ../shared/root.yaml, service: root}\n    user: app\n  other: {image: x}\n',
      'shared/root.yaml': 'services:\n  root:\n    image: root\n    build: {context: ./ctx}\n',
    });
    expect(services(document).web).toEqual({
      image: 'root',
      build: { context: path.join(dir, 'shared/ctx') },
      user: 'app',
    });
    expect(Object.keys(services(document))).toEqual(['web']);
  });

  it('reads the same extended file with the environment of each project using it', () => {
    const { document } = load({
      'compose.yaml':
        'include: [sub/compose.yaml]\nservices:\n  top:\n    extends: {file: base.yaml, service: b}\n',
      'base.yaml': 'services:\n  b:\n    image: base:${SUB:-none}\n',
      'sub/compose.yaml': 'services:\n  inner:\n    extends: {file: ../base.yaml, service: b}\n',
      'sub/.env': 'SUB=from-sub\n',
    });
    expect(services(document).inner).toEqual({ image: 'base:from-sub' });
    expect(services(document).top).toEqual({ image: 'base:none' });
  });

  it('extends a service of the other file that extends its own sibling', () => {
    const { document } = load({
      'compose.yaml': 'services:\n  web:\n    extends: {file: base.yaml, service: child}\n',
      'base.yaml':
        'services:\n  parent: {image: p, user: u}\n  child:\n    extends: parent\n    image: c\n',
    });
    expect(services(document).web).toEqual({ image: 'c', user: 'u' });
  });
});

describe('extends errors', () => {
  it('names the whole cycle in the same file', () => {
    const { dir, error } = loadError({
      'compose.yaml':
        'services:\n  a:\n    extends: b\n  b:\n    extends:\n      service: c\n  c:\n    extends: a\n',
    });
    const file = path.join(dir, 'compose.yaml');
    expect(error.message).toBe(
      `circular extends: a (${file}) -> b (${file}) -> c (${file}) -> a (${file})`,
    );
    expect(error.position).toEqual({ file, line: 3, column: 14 });
  });

  it('names a cycle across files', () => {
    const { error } = loadError({
      'compose.yaml': 'services:\n  a:\n    extends: {file: other.yaml, service: b}\n',
      'other.yaml': 'services:\n  b:\n    extends: {file: compose.yaml, service: a}\n',
    });
    expect(error.message).toMatch(
      /^circular extends: a \(.*compose.yaml\) -> b \(.*other.yaml\) -> a \(.*compose.yaml\)$/,
    );
  });

  it('reports a missing service with a suggestion', () => {
    const { dir, error } = loadError({
      'compose.yaml':
        'services:\n  base: {image: x}\n  web:\n    image: y\n    extends:\n      service: bsae\n',
    });
    expect(error.message).toBe('cannot extend service "web": service "bsae" not found');
    expect(error.hint).toBe("did you mean 'base'?");
    expect(error.path).toEqual(['services', 'web', 'extends', 'service']);
    expect(error.position).toEqual({ file: path.join(dir, 'compose.yaml'), line: 5, column: 5 });
  });

  it('reports a service missing from the other file', () => {
    const { dir, error } = loadError({
      'compose.yaml': 'services:\n  web:\n    extends: {file: other.yaml, service: nope}\n',
      'other.yaml': 'services:\n  yes: {image: x}\n',
    });
    expect(error.message).toBe(
      `cannot extend service "web": service "nope" not found in ${path.join(dir, 'other.yaml')}`,
    );
  });

  it('reports a missing file', () => {
    const { dir, error } = loadError({
      'compose.yaml': 'services:\n  web:\n    extends: {file: missing.yaml, service: x}\n',
    });
    expect(error.message).toBe(
      `cannot read compose file ${path.join(dir, 'missing.yaml')}: not found`,
    );
  });

  it('refuses extends without a service', () => {
    const { error } = loadError({
      'compose.yaml': 'services:\n  web:\n    extends: {file: x.yaml}\n',
    });
    expect(error.message).toContain('extends needs the name of a service');
  });
});
