// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Compose templates, not JavaScript ones
import { describe, expect, it } from 'vitest';
import { ComposeError } from '../../src/compose/errors.js';
import { interpolateDocument } from '../../src/compose/interpolate.js';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { locatorFor } from '../../src/compose/source-map.js';

const env = { NAME: 'web', EMPTY: '', PORT: '8080', TRUE: 'true', NESTED: 'NAME' };

function interpolateValue(text: string): unknown {
  const document = { value: text };
  return (interpolateDocument(document, env, locatorFor(document)) as { value: unknown }).value;
}

describe('interpolation forms', () => {
  it.each([
    ['no variable', 'plain', 'plain'],
    ['$VAR', '$NAME', 'web'],
    ['${VAR}', '${NAME}', 'web'],
    ['$VAR followed by text', '$NAME-x', 'web-x'],
    ['${VAR} inside text', 'a${NAME}b', 'awebb'],
    ['$VAR name stops at a non-name character', '$NAME.b', 'web.b'],
    ['unset $VAR is empty', 'x$UNSET', 'x'],
    ['${VAR:-default} set', '${NAME:-d}', 'web'],
    ['${VAR:-default} empty', '${EMPTY:-d}', 'd'],
    ['${VAR:-default} unset', '${UNSET:-d}', 'd'],
    ['${VAR-default} set', '${NAME-d}', 'web'],
    ['${VAR-default} empty', '${EMPTY-d}', ''],
    ['${VAR-default} unset', '${UNSET-d}', 'd'],
    ['${VAR:+alt} set', '${NAME:+alt}', 'alt'],
    ['${VAR:+alt} empty', '${EMPTY:+alt}', ''],
    ['${VAR:+alt} unset', '${UNSET:+alt}', ''],
    ['${VAR+alt} set', '${NAME+alt}', 'alt'],
    ['${VAR+alt} empty', '${EMPTY+alt}', 'alt'],
    ['${VAR+alt} unset', '${UNSET+alt}', ''],
    ['${VAR:?err} set', '${NAME:?err}', 'web'],
    ['${VAR?err} empty is fine', '${EMPTY?err}', ''],
    ['default with spaces and colons', '${UNSET:-a b:c}', 'a b:c'],
    ['empty default', '${UNSET:-}', ''],
    ['nested default ${VAR:-${FOO}}', '${UNSET:-${NAME}}', 'web'],
    ['nested default two levels', '${UNSET:-${ALSO_UNSET:-deep}}', 'deep'],
    ['nested $VAR in a default', '${UNSET:-$PORT}', '8080'],
    ['nested in an alternative', '${NAME:+<${PORT}>}', '<8080>'],
    ['$$ escapes', '$$NAME', '$NAME'],
    ['$${VAR} escapes', '$${NAME}', '${NAME}'],
    ['$$$VAR', '$$$NAME', '$web'],
    ['lone $ kept', 'cost: 5$', 'cost: 5$'],
    ['$ before a digit kept', '$1 $-', '$1 $-'],
    ['several variables', '${NAME}:${PORT}', 'web:8080'],
    ['lowercase names', '${lower:-x}', 'x'],
  ])('%s', (_, text, expected) => {
    expect(interpolateValue(text)).toBe(expected);
  });

  it('leaves non-string values alone', () => {
    const document = { a: 1, b: true, c: null, d: [1.5] };
    expect(interpolateDocument(document, env, locatorFor(document))).toEqual(document);
  });

  it('reports unset variables without a default', () => {
    const document = { services: { web: { image: '$A ${B} ${C:-x} ${NAME}' } } };
    const unset: [string, unknown][] = [];
    interpolateDocument(document, env, locatorFor(document), {
      onUnset: (name, path) => unset.push([name, path]),
    });
    expect(unset).toEqual([
      ['A', ['services', 'web', 'image']],
      ['B', ['services', 'web', 'image']],
    ]);
  });
});

