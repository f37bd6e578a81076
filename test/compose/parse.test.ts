import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ComposeError } from '../../src/compose/errors.js';
import { parseComposeYaml, parseComposeYamlDocuments } from '../../src/compose/parse.js';

function parseError(text: string): ComposeError {
  try {
    parseComposeYaml(text, 'compose.yaml');
  } catch (error) {
    if (error instanceof ComposeError) return error;
    throw error;
  }
  throw new Error('expected a ComposeError');
}

describe('parseComposeYaml values', () => {
  it.each([
    [
      'plain mapping',
      'services:\n  web:\n    image: nginx\n',
      { services: { web: { image: 'nginx' } } },
    ],
    [
      'YAML 1.2 scalars',
      'a: yes\nb: true\nc: 0o17\nd: 1e3\ne: ~\nf: "08"\n',
      { a: 'yes', b: true, c: 15, d: 1000, e: null, f: '08' },
    ],
    [
      'plain integers as go-yaml reads them',
      'a: 0440\nb: 1_000\nc: 0b101\nd: 0x1F\ne: "0440"\nf: 09\ng: -017\nh: !override 0440\n',
      { a: 0o440, b: 1000, c: 5, d: 31, e: '0440', f: 9, g: -15, h: 0o440 },
    ],
    ['empty value is null', 'services:\n  web:\n', { services: { web: null } }],
    ['non-string keys become strings', '1: a\ntrue: b\n', { '1': 'a', true: 'b' }],
    ['empty file', '', {}],
    ['comments only', '# nothing here\n', {}],
    [
      'anchor and alias (spec fragments example 1)',
      'volumes:\n  db-data: &default-volume\n    driver: default\n  metrics: *default-volume\n',
      { volumes: { 'db-data': { driver: 'default' }, metrics: { driver: 'default' } } },
    ],
    [
      'alias of a sequence',
      'services:\n  first:\n    environment: &env\n      - A\n      - B\n  second:\n    environment: *env\n',
      { services: { first: { environment: ['A', 'B'] }, second: { environment: ['A', 'B'] } } },
    ],
    [
      'merge key, explicit keys win (spec fragments example 3)',
      'volumes:\n  db-data: &default-volume\n    driver: default\n    name: "data"\n  metrics:\n    <<: *default-volume\n    name: "metrics"\n',
      {
        volumes: {
          'db-data': { driver: 'default', name: 'data' },
          metrics: { driver: 'default', name: 'metrics' },
        },
      },
    ],
    [
      'merge key list, earlier source wins (spec extension example 4)',
      'x-a: &a\n  FOO: BAR\n  K: from-a\nx-k: &k\n  K: from-k\n  Z: z\nenv:\n  <<: [*a, *k]\n  Y: y\n',
      {
        'x-a': { FOO: 'BAR', K: 'from-a' },
        'x-k': { K: 'from-k', Z: 'z' },
        env: { FOO: 'BAR', K: 'from-a', Z: 'z', Y: 'y' },
      },
    ],
    ['merge key with an inline mapping', 'a:\n  <<: {x: 1, y: 2}\n  y: 3\n', { a: { x: 1, y: 3 } }],
    ['quoted << is an ordinary key', 'a:\n  "<<": 1\n', { a: { '<<': 1 } }],
    [
      'keys named like Object members',
      'a:\n  <<: {toString: 1}\n  constructor: 2\n',
      { a: { toString: 1, constructor: 2 } },
    ],
    ['an alias as a key', 'x: &k name\n*k : value\n', { x: 'name', name: 'value' }],
  ])('%s', (_, text, expected) => {
    expect(parseComposeYaml(text, 'compose.yaml').value).toEqual(expected);
  });

  it('gives each alias expansion its own copy', () => {
    const { value } = parseComposeYaml('a: &x {k: [1]}\nb: *x\n', 'compose.yaml') as {
      value: { a: object; b: object };
    };
    expect(value.a).not.toBe(value.b);
  });
});

describe('parseComposeYaml !reset and !override', () => {
  it.each([
    [
      '!reset drops the value and records its path',
      'services:\n  app:\n    ports: !reset []\n    image: x\n',
      { services: { app: { image: 'x' } } },
      [['services', 'app', 'ports']],
    ],
    [
      '!reset null in a mapping',
      'services:\n  app:\n    environment:\n      FOO: !reset null\n',
      { services: { app: { environment: {} } } },
      [['services', 'app', 'environment', 'FOO']],
    ],
    [
      '!override keeps the value and records its path',
      'services:\n  app:\n    ports: !override\n      - "8443:443"\n',
      { services: { app: { ports: ['8443:443'] } } },
      [['services', 'app', 'ports']],
    ],
    [
      '!override on a scalar resolves it like a plain scalar',
      'a: !override 5\nb: !override true\nc: !override text\n',
      { a: 5, b: true, c: 'text' },
      [['a'], ['b'], ['c']],
    ],
    [
      'tags inside an anchor apply where the alias is used',
      'x-p: &p\n  ports: !reset []\nservices:\n  app:\n    <<: *p\n',
      { 'x-p': {}, services: { app: {} } },
      [
        ['x-p', 'ports'],
        ['services', 'app', 'ports'],
      ],
    ],
  ])('%s', (_, text, value, overrides) => {
    const parsed = parseComposeYaml(text, 'compose.yaml');
    expect(parsed.value).toEqual(value);
    expect(parsed.overrides).toEqual(overrides);
  });
});

