import { basename } from 'node:path';
import { ComposeError } from './errors.js';

const VALID_PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const NAME_RULE =
  'must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit';

/** Where the project name came from, in the order Compose tries them. */
export interface ProjectNameSources {
  /** `-p` / `--project-name`. */
  flag?: string;
  /** COMPOSE_PROJECT_NAME from the environment (process or .env). */
  environment?: string;
  /** The top-level `name:` of the merged files. */
  topLevel?: string;
  /** The project directory; its basename is the last resort. */
  projectDirectory: string;
}

/** Lowercases and drops every character Compose does not allow, then leading `_` and `-`. */
export function normalizeProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '')
    .replace(/^[_-]+/, '');
}

/**
 * The project name: `-p`, else COMPOSE_PROJECT_NAME, else top-level `name`, else the
 * directory's basename. A name the user set explicitly must already be valid; the
 * directory's basename is normalized instead.
 */
export function resolveProjectName(sources: ProjectNameSources): string {
  const explicit: [string | undefined, string][] = [
    [sources.flag, 'project name'],
    [sources.environment, 'COMPOSE_PROJECT_NAME'],
    [sources.topLevel, 'top-level name'],
  ];
  for (const [value, origin] of explicit) {
    if (value === undefined || value === '') continue;
    if (!VALID_PROJECT_NAME.test(value)) {
      throw new ComposeError(`invalid ${origin} "${value}"`, { hint: NAME_RULE });
    }
    return value;
  }
  const fromDirectory = normalizeProjectName(basename(sources.projectDirectory));
  if (fromDirectory === '') {
    throw new ComposeError(
      `cannot derive a project name from directory "${sources.projectDirectory}"`,
      { hint: 'set one with -p, COMPOSE_PROJECT_NAME or a top-level name' },
    );
  }
  return fromDirectory;
}
