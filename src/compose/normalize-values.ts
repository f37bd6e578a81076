import type { FieldPath } from './errors.js';
import { errorAt, type SourceLookup } from './located-error.js';
import { ShellSplitError, shellSplit } from './shell-split.js';
import { formatDuration, parseByteSize, parseDuration } from './units.js';

/**
 * Small converters shared by the normalize stages: each turns one short syntax of
 * the compose format into its canonical value, or throws a positioned ComposeError.
 */

export type Lookup = (name: string) => string | undefined;

function scalarText(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

/**
 * A mapping written as a map or as ["KEY=VALUE", "KEY"] (labels, sysctls, ...):
 * values become strings, a bare key maps to `bare(key)` or is dropped when that
 * returns undefined.
 */
export function toStringMap(
  raw: unknown,
  bare: (key: string) => string | undefined = () => '',
): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const text = String(item);
      const equals = text.indexOf('=');
      if (equals >= 0) out[text.slice(0, equals)] = text.slice(equals + 1);
      else {
        const value = bare(text);
        if (value !== undefined) out[text] = value;
      }
    }
    return out;
  }
  for (const [key, value] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    if (value === null || value === undefined) {
      const resolved = bare(key);
      if (resolved !== undefined) out[key] = resolved;
    } else out[key] = scalarText(value);
  }
  return out;
}

/** Environment-style mapping: a bare KEY takes its value from `lookup`, else is dropped. */
export function toEnvironmentMap(raw: unknown, lookup: Lookup): Record<string, string> {
  return toStringMap(raw, lookup);
}

/** A string or a list of strings, as a list. */
export function toStringList(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  return Array.isArray(raw) ? raw.map(scalarText) : [scalarText(raw)];
}

/** command/entrypoint: a string is split as a shell would, a list is kept. */
export function toCommand(raw: unknown, path: FieldPath, lookup: SourceLookup): string[] {
  if (Array.isArray(raw)) return raw.map(scalarText);
  try {
    return shellSplit(String(raw));
  } catch (error) {
    if (error instanceof ShellSplitError)
      throw errorAt(lookup, path, `cannot split command: ${error.message}`);
    throw error;
  }
}

/** A duration in canonical Go text ("1m30s"). */
export function toDuration(raw: unknown, path: FieldPath, lookup: SourceLookup): string {
  const nanos = parseDuration(String(raw));
  if (nanos === undefined) {
    throw errorAt(lookup, path, `invalid duration "${String(raw)}"`, 'use e.g. 10s, 1m30s, 500ms');
  }
  return formatDuration(nanos);
}

/** A byte size in bytes. */
export function toBytes(raw: unknown, path: FieldPath, lookup: SourceLookup): number {
  const bytes = typeof raw === 'number' || typeof raw === 'string' ? parseByteSize(raw) : undefined;
  if (bytes === undefined) {
    throw errorAt(lookup, path, `invalid byte size "${String(raw)}"`, 'use e.g. 512m, 1gb, 2048k');
  }
  return bytes;
}

/** extra_hosts as compose prints them: sorted "host=ip" entries, IPv6 brackets removed. */
export function toExtraHosts(raw: unknown, path: FieldPath, lookup: SourceLookup): string[] {
  const pairs: [string, string][] = [];
  if (Array.isArray(raw)) {
    raw.forEach((item, index) => {
      const text = String(item);
      const separator = text.includes('=') ? '=' : ':';
      const at = text.indexOf(separator);
      if (at <= 0) {
        throw errorAt(lookup, [...path, index], `invalid extra host "${text}"`, 'expected HOST=IP');
      }
      for (const ip of text.slice(at + 1).split(',')) pairs.push([text.slice(0, at), ip]);
    });
  } else {
    for (const [host, value] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
      for (const ip of toStringList(value)) pairs.push([host, ip]);
    }
  }
  return pairs
    .map(([host, ip]) => `${host}=${ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip}`)
    .sort();
}

/** File modes are octal: a YAML number 0440 or a string "0440". */
export function toFileMode(raw: unknown): number {
  return typeof raw === 'number' ? raw : Number.parseInt(String(raw), 8);
}
