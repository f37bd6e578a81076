/**
 * Writes the benchmark compose file (see compose-text.ts) with N services (default 200).
 * Usage: vite-node bench/generate-compose.ts <out-file> [services]
 */
import { writeFileSync } from 'node:fs';
import { generateComposeText } from './compose-text.js';

const [out, count = '200'] = process.argv.slice(2);
if (!out) {
  process.stderr.write('usage: generate-compose.ts <out-file> [services]\n');
  process.exit(1);
}
writeFileSync(out, generateComposeText(Number(count)));
