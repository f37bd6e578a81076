import { homedir } from 'node:os';
import path from 'node:path';
import { clonePositioned, isMapping, shallowCopyPositioned } from './source-map.js';

export interface ResolvePathsOptions {
  /** Relative paths start here: the project (or included project, or extended file) directory. */
  baseDir: string;
  /** What a leading `~` stands for; defaults to the user's home. */
  home?: string;
}

type Mapping = Record<string, unknown>;
/** A host path made absolute: `~` expanded, relative ones joined to the base directory. */
type HostPath = (file: string) => string;

/**
 * Makes the host paths of a compose document absolute, as Compose does: build contexts
 * (unless remote), additional contexts and ssh keys, env_file and label_file entries,
 * bind-mount sources (short and long syntax), extends.file, develop.watch paths, config
 * and secret files, and the device of a local volume bound with `o: bind`. Names of
 * named volumes are left alone.
 */
export function resolveRelativePaths(document: Mapping, options: ResolvePathsOptions): Mapping {
  const resolved = withCopiedParts(document);
  const home = options.home ?? homedir();
  const hostPath: HostPath = (file) => {
    if (file === '~') return home;
    if (file.startsWith('~/')) return path.join(home, file.slice(2));
    return file === '' ? file : path.resolve(options.baseDir, file);
  };
  for (const service of mappingValues(resolved.services)) resolveServicePaths(service, hostPath);
  for (const kind of ['configs', 'secrets']) {
    for (const resource of mappingValues(resolved[kind])) {
      if (typeof resource.file === 'string') resource.file = hostPath(resource.file);
    }
  }
  for (const volume of mappingValues(resolved.volumes)) resolveBindDevice(volume, hostPath);
  return resolved;
}

/** Fields of a service that hold host paths: only these are copied before they change. */
const SERVICE_PATH_FIELDS = ['build', 'env_file', 'label_file', 'extends', 'volumes', 'develop'];

/**
 * A copy of the document that may be changed where paths are resolved: the service
 * fields that hold paths and the top-level resources are copied, the rest is shared.
 */
function withCopiedParts(document: Mapping): Mapping {
  const copy = shallowCopyPositioned(document);
  if (isMapping(copy.services)) {
    const services = shallowCopyPositioned(copy.services);
    for (const [name, service] of Object.entries(services)) {
      if (!isMapping(service)) continue;
      const serviceCopy = shallowCopyPositioned(service);
      for (const field of SERVICE_PATH_FIELDS) {
        if (field in serviceCopy) serviceCopy[field] = clonePositioned(serviceCopy[field]);
      }
      services[name] = serviceCopy;
    }
    copy.services = services;
  }
  for (const kind of ['configs', 'secrets', 'volumes']) {
    if (kind in copy) copy[kind] = clonePositioned(copy[kind]);
  }
  return copy;
}

function resolveServicePaths(service: Mapping, hostPath: HostPath): void {
  resolveBuild(service, hostPath);
  for (const field of ['env_file', 'label_file']) {
    if (field in service) service[field] = resolveFileList(service[field], hostPath);
  }
  if (isMapping(service.extends) && typeof service.extends.file === 'string') {
    service.extends.file = hostPath(service.extends.file);
  }
  if (Array.isArray(service.volumes)) {
    replaceEach(service.volumes, (volume) => resolveMount(volume, hostPath));
  }
  const watch = isMapping(service.develop) ? service.develop.watch : undefined;
  if (Array.isArray(watch)) {
    for (const rule of watch) {
      if (isMapping(rule) && typeof rule.path === 'string') rule.path = hostPath(rule.path);
    }
  }
}

function resolveBuild(service: Mapping, hostPath: HostPath): void {
  const contextPath = (context: string) => (isRemoteContext(context) ? context : hostPath(context));
  if (typeof service.build === 'string') {
    service.build = contextPath(service.build);
    return;
  }
  if (!isMapping(service.build)) return;
  const build = service.build;
  if (typeof build.context === 'string') build.context = contextPath(build.context);
  resolveNamedPaths(build, 'additional_contexts', contextPath);
  resolveNamedPaths(build, 'ssh', hostPath);
}

/** `{name: path}` or `[name=path]` entries (a bare `name` has no path to resolve). */
function resolveNamedPaths(owner: Mapping, field: string, resolve: HostPath): void {
  const entries = owner[field];
  if (isMapping(entries)) {
    for (const [name, value] of Object.entries(entries)) {
      if (typeof value === 'string') entries[name] = resolve(value);
    }
  } else if (Array.isArray(entries)) {
    replaceEach(entries, (entry) => {
      if (typeof entry !== 'string' || !entry.includes('=')) return entry;
      const at = entry.indexOf('=');
      return `${entry.slice(0, at)}=${resolve(entry.slice(at + 1))}`;
    });
  }
}

/** Git URLs, `https://` archives, `docker-image://` and `service:` contexts are not paths. */
function isRemoteContext(context: string): boolean {
  return (
    context.includes('://') ||
    context.startsWith('service:') ||
    context.startsWith('github.com/') ||
    context.startsWith('git@')
  );
}

/** env_file / label_file: a path, a list of paths, or a list of `{path, ...}` entries. */
function resolveFileList(value: unknown, hostPath: HostPath): unknown {
  if (typeof value === 'string') return hostPath(value);
  if (!Array.isArray(value)) return value;
  replaceEach(value, (entry) => {
    if (typeof entry === 'string') return hostPath(entry);
    if (isMapping(entry) && typeof entry.path === 'string') entry.path = hostPath(entry.path);
    return entry;
  });
  return value;
}

function resolveMount(volume: unknown, hostPath: HostPath): unknown {
  if (typeof volume === 'string') {
    const separator = volume.indexOf(':');
    if (separator < 0) return volume;
    const source = volume.slice(0, separator);
    return isHostPathSource(source) ? `${hostPath(source)}${volume.slice(separator)}` : volume;
  }
  if (isMapping(volume) && volume.type === 'bind' && typeof volume.source === 'string') {
    volume.source = hostPath(volume.source);
  }
  return volume;
}

/** In short syntax a source is a host path when it starts like one; otherwise it names a volume. */
function isHostPathSource(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
}

/** `driver: local` with `o: bind` mounts `device` from the host: that is a path too. */
function resolveBindDevice(volume: Mapping, hostPath: HostPath): void {
  const options = volume.driver_opts;
  if (volume.driver !== 'local' || !isMapping(options) || options.o !== 'bind') return;
  if (typeof options.device === 'string') options.device = hostPath(options.device);
}

function mappingValues(value: unknown): Mapping[] {
  return isMapping(value) ? Object.values(value).filter(isMapping) : [];
}

/** Replaces items where they are, so the sequence keeps its recorded positions. */
function replaceEach(items: unknown[], replace: (item: unknown) => unknown): void {
  for (let i = 0; i < items.length; i++) items[i] = replace(items[i]);
}
