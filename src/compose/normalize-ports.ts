import { isIP } from 'node:net';
import type { FieldPath } from './errors.js';
import { errorAt, type SourceLookup } from './located-error.js';
import type { PortConfig } from './model.js';

const PROTOCOLS = ['tcp', 'udp', 'sctp'];
const PORT_RANGE_HINT = 'must be 0-65535';

interface PortRange {
  start: number;
  end: number;
}

/**
 * Ports in canonical long form. A short entry ("127.0.0.1:8080-8081:80-81/udp")
 * becomes one entry per container port; a long entry gets its defaults. Errors
 * point at the entry as written.
 */
export function normalizePorts(
  raw: unknown[],
  path: FieldPath,
  lookup: SourceLookup,
): PortConfig[] {
  return raw.flatMap((entry, index) => {
    const entryPath = [...path, index];
    if (typeof entry === 'string' || typeof entry === 'number') {
      return parseShortPort(String(entry), entryPath, lookup);
    }
    return [normalizeLongPort(entry as Record<string, unknown>, entryPath, lookup)];
  });
}

function parseRange(text: string): PortRange | undefined {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] === undefined ? start : Number(match[2]);
  return { start, end };
}

function checkRange(text: string, what: string, path: FieldPath, lookup: SourceLookup): PortRange {
  const range = parseRange(text);
  if (!range || range.start > 65535 || range.end > 65535) {
    throw errorAt(lookup, path, `invalid ${what} port "${text}"`, PORT_RANGE_HINT);
  }
  if (range.end < range.start) {
    throw errorAt(
      lookup,
      path,
      `invalid ${what} port range "${text}"`,
      'the end is below the start',
    );
  }
  return range;
}

function checkProtocol(protocol: string, path: FieldPath, lookup: SourceLookup): string {
  const lower = protocol.toLowerCase();
  if (!PROTOCOLS.includes(lower)) {
    throw errorAt(lookup, path, `invalid protocol "${protocol}"`, 'must be tcp, udp or sctp');
  }
  return lower;
}

function checkHostIp(hostIp: string, path: FieldPath, lookup: SourceLookup): string {
  const bare = hostIp.startsWith('[') && hostIp.endsWith(']') ? hostIp.slice(1, -1) : hostIp;
  if (isIP(bare) === 0) {
    throw errorAt(lookup, path, `invalid host IP "${hostIp}"`, 'must be an IPv4 or IPv6 address');
  }
  return bare;
}

/** [ip:][host:]container[/protocol], split from the right so IPv6 hosts keep their colons. */
function splitShortPort(spec: string): {
  hostIp?: string;
  published?: string;
  container: string;
  protocol: string;
} {
  const slash = spec.lastIndexOf('/');
  const protocol = slash >= 0 ? spec.slice(slash + 1) : 'tcp';
  const mapping = slash >= 0 ? spec.slice(0, slash) : spec;
  const parts = mapping.split(':');
  const container = parts[parts.length - 1];
  if (parts.length === 1) return { container, protocol };
  if (parts.length === 2) return { published: parts[0], container, protocol };
  return {
    hostIp: parts.slice(0, -2).join(':'),
    published: parts[parts.length - 2],
    container,
    protocol,
  };
}

function parseShortPort(spec: string, path: FieldPath, lookup: SourceLookup): PortConfig[] {
  const parts = splitShortPort(spec.trim());
  const protocol = checkProtocol(parts.protocol, path, lookup);
  const hostIp = parts.hostIp ? checkHostIp(parts.hostIp, path, lookup) : undefined;
  const container = checkRange(parts.container, 'container', path, lookup);
  if (container.start === 0) {
    throw errorAt(lookup, path, `invalid container port "${parts.container}"`, 'must be 1-65535');
  }
  const published = parts.published
    ? checkRange(parts.published, 'published', path, lookup)
    : undefined;
  const count = container.end - container.start + 1;
  const publishedCount = published ? published.end - published.start + 1 : 0;
  if (published && publishedCount !== count && count !== 1) {
    throw errorAt(
      lookup,
      path,
      `port ranges "${parts.published}" and "${parts.container}" differ in size`,
      'host and container ranges must have the same length',
    );
  }
  const entries: PortConfig[] = [];
  for (let offset = 0; offset < count; offset++) {
    const entry: PortConfig = { mode: 'ingress', target: container.start + offset, protocol };
    if (hostIp !== undefined) entry.host_ip = hostIp;
    if (published) {
      entry.published =
        count === 1 && publishedCount > 1
          ? `${published.start}-${published.end}`
          : String(published.start + offset);
    }
    entries.push(entry);
  }
  return entries;
}

function normalizeLongPort(
  raw: Record<string, unknown>,
  path: FieldPath,
  lookup: SourceLookup,
): PortConfig {
  const targetText = String(raw.target);
  const target = parseRange(targetText);
  if (!target || target.start !== target.end || target.start < 1 || target.start > 65535) {
    throw errorAt(
      lookup,
      [...path, 'target'],
      `invalid container port "${targetText}"`,
      'must be 1-65535',
    );
  }
  const entry: PortConfig = {
    mode: typeof raw.mode === 'string' ? raw.mode : 'ingress',
    target: target.start,
    protocol: checkProtocol(String(raw.protocol ?? 'tcp'), [...path, 'protocol'], lookup),
  };
  if (typeof raw.name === 'string') entry.name = raw.name;
  if (raw.host_ip !== undefined && raw.host_ip !== '') {
    entry.host_ip = checkHostIp(String(raw.host_ip), [...path, 'host_ip'], lookup);
  }
  if (raw.published !== undefined && raw.published !== null && raw.published !== '') {
    const published = String(raw.published);
    checkRange(published, 'published', [...path, 'published'], lookup);
    entry.published = published;
  }
  if (typeof raw.app_protocol === 'string') entry.app_protocol = raw.app_protocol;
  return entry;
}
