import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';

/*
 * Compiling the schema with ajv takes about a second, far more than validating a
 * file, so the compiled validator is generated once (`npm run build:schema`) into
 * schema/compose-spec.validate.cjs and shipped beside the schema it comes from.
 */

export const SCHEMA_URL = new URL('../../schema/compose-spec.json', import.meta.url);

/** Our own annotations in the schema, which only word error messages. */
const MESSAGE_ANNOTATIONS = ['patternText', 'keyText', 'kindText'];

/** The source of schema/compose-spec.validate.cjs, as it must be for the current schema. */
export function validatorSource(): string {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    allowUnionTypes: true,
    inlineRefs: false,
    code: { source: true },
  });
  ajv.addVocabulary(MESSAGE_ANNOTATIONS);
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')));
  const header = '// Generated from compose-spec.json by `npm run build:schema`. Do not edit.\n';
  // The package is CommonJS: its default export is the module object, holding `default`.
  return `${header}${standalone.default(ajv, validate)}\n`;
}
