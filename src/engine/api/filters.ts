import { badParameter } from '../../errors/engine-error.js';

/**
 * Parses the `filters` query parameter: JSON mapping each key to a list of values, or in
 * the older form to an object whose keys are the values.
 */
export function parseFilters(raw: unknown): Record<string, string[]> {
  if (raw === undefined || raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(raw));
  } catch {
    throw badParameter(`invalid filter: filters must be a JSON object, got ${String(raw)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badParameter('invalid filter: filters must be a JSON object');
  }
  const filters: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (Array.isArray(value)) filters[key] = value.map(String);
    else if (value && typeof value === 'object') filters[key] = Object.keys(value);
    else throw badParameter(`invalid filter '${key}': values must be a list`);
  }
  return filters;
}

/** Refuses filter keys an endpoint does not know, as Docker does. */
export function checkFilterKeys(filters: Record<string, string[]>, known: string[]): void {
  for (const key of Object.keys(filters)) {
    if (!known.includes(key)) throw badParameter(`invalid filter '${key}'`);
  }
}

/** `label` filter values: `key` (present) or `key=value`; all must hold. */
export function labelsMatch(labels: Record<string, string> | undefined, wanted: string[]): boolean {
  return wanted.every((entry) => {
    const at = entry.indexOf('=');
    const key = at < 0 ? entry : entry.slice(0, at);
    if (!labels || !(key in labels)) return false;
    return at < 0 || labels[key] === entry.slice(at + 1);
  });
}

export function queryFlag(value: unknown): boolean {
  return value === '1' || value === 'true' || value === 'True' || value === true;
}
