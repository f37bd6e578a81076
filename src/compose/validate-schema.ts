import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { schemaErrorToComposeError } from './schema-errors.js';
import type { SourceLocator } from './source-map.js';

/** The schema compiled ahead of time by schema-compiler.ts (`npm run build:schema`). */
export const VALIDATOR_URL = new URL('../../schema/compose-spec.validate.cjs', import.meta.url);

let validator: ValidateFunction | undefined;

/** Loaded on first use; it is plain generated code, so loading it is cheap. */
function composeValidator(): ValidateFunction {
  validator ??= createRequire(import.meta.url)(fileURLToPath(VALIDATOR_URL)) as ValidateFunction;
  return validator;
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
