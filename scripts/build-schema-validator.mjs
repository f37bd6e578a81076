// Regenerates schema/compose-spec.validate.cjs from schema/compose-spec.json (after build:ts).
import { writeFileSync } from 'node:fs';
import { validatorSource } from '../dist/compose/schema-compiler.js';
import { VALIDATOR_URL } from '../dist/compose/validate-schema.js';

writeFileSync(VALIDATOR_URL, validatorSource());
