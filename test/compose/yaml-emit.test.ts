import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emitYaml } from '../../src/compose/yaml-emit.js';

const TRICKY_STRINGS = [
  '',
  ' leading',
  'trailing ',
  'true',
  'False',
  'yes',
  'off',
  'null',
  '~',
  '3000',
  '-1',
  '1.5',
  '0x1F',
  '1e3',
  '8080:80',
  '1:30',
  '127.0.0.1',
  '.5',
  '1_000',
  '.inf',
  '- item',
  '-',
  '-U',
  '--port',
  'key: value',
  'a #comment',
  'ends with colon:',
  '#hash',
  '*alias',
  '&anchor',
  '!tag',
  '|pipe',
  '>fold',
  "'single'",
  '"double"',
  '%percent',
  '@at',
  '`tick`',
  '[list]',
  '{map}',
  'a,b',
  'tab\there',
  'line\nbreak',
  'two lines\n',
  'trailing newlines\n\n',
  '\nleading newline',
  'carriage\r\nreturn',
  'unicode ✓ é',
  'nginx:1.27-alpine',
  'postgres://shop@db/shop',
  'curl -f http://localhost || exit 1',
  '---',
  '...',
  'FROM busybox\nRUN echo hi\n',
];

describe('emitYaml', () => {
  it.each(TRICKY_STRINGS)('round-trips the string %j as value and key', (text) => {
    const value = { [text]: text, list: [text], nested: { deeper: [{ a: text, b: text }] } };
    expect(parse(emitYaml(value))).toEqual(value);
  });

  it('round-trips scalars, empty collections and nesting', () => {
    const value = {
      name: 'demo',
      n: 3,
      f: 1.5,
      t: true,
      z: null,
      empty: {},
      none: [],
      lists: [[1, 2], [], {}, [{ a: 1 }]],
      maps: [{ a: { b: [1, { c: 'd' }] }, e: 'f' }],
    };
    expect(parse(emitYaml(value))).toEqual(value);
  });

  it('prints compose style: lists under their key, literal blocks', () => {
    expect(
      emitYaml({
        services: {
          web: {
            command: ['npm', 'start'],
            ports: [{ mode: 'ingress', target: 80, published: '8080' }],
            networks: { default: null },
            volume: {},
          },
        },
        configs: { app: { content: 'a=1\nb=2\n' } },
      }),
    ).toBe(
      [
        'services:',
        '  web:',
        '    command:',
        '      - npm',
        '      - start',
        '    ports:',
        '      - mode: ingress',
        '        target: 80',
        '        published: "8080"',
        '    networks:',
        '      default: null',
        '    volume: {}',
        'configs:',
        '  app:',
        '    content: |',
        '      a=1',
        '      b=2',
        '',
      ].join('\n'),
    );
  });
});
