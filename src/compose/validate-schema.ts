import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { VALIDATOR_URL } from './schema-compiler.js';
import { schemaErrorToComposeError } from './schema-errors.js';
import type { SourceLocator } from './source-map.js';

let validator: ValidateFunction | undefined;

/** The precompiled validator (see schema-compiler.ts), loaded on first use. */
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
