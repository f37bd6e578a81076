import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ComposeError, type FieldPath } from './errors.js';
import { applyExtends, type ServiceSource } from './extends.js';
import { applyInclude } from './include.js';
import { interpolateDocument } from './interpolate.js';
import { mergeComposeDocuments } from './merge.js';
import { type ParsedDocument, parseComposeYamlDocuments } from './parse.js';
import { resolveRelativePaths } from './resolve-paths.js';
import { locatorFor, type SourceLocator, setOwnPosition } from './source-map.js';

export interface LoadDocumentsOptions {
  files: string[];
  projectDirectory: string;
  environment: Record<string, string>;
  /** false for `config --no-interpolate`. */
  interpolate: boolean;
  /** The schema check, called for every file read, after interpolation; throws ComposeError. */
  validate?: (document: unknown, locate: SourceLocator) => void;
  /** Told about each variable used without a value or default (Compose warns about these). */
  onUnsetVariable?: (name: string, path: FieldPath, file: string) => void;
}

export interface LoadedDocuments {
  document: Record<string, unknown>;
  locate: SourceLocator;
  /** Every file read, including included and extended ones, in the order first read. */
  files: string[];
}

type Mapping = Record<string, unknown>;

/**
 * Reads compose files into one merged document. Per file: parse, interpolate, validate,
 * resolve relative paths, apply `include`, apply `extends` (Compose's own order); then
 * the files are merged in order.
 */
export function loadComposeDocuments(options: LoadDocumentsOptions): LoadedDocuments {
  const loader = new DocumentLoader(options);
  const document = loader.loadModel(
    options.files,
    options.projectDirectory,
    options.environment,
    [],
  );
  return { document, locate: locatorFor(document), files: loader.filesRead };
}

class DocumentLoader {
  readonly filesRead: string[] = [];
  /** Extended files already read, per environment (an included project has its own). */
  private readonly serviceSources = new WeakMap<object, Map<string, ServiceSource>>();

  constructor(private readonly options: LoadDocumentsOptions) {}

  /** One compose model: its files merged in order, each with include and extends applied. */
  loadModel(
    files: string[],
    projectDirectory: string,
    environment: Record<string, string>,
    chain: string[],
  ): Mapping {
    let model: Mapping = {};
    setOwnPosition(model, { file: files[0], line: 1, column: 1 });
    for (const file of files) {
      for (const parsed of this.prepare(file, environment, projectDirectory)) {
        // Includes first, so that services may extend included ones (as Compose does).
        const included = applyInclude(parsed.value as Mapping, {
          file,
          workingDir: projectDirectory,
          environment,
          chain: chain.includes(file) ? chain : [...chain, file],
          loadModel: (request) =>
            this.loadModel(
              request.files,
              request.projectDirectory,
              request.environment,
              request.chain,
            ),
        });
        const extended = applyExtends(included, {
          file,
          overrides: parsed.overrides,
          loadServices: (other) => this.servicesOf(other, environment),
        });
        model = withPosition(
          () => mergeComposeDocuments(model, extended, parsed.overrides),
          extended,
        );
      }
    }
    return model;
  }

  /** Parse, interpolate, validate and resolve paths of one file's documents. */
  private prepare(
    file: string,
    environment: Record<string, string>,
    baseDir: string,
  ): ParsedDocument[] {
    const text = this.read(file);
    return parseComposeYamlDocuments(text, file).map((parsed) => {
      const interpolated = this.options.interpolate
        ? interpolateDocument(parsed.value, environment, parsed.locate, {
            onUnset: (name, at) => this.options.onUnsetVariable?.(name, at, file),
          })
        : parsed.value;
      this.options.validate?.(interpolated, locatorFor(interpolated));
      const value = resolveRelativePaths(interpolated as Mapping, { baseDir });
      return { value, locate: locatorFor(value), overrides: parsed.overrides };
    });
  }

  /** Services of a file named by `extends.file`, its paths resolved from its own directory. */
  private servicesOf(file: string, environment: Record<string, string>): ServiceSource {
    let sources = this.serviceSources.get(environment);
    if (!sources) {
      sources = new Map();
      this.serviceSources.set(environment, sources);
    }
    const cached = sources.get(file);
    if (cached) return cached;
    let services: Mapping = {};
    const overrides: FieldPath[] = [];
    for (const parsed of this.prepare(file, environment, path.dirname(file))) {
      services = mergeComposeDocuments(
        { services },
        { services: (parsed.value as Mapping).services ?? {} },
        parsed.overrides,
      ).services as Mapping;
      overrides.push(...parsed.overrides);
    }
    const source = { file, services, overrides };
    sources.set(file, source);
    return source;
  }

  private read(file: string): string {
    try {
      const text = readFileSync(file, 'utf8');
      if (!this.filesRead.includes(file)) this.filesRead.push(file);
      return text;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory' : code;
      throw new ComposeError(`cannot read compose file ${file}: ${reason}`);
    }
  }
}

/** Merge errors name a field; this adds where the later file wrote it. */
function withPosition(merge: () => Mapping, later: Mapping): Mapping {
  try {
    return merge();
  } catch (error) {
    if (!(error instanceof ComposeError) || error.position || !error.path) throw error;
    throw new ComposeError(error.message, {
      path: error.path,
      position: locatorFor(later).locate(error.path),
      hint: error.hint,
    });
  }
}
