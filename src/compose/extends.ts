import { ComposeError, type FieldPath, type SourcePosition } from './errors.js';
import { extendService, removePaths } from './merge.js';
import { clonePositioned, isMapping, positionOf } from './source-map.js';
import { didYouMean } from './suggest.js';

type Mapping = Record<string, unknown>;

/** The services of one compose file, as `extends` sees them. */
export interface ServiceSource {
  file: string;
  services: Mapping;
  /** The file's `!reset`/`!override` paths. */
  overrides: readonly FieldPath[];
}

export interface ExtendsContext {
  /** The file the document came from. */
  file: string;
  overrides: readonly FieldPath[];
  /**
   * Another compose file's services, interpolated, with paths resolved from its own
   * directory, and its `extends` not yet applied (this stage follows them itself).
   */
  loadServices: (file: string) => ServiceSource;
}

interface ChainLink {
  file: string;
  service: string;
}

/**
 * Replaces every service that `extends` another (in the same file or in `extends.file`,
 * recursively) by the merge of the two, the extending service winning. The extending
 * file's `!reset`/`!override` tags apply to what is inherited. Cycles are errors.
 */
export function applyExtends(document: Mapping, context: ExtendsContext): Mapping {
  if (!isMapping(document.services) || !Object.values(document.services).some(usesExtends)) {
    return document;
  }
  const extended = clonePositioned(document);
  const services = extended.services as Mapping;
  const source: ServiceSource = { file: context.file, services, overrides: context.overrides };
  const resolver = new ExtendsResolver(context.loadServices);
  for (const name of Object.keys(services)) {
    services[name] = resolver.resolve(name, source, []);
  }
  return extended;
}

/** Most files extend nothing: they are returned as they are, without a copy. */
function usesExtends(service: unknown): boolean {
  return isMapping(service) && service.extends !== undefined;
}

class ExtendsResolver {
  constructor(private readonly loadServices: (file: string) => ServiceSource) {}

  resolve(name: string, source: ServiceSource, chain: ChainLink[]): unknown {
    const service = source.services[name];
    if (!isMapping(service) || service.extends === undefined) return service;
    const here = { file: source.file, service: name };
    const path = ['services', name, 'extends'];
    const position = positionOf(service, 'extends');
    if (chain.some((link) => link.file === here.file && link.service === here.service)) {
      throw new ComposeError(`circular extends: ${[...chain, here].map(describe).join(' -> ')}`, {
        path,
        position,
      });
    }
    const { service: reference, file } = extendsTarget(service.extends, path, position);
    const baseSource = file === undefined ? source : this.loadServices(file);
    if (!isMapping(baseSource.services) || !Object.hasOwn(baseSource.services, reference)) {
      const where = file === undefined ? '' : ` in ${file}`;
      throw new ComposeError(
        `cannot extend service "${name}": service "${reference}" not found${where}`,
        {
          path: [...path, 'service'],
          position,
          hint: didYouMean(reference, Object.keys(baseSource.services ?? {})),
        },
      );
    }
    const base = this.resolve(reference, baseSource, [...chain, here]);
    const inherited = removePaths({ services: { [name]: base ?? {} } }, source.overrides);
    return extendService((inherited.services as Mapping)[name] as Mapping, service, name);
  }
}

function extendsTarget(
  value: unknown,
  path: FieldPath,
  position: SourcePosition | undefined,
): { service: string; file?: string } {
  if (typeof value === 'string') return { service: value };
  if (isMapping(value) && typeof value.service === 'string') {
    if (value.file !== undefined && typeof value.file !== 'string') {
      throw new ComposeError('extends.file must be a path', { path: [...path, 'file'], position });
    }
    return { service: value.service, file: value.file };
  }
  throw new ComposeError('extends needs the name of a service (extends.service)', {
    path,
    position,
  });
}

function describe(link: ChainLink): string {
  return `${link.service} (${link.file})`;
}
