import { readFileSync } from 'node:fs';
import { parseDotEnv } from './dotenv.js';
import type { EnvFileReference } from './model.js';
import type { Lookup } from './normalize-values.js';

/**
 * Reads a service's env_file (the edge where normalization touches the disk):
 * its variables, or undefined when the file does not exist. `format: raw` takes
 * each KEY=VALUE line literally, without quotes, escapes or interpolation.
 */
export function readServiceEnvFile(
  reference: EnvFileReference,
  lookup: Lookup,
): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(reference.path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return reference.format === 'raw' ? parseRawEnv(text) : parseDotEnv(text, reference.path, lookup);
}

function parseRawEnv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals > 0) values[line.slice(0, equals).trim()] = line.slice(equals + 1);
  }
  return values;
}
