import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { optionalFile, readEnvFiles } from './environment.js';
import { ComposeError, type FieldPath } from './errors.js';
import { clonePositioned, copyPosition, isMapping, positionOf } from './source-map.js';

type Mapping = Record<string, unknown>;

/** What an `include` entry asks to load: a compose model of its own. */
export interface IncludedModelRequest {
  /** Absolute paths; the first is the main file, the others override it. */
  files: string[];
  projectDirectory: string;
  environment: Record<string, string>;
  /** Files being included, outermost first, to detect include cycles. */
  chain: string[];
}

export interface IncludeContext {
  /** The file holding the `include` section (for messages). */
  file: string;
  /** The including model's project directory: relative include paths start here. */
  workingDir: string;
  environment: Record<string, string>;
  chain: string[];
  /** Loads, includes and merges the requested files into one model. */
  loadModel: (request: IncludedModelRequest) => Mapping;
}

/** The top-level sections whose entries an included model contributes. */
const RESOURCE_SECTIONS = ['services', 'networks', 'volumes', 'configs', 'secrets', 'models'];

/**
 * Loads each `include` entry as a model of its own (own project directory, own `.env`
 * overridden by the including environment) and copies its resources into the document.
 * A resource defined differently by an include and by the including file is an error.
 */
export function applyInclude(document: Mapping, context: IncludeContext): Mapping {
  if (document.include === undefined || document.include === null) return document;
  const result = clonePositioned(document);
  const entries = result.include;
  delete result.include;
  if (!Array.isArray(entries)) {
    throw new ComposeError('include must be a list', {
      path: ['include'],
      position: positionOf(document, 'include'),
    });
  }
  entries.forEach((entry, index) => {
    const request = includeRequest(entry, ['include', index], entries, context);
    const imported = withDefaultBuildContext(context.loadModel(request), request.projectDirectory);
    importResources(imported, result, request.files[0], context.file);
  });
  return result;
}

interface IncludeEntry {
  path: string[];
  projectDirectory?: string;
  envFiles?: string[];
}

function includeRequest(
  entry: unknown,
  fieldPath: FieldPath,
  entries: unknown[],
  context: IncludeContext,
): IncludedModelRequest {
  const position = positionOf(entries, fieldPath[1] as number);
  const parsed = parseEntry(entry, fieldPath, position);
  const resolve = (file: string) => path.resolve(context.workingDir, file);
  const files = parsed.path.map(resolve);
  const projectDirectory = parsed.projectDirectory
    ? resolve(parsed.projectDirectory)
    : path.dirname(files[0]);
  if (context.chain.includes(files[0])) {
    throw new ComposeError(`include cycle: ${[...context.chain, files[0]].join(' -> ')}`, {
      path: fieldPath,
      position,
    });
  }
  const envFiles = parsed.envFiles
    ? parsed.envFiles.filter((file) => file !== '/dev/null').map(resolve)
    : optionalFile(path.join(projectDirectory, '.env'));
  // The including project's variables win over the included project's own env files.
  const environment = { ...readEnvFiles(envFiles, context.environment), ...context.environment };
  return { files, projectDirectory, environment, chain: [...context.chain, files[0]] };
}

function parseEntry(
  entry: unknown,
  fieldPath: FieldPath,
  position: ReturnType<typeof positionOf>,
): IncludeEntry {
  if (typeof entry === 'string') return { path: [entry] };
  const invalid = (message: string) => new ComposeError(message, { path: fieldPath, position });
  if (!isMapping(entry)) throw invalid('an include entry is a path or a mapping with path');
  const paths = stringList(entry.path);
  if (!paths || paths.length === 0)
    throw invalid('include entry needs path (a file or a list of files)');
  if (entry.project_directory !== undefined && typeof entry.project_directory !== 'string') {
    throw invalid('include project_directory must be a path');
  }
  const envFiles = entry.env_file === undefined ? undefined : stringList(entry.env_file);
  if (envFiles === undefined && entry.env_file !== undefined) {
    throw invalid('include env_file must be a file or a list of files');
  }
  return { path: paths, projectDirectory: entry.project_directory, envFiles };
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  return undefined;
}

/**
 * An included service that builds without naming a context builds its own project
 * directory (Compose completes included models before importing them).
 */
function withDefaultBuildContext(model: Mapping, projectDirectory: string): Mapping {
  if (!isMapping(model.services)) return model;
  for (const service of Object.values(model.services)) {
    if (isMapping(service) && isMapping(service.build) && service.build.context === undefined) {
      service.build.context = projectDirectory;
    }
  }
  return model;
}

function importResources(
  imported: Mapping,
  target: Mapping,
  includedFile: string,
  includingFile: string,
): void {
  for (const section of RESOURCE_SECTIONS) {
    const from = imported[section];
    if (!isMapping(from)) continue;
    if (!isMapping(target[section])) target[section] = {};
    const to = target[section] as Mapping;
    for (const [name, definition] of Object.entries(from)) {
      if (Object.hasOwn(to, name)) {
        if (isDeepStrictEqual(to[name], definition)) continue;
        throw new ComposeError(
          `${section}.${name} is defined both in ${includingFile} and in the included ${includedFile}`,
          {
            path: [section, name],
            position: positionOf(to, name),
            hint: 'an included resource cannot be redefined; extend it in an override file instead',
          },
        );
      }
      to[name] = definition;
      copyPosition(from, name, to, name);
    }
  }
}
