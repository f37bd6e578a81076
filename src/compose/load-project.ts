import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveEnvironment } from './environment.js';
import { findComposeFiles } from './find-files.js';
import { loadComposeDocuments } from './load-documents.js';
import { ModelSourceMap } from './located-error.js';
import type { Project } from './model.js';
import { normalizeProject } from './normalize.js';
import { applyProfiles } from './profiles.js';
import { resolveProjectName } from './project-name.js';
import { checkProject } from './semantic-checks.js';
import { readServiceEnvFile } from './service-env-file.js';
import { validateSchema } from './validate-schema.js';

export interface LoadProjectOptions {
  /** `-f` files; default: COMPOSE_FILE, else compose.yaml & co. searched upward. */
  files?: string[];
  /** Where relative -f and --env-file paths start; default: the process's cwd. */
  workingDir?: string;
  /** `--project-directory`; default: the first compose file's directory. */
  projectDirectory?: string;
  /** `-p`. */
  projectName?: string;
  /** `--profile`; when empty COMPOSE_PROFILES applies. */
  profiles?: string[];
  /** `--env-file`; default: `<project directory>/.env` when it exists. */
  envFiles?: string[];
  /** The process environment; default: process.env. */
  environment?: Record<string, string | undefined>;
  /** false for `--no-interpolate`. */
  interpolate?: boolean;
  /** Services named on the command line: they are enabled with their profiles. */
  services?: string[];
  /** Told what Compose warns about (a variable used but not set); default: ignored. */
  onWarning?: (message: string) => void;
}

const PROJECT_NAME_VARIABLE = 'COMPOSE_PROJECT_NAME';

/**
 * Loads a compose application as Docker Compose v2 does, stage by stage: find the
 * files, resolve the environment, parse + interpolate + include + extends + merge +
 * schema-validate, name the project, normalize to the canonical model, apply
 * profiles, check the whole. Throws ComposeError for any user error.
 */
export function loadProject(options: LoadProjectOptions = {}): Project {
  const processEnv = options.environment ?? process.env;
  const workingDir = resolve(options.workingDir ?? process.cwd());
  const envFiles = (options.envFiles ?? []).map((file) => resolve(workingDir, file));
  const requestedDirectory = options.projectDirectory
    ? resolve(workingDir, options.projectDirectory)
    : undefined;

  const found = findComposeFiles({
    files: options.files ?? [],
    workingDir,
    projectDirectory: requestedDirectory,
    env: resolveEnvironment({
      projectDirectory: requestedDirectory ?? workingDir,
      envFiles,
      processEnv,
    }),
  });
  const environment = resolveEnvironment({
    projectDirectory: found.projectDirectory,
    envFiles,
    processEnv,
  });
  const interpolate = options.interpolate ?? true;
  let warnings: string[] = [];
  const load = (variables: Record<string, string>) => {
    warnings = [];
    return loadComposeDocuments({
      files: found.files,
      projectDirectory: found.projectDirectory,
      environment: variables,
      interpolate,
      validate: validateSchema,
      onUnsetVariable: (name) => {
        warnings.push(`the "${name}" variable is not set, defaulting to a blank string`);
      },
    });
  };

  const nameBeforeLoading = options.projectName || environment[PROJECT_NAME_VARIABLE] || undefined;
  let loaded = load(withProjectName(environment, nameBeforeLoading));
  const projectName = resolveProjectName({
    flag: options.projectName,
    environment: environment[PROJECT_NAME_VARIABLE],
    topLevel: typeof loaded.document.name === 'string' ? loaded.document.name : undefined,
    projectDirectory: found.projectDirectory,
  });
  const projectEnvironment = withProjectName(environment, projectName);
  if (nameBeforeLoading === undefined && interpolate && mentionsProjectName(loaded.files)) {
    loaded = load(projectEnvironment);
  }

  for (const warning of new Set(warnings)) options.onWarning?.(warning);

  const sourceMap = new ModelSourceMap(loaded.locate);
  const normalized = normalizeProject(loaded.document, {
    projectName,
    workingDir: found.projectDirectory,
    composeFiles: loaded.files,
    environment: projectEnvironment,
    lookup: sourceMap,
    readEnvFile: readServiceEnvFile,
  });
  const project = applyProfiles(
    normalized,
    {
      flags: options.profiles ?? [],
      environmentValue: environment.COMPOSE_PROFILES,
      explicitServices: options.services ?? [],
    },
    sourceMap,
  );
  checkProject(project, sourceMap);
  return project;
}

/** The project name is exposed to interpolation as COMPOSE_PROJECT_NAME. */
function withProjectName(
  environment: Record<string, string>,
  name: string | undefined,
): Record<string, string> {
  return name === undefined ? environment : { ...environment, [PROJECT_NAME_VARIABLE]: name };
}

/**
 * Whether a file uses ${COMPOSE_PROJECT_NAME} while the name comes from the files
 * themselves (top-level `name` or the directory): they are then read a second time.
 */
function mentionsProjectName(files: string[]): boolean {
  return files.some((file) => readFileSync(file, 'utf8').includes(PROJECT_NAME_VARIABLE));
}
