import { statSync } from 'node:fs';
import path from 'node:path';
import { ComposeError } from './errors.js';

export interface FindFilesOptions {
  /** `-f` values in order. */
  files: string[];
  workingDir: string;
  /** `--project-directory`. */
  projectDirectory?: string;
  /** Where COMPOSE_FILE and COMPOSE_PATH_SEPARATOR are read (process env and `.env`). */
  env: Record<string, string | undefined>;
}

export interface FoundFiles {
  files: string[];
  projectDirectory: string;
}

/** Compose's own search order; the first name found in a directory wins. */
export const DEFAULT_FILE_NAMES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yml',
  'docker-compose.yaml',
];
export const DEFAULT_OVERRIDE_FILE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
];

/**
 * The compose files to load, as absolute paths: the `-f` files, else COMPOSE_FILE, else
 * the first default-named file found in the project directory (when given) or the
 * working directory, or else their nearest ancestor, with the first override beside it.
 */
export function findComposeFiles(options: FindFilesOptions): FoundFiles {
  const requestedDirectory = options.projectDirectory
    ? path.resolve(options.workingDir, options.projectDirectory)
    : undefined;
  // Compose searches from --project-directory when one is given.
  const files =
    explicitFiles(options) ?? searchDefaultFiles(requestedDirectory ?? options.workingDir);
  for (const file of files) requireFile(file);
  return { files, projectDirectory: requestedDirectory ?? path.dirname(files[0]) };
}

function explicitFiles(options: FindFilesOptions): string[] | undefined {
  if (options.files.length > 0) {
    return options.files.map((file) => path.resolve(options.workingDir, file));
  }
  const fromEnv = options.env.COMPOSE_FILE;
  if (!fromEnv) return undefined;
  const separator = options.env.COMPOSE_PATH_SEPARATOR || path.delimiter;
  return fromEnv
    .split(separator)
    .filter((file) => file !== '')
    .map((file) => path.resolve(options.workingDir, file));
}

function searchDefaultFiles(workingDir: string): string[] {
  let directory = path.resolve(workingDir);
  for (;;) {
    const main = firstExisting(directory, DEFAULT_FILE_NAMES);
    if (main) {
      const override = firstExisting(directory, DEFAULT_OVERRIDE_FILE_NAMES);
      return override ? [main, override] : [main];
    }
    const parent = path.dirname(directory);
    if (parent === directory) {
      throw new ComposeError('no configuration file provided: not found', {
        hint: `looked for ${DEFAULT_FILE_NAMES.join(', ')} in ${workingDir} and its parents; use -f to name one`,
      });
    }
    directory = parent;
  }
}

function firstExisting(directory: string, names: string[]): string | undefined {
  return names.map((name) => path.join(directory, name)).find(isFile);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function requireFile(file: string): void {
  if (!isFile(file)) throw new ComposeError(`compose file ${file} not found`);
}
