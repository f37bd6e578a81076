import { ComposeError, type FieldPath, formatFieldPath } from './errors.js';
import { fieldRules } from './field-rules.js';
import { clonePositioned, copyPosition, emptyLike, isMapping } from './source-map.js';
import { enforceUniqueness } from './unique-entries.js';

type Mapping = Record<string, unknown>;
type Merger = (base: unknown, override: unknown, path: FieldPath) => unknown;

/**
 * Merges a later compose document over an earlier one by the Compose merge rules:
 * mappings merge key by key, other sequences append, scalars are replaced, with the
 * per-field exceptions below; then sequences with unique entries are de-duplicated.
 * `overrides` are the later document's `!reset`/`!override` paths: there the earlier
 * value is dropped first. Neither input is changed; positions follow the values.
 */
export function mergeComposeDocuments(
  base: Mapping,
  override: Mapping,
  overrides: readonly FieldPath[] = [],
): Mapping {
  // The first file merges into nothing: it is the model as it is, with nothing to copy.
  const merged =
    Object.keys(base).length === 0
      ? override
      : mergeMappings(removePaths(base, overrides), clonePositioned(override), []);
  return enforceUniqueness(merged);
}

/**
 * The service that `extends` another: the same rules, with the extending service
 * (`service`) winning over the one it extends (`base`). Its `extends` key is dropped.
 */
export function extendService(base: Mapping, service: Mapping, name: string): Mapping {
  const merged = mergeMappings(clonePositioned(base), clonePositioned(service), ['services', name]);
  delete merged.extends;
  return merged;
}

/** A copy of `document` without the values at `paths` (paths into sequences are ignored, as in Compose). */
export function removePaths(document: Mapping, paths: readonly FieldPath[]): Mapping {
  const copy = clonePositioned(document);
  for (const path of paths) {
    let parent: unknown = copy;
    for (const part of path.slice(0, -1)) parent = isMapping(parent) ? parent[part] : undefined;
    const last = path[path.length - 1];
    if (isMapping(parent) && typeof last === 'string') delete parent[last];
  }
  return copy;
}

const replace: Merger = (base, override) => (override === undefined ? base : override);

const ruleFor = fieldRules<Merger>([
  ['services.*.command', replace],
  ['services.*.entrypoint', replace],
  ['services.*.healthcheck.test', replace],
  ['services.*.build', mergeBuild],
  ['services.*.build.args', mergeKeyValues],
  ['services.*.build.labels', mergeKeyValues],
  ['services.*.build.additional_contexts', mergeKeyValues],
  ['services.*.build.extra_hosts', mergeExtraHosts],
  ['services.*.annotations', mergeKeyValues],
  ['services.*.environment', mergeKeyValues],
  ['services.*.labels', mergeKeyValues],
  ['services.*.sysctls', mergeKeyValues],
  ['services.*.deploy.labels', mergeKeyValues],
  ['services.*.extra_hosts', mergeExtraHosts],
  ['services.*.dns', appendLists],
  ['services.*.dns_opt', appendLists],
  ['services.*.dns_search', appendLists],
  ['services.*.tmpfs', appendLists],
  ['services.*.env_file', appendLists],
  ['services.*.label_file', appendLists],
  ['services.*.depends_on', mergeDependsOn],
  ['services.*.networks', mergeByName],
  ['services.*.logging', mergeLogging],
  // Compose replaces each limit whole: `nofile: {hard: 3}` drops an earlier soft limit.
  ['services.*.ulimits.*', replace],
  ['services.*.models', mergeByName],
  ['networks.*.labels', mergeKeyValues],
  ['networks.*.ipam.config', mergeIpamConfig],
  ['volumes.*.labels', mergeKeyValues],
]);

function mergeValues(base: unknown, override: unknown, path: FieldPath): unknown {
  const rule = ruleFor(path);
  if (rule) return rule(base, override, path);
  if (override === null || override === undefined) return base;
  if (isMapping(base)) return mergeMappings(base, expectMapping(override, path), path);
  if (Array.isArray(base)) {
    if (!Array.isArray(override)) throw cannotOverride(path, 'a list');
    return concatenate(base, override);
  }
  return override;
}

/** Merges `override` into `base` (which is mutated; both are already private copies). */
function mergeMappings(base: Mapping, override: Mapping, path: FieldPath): Mapping {
  for (const [key, value] of Object.entries(override)) {
    base[key] = Object.hasOwn(base, key) ? mergeValues(base[key], value, [...path, key]) : value;
    copyPosition(override, key, base, key);
  }
  return base;
}

function expectMapping(value: unknown, path: FieldPath): Mapping {
  if (!isMapping(value)) throw cannotOverride(path, 'a mapping');
  return value;
}

