// Regenerates schema/compose-spec.validate.cjs from schema/compose-spec.json (after build:ts).
import { writeFileSync } from 'node:fs';
import { VALIDATOR_URL, validatorSource } from '../dist/compose/schema-compiler.js';

writeFileSync(VALIDATOR_URL, validatorSource());
