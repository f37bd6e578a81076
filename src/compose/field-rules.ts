import type { FieldPath } from './errors.js';

/** Patterns as a tree of path segments: a lookup follows a path instead of testing every rule. */
interface RuleNode<T> {
  exact: Map<string, RuleNode<T>>;
  any?: RuleNode<T>;
  /** The rule whose pattern ends here, with its place in the list (earlier wins). */
  rule?: { order: number; value: T };
}

/**
 * A lookup of per-field rules keyed by dotted patterns in which `*` stands for any key
 * or index, e.g. `services.*.ports`. The first matching rule wins. Stages ask about
 * every node of a document, so the patterns are kept as a tree of segments.
 */
export function fieldRules<T>(
  rules: readonly (readonly [string, T])[],
): (path: FieldPath) => T | undefined {
  const root: RuleNode<T> = { exact: new Map() };
  rules.forEach(([pattern, value], order) => {
    let node = root;
    for (const part of pattern.split('.')) {
      if (part === '*') node = node.any ??= { exact: new Map() };
      else {
        let next = node.exact.get(part);
        if (!next) {
          next = { exact: new Map() };
          node.exact.set(part, next);
        }
        node = next;
      }
    }
    node.rule ??= { order, value };
  });
  const find = (node: RuleNode<T>, path: FieldPath, at: number): RuleNode<T>['rule'] => {
    if (at === path.length) return node.rule;
    const exact = node.exact.get(String(path[at]));
    const viaExact = exact && find(exact, path, at + 1);
    const viaAny = node.any && find(node.any, path, at + 1);
    if (!viaExact || !viaAny) return viaExact ?? viaAny;
    return viaExact.order < viaAny.order ? viaExact : viaAny;
  };
  return (path) => find(root, path, 0)?.value;
}

/** How deep the deepest rule reaches: below it no rule can match. */
export function deepestRule(rules: readonly (readonly [string, unknown])[]): number {
  return Math.max(...rules.map(([pattern]) => pattern.split('.').length));
}