describe('interpolation of a document', () => {
  it('interpolates values, never keys', () => {
    const parsed = parseComposeYaml(
      'services:\n  $NAME:\n    image: "app:${TAG:-latest}"\n    labels:\n      "$NAME": "$NAME"\n',
      'compose.yaml',
    );
    expect(interpolateDocument(parsed.value, env, parsed.locate)).toEqual({
      services: { $NAME: { image: 'app:latest', labels: { $NAME: 'web' } } },
    });
  });

  it('interpolates list-form labels and environment entries', () => {
    const parsed = parseComposeYaml(
      'services:\n  a:\n    labels:\n      - "$NAME=x"\n    environment:\n      - P=${PORT}\n',
      'compose.yaml',
    );
    expect(interpolateDocument(parsed.value, env, parsed.locate)).toEqual({
      services: { a: { labels: ['web=x'], environment: ['P=8080'] } },
    });
  });

  it('keeps source positions on the interpolated copy', () => {
    const parsed = parseComposeYaml('services:\n  a:\n    image: $NAME\n', 'compose.yaml');
    const result = interpolateDocument(parsed.value, env, parsed.locate);
    expect(locatorFor(result).locate(['services', 'a', 'image'])).toEqual({
      file: 'compose.yaml',
      line: 3,
      column: 12,
    });
  });

  it.each([
    ['read_only', '${TRUE}', true],
    ['read_only', 'no', false],
    ['tty', 'ON', true],
    ['privileged', '${UNSET:-false}', false],
    ['cpus', '${UNSET:-1.5}', 1.5],
    ['scale', '${UNSET:-3}', 3],
    ['healthcheck.retries', '$PORT', 8080],
    ['ports.0.target', '${UNSET:-80}', 80],
    ['ulimits.nofile', '1024', 1024],
    ['depends_on.db.required', '${UNSET:-false}', false],
    ['secrets.0.mode', '0440', '0440'],
    ['image', '${UNSET:-3}', '3'],
    ['mem_limit', '512m', '512m'],
  ])('casts services.*.%s = %s to %o', (field, value, expected) => {
    const service: Record<string, unknown> = {};
    let node: Record<string, unknown> | unknown[] = service;
    const parts = field.split('.');
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const child = last ? value : /^\d+$/.test(parts[i + 1]) ? [] : {};
      (node as Record<string, unknown>)[part] = child;
      if (!last) node = child as Record<string, unknown>;
    });
    const document = { services: { s: service } };
    const result = interpolateDocument(document, env, locatorFor(document)) as typeof document;
    let got: unknown = result.services.s;
    for (const part of parts) got = (got as Record<string, unknown>)[part];
    expect(got).toEqual(expected);
  });

  it('casts top-level external flags', () => {
    const document = {
      networks: { n: { external: '${UNSET:-true}' } },
      volumes: { v: { external: 'false' } },
    };
    expect(interpolateDocument(document, env, locatorFor(document))).toEqual({
      networks: { n: { external: true } },
      volumes: { v: { external: false } },
    });
  });
});

describe('interpolation errors', () => {
  const cases = [
    [
      'required ${VAR:?err} unset',
      '${UNSET:?please set UNSET}',
      'required variable UNSET is missing a value: please set UNSET',
    ],
    [
      'required ${VAR:?err} empty',
      '${EMPTY:?need it}',
      'required variable EMPTY is missing a value: need it',
    ],
    ['required ${VAR?err} unset', '${UNSET?}', 'required variable UNSET is missing a value'],
    [
      'nested error message',
      '${UNSET:?$NAME is missing}',
      'required variable UNSET is missing a value: web is missing',
    ],
    ['empty braces', '${}', 'invalid interpolation format "${}"'],
    ['unsupported substitution', '${NAME/a/b}', 'invalid interpolation format "${NAME/a/b}"'],
    ['unterminated braces', 'x ${NAME', 'invalid interpolation format "${NAME"'],
    ['name starting with a digit', '${1X}', 'invalid interpolation format "${1X}"'],
  ] as const;

  it.each(cases)('%s', (_, template, message) => {
    const parsed = parseComposeYaml(
      `services:\n  web:\n    image: nginx\n    environment:\n      A: "${template}"\n`,
      'compose.yaml',
    );
    let caught: unknown;
    try {
      interpolateDocument(parsed.value, env, parsed.locate);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ComposeError);
    const error = caught as ComposeError;
    expect(error.message).toBe(message);
    expect(error.path).toEqual(['services', 'web', 'environment', 'A']);
    expect(error.position).toEqual({ file: 'compose.yaml', line: 5, column: 10 });
  });

  it('refuses a value that cannot take the field type', () => {
    const parsed = parseComposeYaml('services:\n  web:\n    read_only: ${NAME}\n', 'compose.yaml');
    expect(() => interpolateDocument(parsed.value, env, parsed.locate)).toThrow(
      expect.objectContaining({
        message: '"web" is not a boolean (true or false)',
        position: { file: 'compose.yaml', line: 3, column: 16 },
      }),
    );
  });
});
