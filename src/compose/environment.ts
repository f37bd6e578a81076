import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDotEnv } from './dotenv.js';
import { ComposeError } from './errors.js';

export interface EnvironmentOptions {
  projectDirectory: string;
  /** `--env-file` values in order (relative to the working directory, as Compose reads
   * them); when given they replace the default `.env`. */
  envFiles: string[];
  processEnv: Record<string, string | undefined>;
}

/**
 * The variables compose files are interpolated with: the env files (by default
 * `<projectDirectory>/.env` when it exists), overridden by the process environment.
 */
export function resolveEnvironment(options: EnvironmentOptions): Record<string, string> {
  const processEnv = definedVariables(options.processEnv);
  const files =
    options.envFiles.length > 0
      ? options.envFiles.map((file) => path.resolve(file))
      : optionalFile(path.join(options.projectDirectory, '.env'));
  return { ...readEnvFiles(files, processEnv), ...processEnv };
}

/**
 * The variables defined by env files read in order. Substitutions inside them see `base`
 * first, then what earlier files and lines defined (as Compose resolves them).
 */
export function readEnvFiles(
  files: string[],
  base: Record<string, string>,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const file of files) {
    const parsed = parseDotEnv(readEnvFile(file), file, (name) => base[name] ?? values[name]);
    Object.assign(values, parsed);
  }
  return values;
}

/** `[file]` when it exists as a regular file, else `[]`. */
export function optionalFile(file: string): string[] {
  try {
    return statSync(file).isFile() ? [file] : [];
  } catch {
    return [];
  }
}

function readEnvFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory' : 'not found';
    throw new ComposeError(`env file ${file} ${reason}`);
  }
}

function definedVariables(env: Record<string, string | undefined>): Record<string, string> {
  const defined: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) defined[name] = value;
  }
  return defined;
}
