import { homedir } from 'node:os';
import path from 'node:path';
import { clonePositioned, isMapping } from './source-map.js';

export interface ResolvePathsOptions {
  /** Relative paths are taken from here: the project (or included project, or extended file) directory. */
  baseDir: string;
  /** What `~` stands for in bind-mount sources; defaults to the user's home. */
  home?: string;
}

/**
 * Makes the host paths of a compose document absolute: build contexts (unless remote),
 * additional contexts, env_file and label_file entries, bind-mount sources (short and long
 * syntax, `~` expanded), extends.file, develop.watch paths, config and secret files, and
 * bind devices of local volumes. Names of named volumes are left alone.
 */
export function resolveRelativePaths(
  document: Record<string, unknown>,
  options: ResolvePathsOptions,
): Record<string, unknown> {
  const resolved = clonePositioned(document);
  const absolute = (file: string) => path.resolve(options.baseDir, file);
  const home = options.home ?? homedir();
  for (const service of mappingValues(resolved.services)) {
    resolveServicePaths(service, absolute, home);
  }
  for (const kind of ['configs', 'secrets']) {
    for (const resource of mappingValues(resolved[kind])) {
      if (typeof resource.file === 'string') resource.file = absolute(resource.file);
    }
  }
  for (const volume of mappingValues(resolved.volumes)) resolveBindDevice(volume, absolute);
  return resolved;
}

type Absolute = (file: string) => string;

function resolveServicePaths(service: Record<string, unknown>, absolute: Absolute, home: string) {
  resolveBuild(service, absolute);
  for (const field of ['env_file', 'label_file']) {
    if (field in service) service[field] = mapFileList(service[field], absolute);
  }
  if (isMapping(service.extends) && typeof service.extends.file === 'string') {
    service.extends.file = absolute(service.extends.file);
  }
  if (Array.isArray(service.volumes)) {
    mapInPlace(service.volumes, (volume) => resolveMount(volume, absolute, home));
  }
  const watch = isMapping(service.develop) ? service.develop.watch : undefined;
  if (Array.isArray(watch)) {
    for (const rule of watch) {
      if (isMapping(rule) && typeof rule.path === 'string') rule.path = absolute(rule.path);
    }
  }
}

function resolveBuild(service: Record<string, unknown>, absolute: Absolute): void {
  const contextPath = (context: string) => (isRemoteContext(context) ? context : absolute(context));
  if (typeof service.build === 'string') {
    service.build = contextPath(service.build);
    return;
  }
  if (!isMapping(service.build)) return;
  const build = service.build;
  if (typeof build.context === 'string') build.context = contextPath(build.context);
  const additional = build.additional_contexts;
  if (isMapping(additional)) {
    for (const [name, context] of Object.entries(additional)) {
      if (typeof context === 'string') additional[name] = contextPath(context);
    }
  } else if (Array.isArray(additional)) {
    mapInPlace(additional, (entry) => {
      if (typeof entry !== 'string' || !entry.includes('=')) return entry;
      const [name, context] = splitOnce(entry, '=');
      return `${name}=${contextPath(context)}`;
    });
  }
}

/** Git URLs, `https://` archives, `docker-image://` and `service:` contexts are not paths. */
function isRemoteContext(context: string): boolean {
  return (
    context.includes('://') ||
    context.startsWith('git@') ||
    context.startsWith('github.com/') ||
    context.startsWith('service:')
  );
}

/** env_file / label_file: a path, a list of paths, or a list of `{path, ...}` entries. */
function mapFileList(value: unknown, absolute: Absolute): unknown {
  if (typeof value === 'string') return absolute(value);
  if (!Array.isArray(value)) return value;
  mapInPlace(value, (entry) => {
    if (typeof entry === 'string') return absolute(entry);
    if (isMapping(entry) && typeof entry.path === 'string') entry.path = absolute(entry.path);
    return entry;
  });
  return value;
}

function resolveMount(volume: unknown, absolute: Absolute, home: string): unknown {
  if (typeof volume === 'string') {
    const separator = volume.indexOf(':');
    if (separator < 0) return volume;
    const source = volume.slice(0, separator);
    return isHostPath(source)
      ? `${hostPath(source, absolute, home)}${volume.slice(separator)}`
      : volume;
  }
  if (isMapping(volume) && volume.type === 'bind' && typeof volume.source === 'string') {
    volume.source = hostPath(volume.source, absolute, home);
  }
  return volume;
}

/** In short syntax a source is a host path when it starts like one; otherwise it names a volume. */
function isHostPath(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
}

function hostPath(source: string, absolute: Absolute, home: string): string {
  if (source === '~') return home;
  if (source.startsWith('~/')) return path.join(home, source.slice(2));
  return absolute(source);
}

/** A local volume with `o: bind` mounts `device` from the host: that is a path too. */
function resolveBindDevice(volume: Record<string, unknown>, absolute: Absolute): void {
  const options = volume.driver_opts;
  if (!isMapping(options) || typeof options.device !== 'string') return;
  const bind = typeof options.o === 'string' && options.o.split(',').includes('bind');
  if (bind && (volume.driver === undefined || volume.driver === 'local')) {
    options.device = absolute(options.device);
  }
}

function mappingValues(value: unknown): Record<string, unknown>[] {
  return isMapping(value) ? Object.values(value).filter(isMapping) : [];
}

/** Replaces items where they are, so the sequence keeps its recorded positions. */
function mapInPlace(items: unknown[], replace: (item: unknown) => unknown): void {
  for (let i = 0; i < items.length; i++) items[i] = replace(items[i]);
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return [text.slice(0, at), text.slice(at + separator.length)];
}
