import { ComposeError, type FieldPath } from './errors.js';
import { castFor, castString } from './interpolation-casts.js';
import { copyPosition, emptyLike, isContainer, type SourceLocator } from './source-map.js';
import { SubstitutionError, substituteVariables } from './substitute.js';

export interface InterpolateOptions {
  /** Told about each variable used without a value and without a default (Compose warns). */
  onUnset?: (name: string, path: FieldPath) => void;
}

/**
 * Substitutes variables in every string value of a compose document (never in keys, as
 * the spec says), then converts strings in non-string fields to their type. Returns a new
 * document that keeps the source positions; errors carry the node's position and path.
 */
export function interpolateDocument(
  value: unknown,
  env: Record<string, string>,
  locate: SourceLocator,
  options: InterpolateOptions = {},
): unknown {
  const lookup = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
  const interpolateNode = (node: unknown, path: FieldPath): unknown => {
    if (typeof node === 'string') return interpolateString(node, path);
    if (!isContainer(node)) return node;
    const copy = emptyLike(node) as Record<string | number, unknown>;
    const entries: [string | number, unknown][] = Array.isArray(node)
      ? node.map((item, index) => [index, item])
      : Object.entries(node);
    for (const [key, child] of entries) {
      copy[key] = interpolateNode(child, [...path, key]);
      copyPosition(node, key, copy, key);
    }
    return copy;
  };
  const interpolateString = (text: string, path: FieldPath): unknown => {
    let substituted: string;
    try {
      substituted = substituteVariables(text, {
        lookup,
        onUnset: (name) => options.onUnset?.(name, path),
      });
    } catch (error) {
      if (!(error instanceof SubstitutionError)) throw error;
      throw new ComposeError(error.message, {
        path,
        position: locate.locate(path),
        hint: error.hint,
      });
    }
    const cast = castFor(path);
    if (cast === undefined) return substituted;
    const result = castString(substituted, cast);
    if ('error' in result) {
      throw new ComposeError(result.error, { path, position: locate.locate(path) });
    }
    return result.value;
  };
  return interpolateNode(value, []);
}
