import type { ValidateFunction } from 'ajv';
import { loadComposeValidator } from './compose-validator.js';
import { schemaErrorToComposeError } from './schema-errors.js';
import type { SourceLocator } from './source-map.js';

export { VALIDATOR_URL } from './compose-validator.js';

let validator: ValidateFunction | undefined;

/** Loaded on first use; it is plain generated code, so loading it is cheap. */
function composeValidator(): ValidateFunction {
  validator ??= loadComposeValidator();
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
