import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';

/** The schema compiled ahead of time by schema-compiler.ts (`npm run build:schema`). */
export const VALIDATOR_URL = new URL('../../schema/compose-spec.validate.cjs', import.meta.url);

/**
 * Loads the generated validator. The config bundle (scripts/bundle-config-cli.mjs)
 * replaces this module with one that imports the validator, so that it is compiled
 * with the rest of the bundle and from its code cache.
 */
export function loadComposeValidator(): ValidateFunction {
  return createRequire(import.meta.url)(fileURLToPath(VALIDATOR_URL)) as ValidateFunction;
}