describe('parseComposeYaml positions', () => {
  const text = [
    'services:', //                 1
    '  web:', //                    2
    '    image: nginx', //          3
    '    ports:', //                4
    '      - "80:80"', //           5
    '      - target: 443', //       6
    '    environment: {A: 1}', //   7
    'x-base: &base', //             8
    '  user: root', //              9
    '  volumes: [a, b]', //         10
    'other:', //                    11
    '  <<: *base', //               12
  ].join('\n');
  const { locate } = parseComposeYaml(text, 'compose.yaml');

  it.each([
    ['scalar value', ['services', 'web', 'image'], 3, 12],
    ['block collection points at its key', ['services', 'web', 'ports'], 4, 5],
    ['sequence item', ['services', 'web', 'ports', 0], 5, 9],
    ['mapping inside a sequence', ['services', 'web', 'ports', 1, 'target'], 6, 17],
    ['flow collection points at itself', ['services', 'web', 'environment'], 7, 18],
    ['inside a flow mapping', ['services', 'web', 'environment', 'A'], 7, 22],
    [
      'unknown child falls back to the nearest ancestor',
      ['services', 'web', 'nope', 'deeper'],
      2,
      3,
    ],
    ['merged keys point at the anchored source', ['other', 'user'], 9, 9],
    ['inside a merged flow sequence', ['other', 'volumes', 1], 10, 16],
    ['the root', [], 1, 1],
    ['an index spelled as a string', ['services', 'web', 'ports', '1', 'target'], 6, 17],
  ] as const)('%s', (_, path, line, column) => {
    expect(locate.locate(path)).toEqual({ file: 'compose.yaml', line, column });
  });
});

describe('parseComposeYaml with many aliases', () => {
  // 300 services, each merging an anchor and aliasing another; halfway through both
  // anchors are defined again, so each alias must find the last anchor before it.
  const count = 300;
  const lines = ['x-defaults: &defaults', '  restart: always', '  labels: {tier: one}'];
  lines.push('x-env: &env', '  - A=1', 'services:');
  for (let index = 0; index < count; index++) {
    if (index === count / 2) {
      lines.push('  redefined:', '    <<: &defaults', '      restart: "no"', '      user: root');
      lines.push('    environment: &env [B=2]');
    }
    lines.push(`  svc${index}:`, '    <<: *defaults', `    image: app-${index}`);
    lines.push('    environment: *env');
  }
  const text = `${lines.join('\n')}\n`;
  const parsed = parseComposeYaml(text, 'compose.yaml');
  const line = (wanted: string, after = 0) => lines.indexOf(wanted, after) + 1;

  it('resolves values as the YAML library does', () => {
    expect(parsed.value).toEqual(parse(text, { merge: true, maxAliasCount: -1 }));
  });

  it('positions every expanded copy at its anchored source', () => {
    const secondHalf = line('  redefined:');
    for (let index = 0; index < count; index++) {
      const service = `svc${index}`;
      const own = line(`  ${service}:`);
      const at = (path: (string | number)[]) =>
        parsed.locate.locate(['services', service, ...path]);
      expect(at(['image'])).toEqual({ file: 'compose.yaml', line: own + 2, column: 12 });
      if (index < count / 2) {
        expect(at(['restart'])).toEqual({ file: 'compose.yaml', line: 2, column: 12 });
        expect(at(['labels', 'tier'])).toEqual({ file: 'compose.yaml', line: 3, column: 18 });
        expect(at(['environment', 0])).toEqual({ file: 'compose.yaml', line: 5, column: 5 });
      } else {
        expect(at(['restart'])).toEqual({ file: 'compose.yaml', line: secondHalf + 2, column: 16 });
        expect(at(['environment', 0])).toEqual({
          file: 'compose.yaml',
          line: secondHalf + 4,
          column: 24,
        });
      }
    }
  });
});

describe('parseComposeYaml errors', () => {
  it.each([
    ['bad indentation', 'services:\n  web:\n    image: a\n   ports: []\n', 4, 'invalid YAML'],
    ['unterminated flow sequence', 'services:\n  web:\n    ports: [1, 2\n', 4, 'invalid YAML'],
    [
      'duplicate key',
      'services:\n  web:\n    image: a\n    image: b\n',
      4,
      'Map keys must be unique',
    ],
    ['tab indentation', 'services:\n\tweb: {}\n', 2, 'invalid YAML'],
    ['unknown alias', 'a: *missing\n', 1, 'unknown alias *missing'],
    ['top level is a list', '- a\n- b\n', 1, 'top level of a compose file must be a mapping'],
    ['top level is a scalar', 'hello\n', 1, 'top level of a compose file must be a mapping'],
    [
      '__proto__ key',
      'services:\n  web:\n    __proto__: {image: x}\n',
      3,
      'mapping key __proto__ is not supported',
    ],
    ['complex key', '? [a, b]\n: c\n', 1, 'mapping keys must be plain values'],
    ['merge key on a scalar', 'x: &x 1\na:\n  <<: *x\n', 3, 'merge key << takes a mapping'],
  ])('%s', (_, text, line, message) => {
    const error = parseError(text);
    expect(error.message).toContain(message);
    expect(error.position?.file).toBe('compose.yaml');
    expect(error.position?.line).toBe(line);
    expect(error.position?.column).toBeGreaterThan(0);
  });

  it('stops an alias bomb', () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) {
      levels.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    }
    expect(parseError(`${levels.join('\n')}\n`).message).toContain('too many nodes');
  });
});

describe('parseComposeYamlDocuments', () => {
  it('returns each --- document', () => {
    const documents = parseComposeYamlDocuments('a: 1\n---\nb: 2\n', 'compose.yaml');
    expect(documents.map((document) => document.value)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(documents[1].locate.locate(['b'])).toEqual({ file: 'compose.yaml', line: 3, column: 4 });
  });

  it('is refused by the single-document parser', () => {
    expect(parseError('a: 1\n---\nb: 2\n').message).toContain('one YAML document');
  });
});
