import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseComposeYaml } from '../../src/compose/parse.js';
import { validateSchema } from '../../src/compose/validate-schema.js';

/*
 * Our schema is written from the specification text; the official schemas are the
 * reference for what Docker Compose accepts. On every fixture they must agree, except
 * where a difference is deliberate and listed here with its reason. The official files
 * live beside the repository (../shared), not in it, so this skips where they are absent.
 */

const FIXTURES = new URL('./fixtures/', import.meta.url);
const SHARED = new URL('../../../shared/compose-spec/', import.meta.url);

/** Where we reject what the official schemas accept, on purpose. */
const STRICTER: Record<string, string> = {
  'ulimits-unknown-name.yaml': 'ulimit names are the kernel limits Docker knows, with did-you-mean',
  'include-missing-path.yaml': 'the specification says path is required',
  'pull-policy-with-suffix.yaml':
    'the official pattern is unanchored; the specification lists values',
  'gpus-unknown-field.yaml': 'the official gpus items leave unknown keys open by mistake',
  'network-bad-name.yaml': 'network names follow the same rule as every other name map',
};

/** Where we accept what the official schemas reject, on purpose. */
const MORE_LENIENT: Record<string, string> = {
  'extensions-in-include-and-extends.yaml':
    'the specification allows x- keys wherever user-defined keys are not expected',
};

/** What the older draft-07 copy lacks that the specification text (and compose-go) has. */
const NEWER_THAN_DRAFT_07: Record<string, string> = {
  'build-every-form.yaml': 'build.no_cache_filter',
  'kitchen-sink.yaml': 'pre_start',
  'lifecycle-hooks.yaml': 'pre_start',
  'models-forms.yaml': 'an empty entry in a service models mapping',
  'nulls-where-allowed.yaml': 'an empty entry in a service models mapping',
};

interface OfficialSchema {
  name: string;
  file: URL;
  compile(schema: object): ValidateFunction;
  alsoDiffers: Record<string, string>;
}

const OFFICIAL: OfficialSchema[] = [
  {
    name: 'compose-go (2020-12)',
    file: new URL('compose-go-schema/compose-spec.json', SHARED),
    compile: (schema) => new Ajv2020({ strict: false, validateSchema: false }).compile(schema),
    alsoDiffers: {},
  },
  {
    name: 'compose-spec (draft-07)',
    file: new URL('compose-spec.json', SHARED),
    compile: (schema) => new Ajv({ strict: false, validateSchema: false }).compile(schema),
    alsoDiffers: NEWER_THAN_DRAFT_07,
  },
];

interface Fixture {
  name: string;
  value: unknown;
  oursAccepts: boolean;
}

function loadFixtures(): Fixture[] {
  return (['valid', 'invalid'] as const).flatMap((kind) =>
    readdirSync(new URL(`${kind}/`, FIXTURES))
      .sort()
      .map((name) => {
        const text = readFileSync(new URL(`${kind}/${name}`, FIXTURES), 'utf8');
        const { value, locate } = parseComposeYaml(text, name);
        let oursAccepts = true;
        try {
          validateSchema(value, locate);
        } catch {
          oursAccepts = false;
        }
        return { name, value, oursAccepts };
      }),
  );
}

for (const official of OFFICIAL) {
  describe.skipIf(!existsSync(official.file))(`our schema against ${official.name}`, () => {
    const fixtures = loadFixtures();
    // Read when the suite runs: vitest still collects a skipped suite, where the file is absent.
    let validate: ValidateFunction;
    beforeAll(() => {
      validate = official.compile(JSON.parse(readFileSync(official.file, 'utf8')));
    });
    const deliberate = { ...STRICTER, ...MORE_LENIENT, ...official.alsoDiffers };

    it.each(fixtures.map((fixture) => [fixture.name, fixture] as const))('%s', (name, fixture) => {
      const officialAccepts = validate(fixture.value) as boolean;
      if (name in deliberate) {
        expect(officialAccepts, deliberate[name]).toBe(!fixture.oursAccepts);
      } else {
        expect(officialAccepts).toBe(fixture.oursAccepts);
      }
    });

    it('lists only fixtures that exist', () => {
      const names = new Set(fixtures.map((fixture) => fixture.name));
      expect(Object.keys(deliberate).filter((name) => !names.has(name))).toEqual([]);
    });
  });
}
