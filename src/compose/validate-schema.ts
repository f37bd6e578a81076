import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { schemaErrorToComposeError } from './schema-errors.js';
import type { SourceLocator } from './source-map.js';

/** Where the schema sits, from both src/compose (tests) and dist/compose (the package). */
const SCHEMA_URL = new URL('../../schema/compose-spec.json', import.meta.url);

/** Our own annotations in the schema, which only word error messages. */
const MESSAGE_ANNOTATIONS = ['patternText', 'keyText', 'kindText'];

let compiled: ValidateFunction | undefined;

/** Compiled once per process: compiling costs far more than validating. */
function composeValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true });
    ajv.addVocabulary(MESSAGE_ANNOTATIONS);
    compiled = ajv.compile(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')));
  }
  return compiled;
}

/**
 * Checks an interpolated compose document against schema/compose-spec.json and throws
 * the single most relevant ComposeError, placed by `locator`, when it does not match.
 */
export function validateSchema(document: unknown, locator: SourceLocator): void {
  const validate = composeValidator();
  if (validate(document)) return;
  throw schemaErrorToComposeError(validate.errors ?? [], document, locator);
}
