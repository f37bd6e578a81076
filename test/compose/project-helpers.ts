import { ComposeError, formatComposeError } from '../../src/compose/errors.js';
import { ModelSourceMap, noSourcePositions } from '../../src/compose/located-error.js';
import type { Project } from '../../src/compose/model.js';
import { normalizeProject } from '../../src/compose/normalize.js';
import type { EnvFileReader } from '../../src/compose/normalize-service.js';

/** A lookup for in-memory documents: no positions, but model paths map back to written ones. */
export function memoryLookup(): ModelSourceMap {
  return new ModelSourceMap(noSourcePositions);
}

/** Normalizes an in-memory document as project "demo" in /srv/demo. */
export function normalizeDocument(
  document: Record<string, unknown>,
  options: {
    environment?: Record<string, string>;
    readEnvFile?: EnvFileReader;
    lookup?: ModelSourceMap;
  } = {},
): Project {
  return normalizeProject(document, {
    projectName: 'demo',
    workingDir: '/srv/demo',
    composeFiles: [],
    environment: options.environment ?? {},
    lookup: options.lookup ?? memoryLookup(),
    readEnvFile: options.readEnvFile ?? (() => undefined),
  });
}

/** The one-line message of the ComposeError `run` throws; fails when it throws none. */
export function composeErrorText(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ComposeError) return formatComposeError(error);
    throw error;
  }
  throw new Error('expected a ComposeError');
}
