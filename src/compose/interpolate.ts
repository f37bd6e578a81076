import { ComposeError, type FieldPath } from './errors.js';
import { castFor, castString } from './interpolation-casts.js';
import { emptyLike, isContainer, type SourceLocator } from './source-map.js';
import { SubstitutionError, substituteVariables } from './substitute.js';

export interface InterpolateOptions {
  /** Told about each variable used without a value and without a default (Compose warns). */
  onUnset?: (name: string, path: FieldPath) => void;
}

/**
 * Substitutes variables in every string value of a compose document (never in keys, as
 * the spec says), then converts strings in non-string fields to their type. Returns a new
 * document that keeps the source positions (sharing what did not change with the input);
 * errors carry the node's position and path.
 */
export function interpolateDocument(
  value: unknown,
  env: Record<string, string>,
  locate: SourceLocator,
  options: InterpolateOptions = {},
): unknown {
  const lookup = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
  // Copy on write: a container is copied only when something under it changes, so a
  // document with few variables is mostly shared with the input, never mutated.
  // One path, grown and shrunk on the way down and up; copied only where it is kept.
  const path: (string | number)[] = [];
  const interpolateNode = (node: unknown): unknown => {
    if (typeof node === 'string') return interpolateString(node);
    if (!isContainer(node)) return node;
    let copy: Record<string | number, unknown> | undefined;
    const keys: (string | number)[] = Array.isArray(node)
      ? node.map((_, i) => i)
      : Object.keys(node);
    const source = node as Record<string | number, unknown>;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const child = source[key];
      path.push(key);
      const result = interpolateNode(child);
      path.pop();
      if (result === child && copy === undefined) continue;
      if (copy === undefined) {
        copy = emptyLike(source);
        for (const earlier of keys.slice(0, i)) copy[earlier] = source[earlier];
      }
      copy[key] = result;
    }
    return copy ?? node;
  };
  const interpolateString = (text: string): unknown => {
    let substituted: string;
    try {
      substituted = substituteVariables(text, {
        lookup,
        onUnset: (name) => options.onUnset?.(name, [...path]),
      });
    } catch (error) {
      if (!(error instanceof SubstitutionError)) throw error;
      throw new ComposeError(error.message, {
        path: [...path],
        position: locate.locate(path),
        hint: error.hint,
      });
    }
    const cast = castFor(path);
    if (cast === undefined) return substituted;
    const result = castString(substituted, cast);
    if ('error' in result) {
      throw new ComposeError(result.error, { path: [...path], position: locate.locate(path) });
    }
    return result.value;
  };
  return interpolateNode(value);
}
