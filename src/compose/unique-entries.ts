import { deepestRule, fieldRules } from './field-rules.js';
import { copyPosition, isContainer, isMapping, shallowCopyPositioned } from './source-map.js';

/**
 * Sequences whose entries have an identity: after a merge, a later entry with the same
 * identity replaces the earlier one in place (Compose's unicity rules, e.g. volumes by
 * container path, ports by ip/published/target/protocol).
 */
type Identity = (entry: unknown) => string;

const keyOfKeyValue: Identity = (entry) =>
  typeof entry === 'string' ? entry.split('=')[0] : JSON.stringify(entry);

const IDENTITIES: (readonly [string, Identity])[] = [
  ['networks.*.labels', keyOfKeyValue],
  ['networks.*.ipam.options', keyOfKeyValue],
  ['volumes.*.labels', keyOfKeyValue],
  ['services.*.annotations', keyOfKeyValue],
  ['services.*.build.args', keyOfKeyValue],
  ['services.*.build.additional_contexts', keyOfKeyValue],
  ['services.*.build.labels', keyOfKeyValue],
  ['services.*.build.tags', keyOfKeyValue],
  ['services.*.build.platforms', keyOfKeyValue],
  ['services.*.cap_add', keyOfKeyValue],
  ['services.*.cap_drop', keyOfKeyValue],
  ['services.*.configs', mountTarget('')],
  ['services.*.deploy.labels', keyOfKeyValue],
  ['services.*.devices', containerPath],
  ['services.*.dns', keyOfKeyValue],
  ['services.*.dns_opt', keyOfKeyValue],
  ['services.*.dns_search', keyOfKeyValue],
  ['services.*.environment', keyOfKeyValue],
  ['services.*.env_file', filePath],
  ['services.*.label_file', filePath],
  ['services.*.expose', String],
  ['services.*.labels', keyOfKeyValue],
  ['services.*.links', keyOfKeyValue],
  ['services.*.networks.*.aliases', keyOfKeyValue],
  ['services.*.networks.*.link_local_ips', keyOfKeyValue],
  ['services.*.ports', portIdentity],
  ['services.*.profiles', keyOfKeyValue],
  ['services.*.secrets', mountTarget('/run/secrets')],
  ['services.*.sysctls', keyOfKeyValue],
  ['services.*.tmpfs', keyOfKeyValue],
  ['services.*.volumes', containerPath],
];
const identityFor = fieldRules(IDENTITIES);
const DEEPEST = deepestRule(IDENTITIES);

/**
 * Applies the unicity rules to every sequence of the document that has them. Copy on
 * write: only the containers above a sequence that lost an entry are copied, so a
 * document without duplicates comes back as it is.
 */
export function enforceUniqueness(document: Record<string, unknown>): Record<string, unknown> {
  return visit(document, []) as Record<string, unknown>;
}

/** `path` is one array grown and shrunk on the way down and up: nothing keeps it. */
function visit(node: unknown, path: (string | number)[]): unknown {
  if (!isContainer(node) || path.length > DEEPEST) return node;
  const identity = Array.isArray(node) ? identityFor(path) : undefined;
  if (identity) return withoutDuplicates(node as unknown[], identity);
  const container = node as Record<string | number, unknown>;
  let copy: Record<string | number, unknown> | undefined;
  const visitChild = (key: string | number) => {
    path.push(key);
    const child = container[key];
    const result = visit(child, path);
    path.pop();
    if (result === child) return;
    copy ??= shallowCopyPositioned(container);
    copy[key] = result;
  };
  if (Array.isArray(node)) for (let i = 0; i < node.length; i++) visitChild(i);
  else for (const key of Object.keys(node)) visitChild(key);
  return copy ?? node;
}

/** The entries with later duplicates replacing earlier ones in place; `entries` when there are none. */
function withoutDuplicates(entries: unknown[], identity: Identity): unknown[] {
  const keys = entries.map(identity);
  if (new Set(keys).size === keys.length) return entries;
  const unique: unknown[] = [];
  const indexOf = new Map<string, number>();
  keys.forEach((key, i) => {
    const existing = indexOf.get(key);
    const at = existing ?? unique.length;
    if (existing === undefined) indexOf.set(key, at);
    unique[at] = entries[i];
    copyPosition(entries, i, unique, at);
  });
  return unique;
}

/**
 * Container path of a volume (`src:dst[:mode]`, `dst`) or device (`host[:container[:perms]]`),
 * or the `target` of their long syntax.
 */
export function containerPath(entry: unknown): string {
  if (typeof entry === 'string') {
    const parts = entry.split(':');
    return parts.length === 1 ? parts[0] : parts[1];
  }
  return isMapping(entry) ? String(entry.target) : JSON.stringify(entry);
}

/** Where a secret or config lands: its target, by default `<directory>/<source>`. */
function mountTarget(directory: string): Identity {
  return (entry) => {
    if (typeof entry === 'string') return `${directory}/${entry}`;
    if (!isMapping(entry)) return JSON.stringify(entry);
    return typeof entry.target === 'string' ? entry.target : `${directory}/${entry.source}`;
  };
}

function filePath(entry: unknown): string {
  if (isMapping(entry)) return String(entry.path);
  return String(entry);
}

/** `ip:published:target/protocol` with Compose's defaults, for short and long syntax alike. */
export function portIdentity(entry: unknown): string {
  if (isMapping(entry)) {
    const ip = entry.host_ip ?? '0.0.0.0';
    return `${ip}:${entry.published ?? ''}:${entry.target}/${entry.protocol ?? 'tcp'}`;
  }
  if (typeof entry === 'number') return `0.0.0.0::${entry}/tcp`;
  if (typeof entry !== 'string') return JSON.stringify(entry);
  const slash = entry.lastIndexOf('/');
  const protocol = slash < 0 ? 'tcp' : entry.slice(slash + 1);
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const { ip, rest } = splitHostIp(address);
  const parts = rest.split(':');
  const target = parts.pop();
  const published = parts.pop() ?? '';
  return `${ip || parts.join(':') || '0.0.0.0'}:${published}:${target}/${protocol}`;
}

/** `[::1]:80:80` has its IP in brackets; otherwise the IP (if any) is found by counting colons. */
function splitHostIp(address: string): { ip: string; rest: string } {
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(address);
  return bracketed ? { ip: bracketed[1], rest: bracketed[2] } : { ip: '', rest: address };
}