function cannotOverride(path: FieldPath, expected: string): ComposeError {
  return new ComposeError(
    `cannot merge ${formatFieldPath(path)}: the later file must give ${expected} here too`,
    {
      path,
    },
  );
}

function concatenate(first: unknown[], second: unknown[]): unknown[] {
  const joined = emptyLike(first);
  joined.push(...first);
  second.forEach((item, i) => {
    joined.push(item);
    copyPosition(second, i, joined, first.length + i);
  });
  return joined;
}

/** `dns: 8.8.8.8` is a one-item list here. */
function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === null || value === undefined ? [] : [value];
}

function appendLists(base: unknown, override: unknown): unknown {
  return concatenate(asList(base), asList(override));
}

/**
 * `environment`, `labels` and friends, as mappings whatever their syntax: `KEY=VALUE`
 * items become keys, a bare `KEY` (or `KEY:` with no value) maps to null; later wins.
 */
function mergeKeyValues(base: unknown, override: unknown): unknown {
  const merged = keyValueMapping(base);
  const later = keyValueMapping(override);
  for (const [key, value] of Object.entries(later)) {
    merged[key] = value;
    copyPosition(later, key, merged, key);
  }
  return merged;
}

function keyValueMapping(value: unknown): Mapping {
  if (isMapping(value)) return value;
  const mapping: Mapping = {};
  asList(value).forEach((item, i) => {
    const text = String(item);
    const equals = text.indexOf('=');
    const key = equals < 0 ? text : text.slice(0, equals);
    mapping[key] = equals < 0 ? null : text.slice(equals + 1);
    if (Array.isArray(value)) copyPosition(value, i, mapping, key);
  });
  return mapping;
}

/** Host entries are kept as `host=ip` items; an identical later item is not repeated. */
function mergeExtraHosts(base: unknown, override: unknown): unknown {
  const merged = hostEntries(base);
  for (const entry of hostEntries(override)) {
    if (!merged.includes(entry)) merged.push(entry);
  }
  return merged;
}

function hostEntries(value: unknown): unknown[] {
  if (!isMapping(value)) return [...asList(value)];
  return Object.entries(value).flatMap(([host, ips]) => asList(ips).map((ip) => `${host}=${ip}`));
}

/** `[db]` means `{db: {condition: service_started, required: true}}`. */
function mergeDependsOn(base: unknown, override: unknown, path: FieldPath): unknown {
  const asMapping = (value: unknown) =>
    namedMapping(value, () => ({ condition: 'service_started', required: true }));
  return mergeMappings(asMapping(base), asMapping(override), path);
}

/** A service's `networks: [front]` (or `models: [llm]`) means `{front: null}`. */
function mergeByName(base: unknown, override: unknown, path: FieldPath): unknown {
  return mergeMappings(
    namedMapping(base, () => null),
    namedMapping(override, () => null),
    path,
  );
}

function namedMapping(value: unknown, entry: () => unknown): Mapping {
  if (isMapping(value)) return value;
  const mapping: Mapping = {};
  asList(value).forEach((name, i) => {
    mapping[String(name)] = entry();
    if (Array.isArray(value)) copyPosition(value, i, mapping, String(name));
  });
  return mapping;
}

/** `build: ./dir` means `build: {context: ./dir}`. */
function mergeBuild(base: unknown, override: unknown, path: FieldPath): unknown {
  const asMapping = (value: unknown): Mapping => {
    if (typeof value !== 'string') return expectMapping(value ?? {}, path);
    return { context: value };
  };
  return mergeMappings(asMapping(base), asMapping(override), path);
}

/** Logging options merge only while the driver stays the same (or one side names none). */
function mergeLogging(base: unknown, override: unknown, path: FieldPath): unknown {
  if (!isMapping(base) || !isMapping(override)) return override ?? base;
  const sameDriver =
    base.driver === undefined || override.driver === undefined || base.driver === override.driver;
  return sameDriver ? mergeMappings(base, override, path) : override;
}

/** IPAM pools are identified by their subnet: the same subnet merges, a new one is added. */
function mergeIpamConfig(base: unknown, override: unknown, path: FieldPath): unknown {
  const pools = asList(base);
  const merged = emptyLike(pools);
  merged.push(...pools);
  const later = asList(override);
  later.forEach((pool, i) => {
    const at = merged.findIndex(
      (existing) => isMapping(existing) && isMapping(pool) && existing.subnet === pool.subnet,
    );
    if (at < 0) {
      merged.push(pool);
      copyPosition(later, i, merged, merged.length - 1);
    } else {
      merged[at] = mergeMappings(merged[at] as Mapping, pool as Mapping, [...path, at]);
    }
  });
  return merged;
}
