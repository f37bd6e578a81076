import type { FieldPath } from './errors.js';

/**
 * A lookup of per-field rules keyed by dotted patterns in which `*` stands for any key
 * or index, e.g. `services.*.ports`. The first matching rule wins. Rules are grouped by
 * depth, since stages ask about every node of a document.
 */
export function fieldRules<T>(
  rules: readonly (readonly [string, T])[],
): (path: FieldPath) => T | undefined {
  const byDepth = new Map<number, { parts: string[]; rule: T }[]>();
  for (const [pattern, rule] of rules) {
    const parts = pattern.split('.');
    const sameDepth = byDepth.get(parts.length) ?? [];
    sameDepth.push({ parts, rule });
    byDepth.set(parts.length, sameDepth);
  }
  return (path) =>
    byDepth
      .get(path.length)
      ?.find(({ parts }) => parts.every((part, i) => part === '*' || part === String(path[i])))
      ?.rule;
}

/** How deep the deepest rule reaches: below it no rule can match. */
export function deepestRule(rules: readonly (readonly [string, unknown])[]): number {
  return Math.max(...rules.map(([pattern]) => pattern.split('.').length));
}
