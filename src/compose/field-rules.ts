import type { FieldPath } from './errors.js';

/**
 * A lookup of per-field rules keyed by dotted patterns in which `*` stands for any key
 * or index, e.g. `services.*.ports`. The first matching rule wins.
 */
export function fieldRules<T>(
  rules: readonly (readonly [string, T])[],
): (path: FieldPath) => T | undefined {
  const compiled = rules.map(([pattern, rule]) => ({ parts: pattern.split('.'), rule }));
  return (path) =>
    compiled.find(
      ({ parts }) =>
        parts.length === path.length &&
        parts.every((part, i) => part === '*' || part === String(path[i])),
    )?.rule;
}
