import type { ErrorObject } from 'ajv';
import { ComposeError, type FieldPath, type SourcePosition } from './errors.js';
import type { SourceLocator } from './source-map.js';
import { didYouMean } from './suggest.js';

/*
 * Turns ajv's error list into the one error a user should read first.
 *
 * With allErrors, a failed anyOf reports every branch it tried, then itself. Ajv
 * appends a union's branch errors right before the union's own error, and our schema
 * keeps every anyOf alone in its node, so the list folds back into a tree: a union
 * owns the errors just before it that lie at or under its path. From that tree:
 * - the earliest failure in the file is reported;
 * - a union whose branches all failed on the kind of value ("must be a string") says
 *   which kinds it accepts, in one sentence;
 * - a union where some branch matched the kind but failed inside reports that inner
 *   failure, since the value plainly meant that branch.
 */

interface Failure {
  error: ErrorObject;
  /** Where the failure is: the instance path, plus the key for an unknown key. */
  path: FieldPath;
  /** For a union (anyOf/oneOf): the errors of its branches. */
  branches: Failure[];
}

interface Described {
  path: FieldPath;
  message: string;
  hint?: string;
}

/** Schema annotations that word errors (see the schema's description). */
interface WordedSchema {
  properties?: Record<string, unknown>;
  patternText?: string;
  keyText?: string;
  kindText?: string;
}

const KIND_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  null: 'null',
};

export function schemaErrorToComposeError(
  errors: readonly ErrorObject[],
  document: unknown,
  locator: SourceLocator,
): ComposeError {
  const failures = foldUnions(errors, document);
  const first = earliest(failures, locator);
  const described = first
    ? describe(first, locator)
    : { path: [], message: 'does not match the Compose schema' };
  const message =
    described.path.length === 0 ? `top level ${described.message}` : described.message;
  return new ComposeError(message, {
    path: described.path,
    position: locator.locate(described.path),
    hint: described.hint,
  });
}

function foldUnions(errors: readonly ErrorObject[], document: unknown): Failure[] {
  const stack: Failure[] = [];
  for (const error of errors) {
    const failure: Failure = { error, path: failurePath(error, document), branches: [] };
    if (isUnion(error)) {
      const at = instancePath(error.instancePath, document);
      while (stack.length > 0 && isWithin(stack[stack.length - 1].path, at)) {
        failure.branches.unshift(stack.pop() as Failure);
      }
    }
    stack.push(failure);
  }
  return stack;
}

function isUnion(error: ErrorObject): boolean {
  return error.keyword === 'anyOf' || error.keyword === 'oneOf';
}

function failurePath(error: ErrorObject, document: unknown): FieldPath {
  const path = instancePath(error.instancePath, document);
  if (error.keyword === 'additionalProperties') {
    return [...path, String(error.params.additionalProperty)];
  }
  if (error.keyword === 'uniqueItems') {
    return [...path, Math.max(Number(error.params.i), Number(error.params.j))];
  }
  return path;
}

/** A JSON pointer as a field path, with list indexes as numbers. */
function instancePath(pointer: string, document: unknown): FieldPath {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node = document;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path.push(Number(key));
      node = node[Number(key)];
    } else {
      path.push(key);
      node =
        typeof node === 'object' && node !== null
          ? (node as Record<string, unknown>)[key]
          : undefined;
    }
  }
  return path;
}

function isWithin(path: FieldPath, ancestor: FieldPath): boolean {
  return ancestor.length <= path.length && ancestor.every((part, i) => part === path[i]);
}

function isSamePath(a: FieldPath, b: FieldPath): boolean {
  return a.length === b.length && isWithin(a, b);
}

function earliest(failures: Failure[], locator: SourceLocator): Failure | undefined {
  let best: Failure | undefined;
  let bestPosition: SourcePosition | undefined;
  for (const failure of failures) {
    const position = locator.locate(failure.path);
    if (best === undefined || isBefore(position, bestPosition)) {
      best = failure;
      bestPosition = position;
    }
  }
  return best;
}

function isBefore(a: SourcePosition | undefined, b: SourcePosition | undefined): boolean {
  if (a === undefined || b === undefined) return a !== undefined;
  if (a.file !== b.file) return false;
  return a.line < b.line || (a.line === b.line && a.column < b.column);
}

function describe(failure: Failure, locator: SourceLocator): Described {
  if (!isUnion(failure.error)) return describeLeaf(failure);
  const kinds = expectedKinds(failure, failure.path);
  if (kinds) return { path: failure.path, message: `must be ${joinOr(withoutNull(kinds))}` };
  // Some branch accepted the kind of value and failed inside: that is what was meant.
  const inner = failure.branches.filter(
    (branch) => expectedKinds(branch, failure.path) === undefined,
  );
  const chosen = earliest(inner, locator);
  return chosen ? describe(chosen, locator) : describeLeaf(failure);
}

/**
 * What kinds of value a failure asks for at `at`, when it failed only because the value
 * there is of another kind (wrong type, not one of the listed words); undefined when it
 * failed on the value's content, or deeper down.
 */
function expectedKinds(failure: Failure, at: FieldPath): string[] | undefined {
  const { error } = failure;
  if (!isSamePath(failure.path, at)) return undefined;
  const schema = (error.parentSchema ?? {}) as WordedSchema;
  switch (error.keyword) {
    case 'type':
      if (schema.kindText) return [schema.kindText];
      return String(error.params.type)
        .split(',')
        .map((type) => KIND_NAMES[type] ?? type);
    case 'enum':
      return (error.params.allowedValues as unknown[]).map((value) => JSON.stringify(value));
    case 'pattern':
      return [schema.patternText ?? `a string matching ${error.params.pattern}`];
    case 'anyOf':
    case 'oneOf': {
      const kinds: string[] = [];
      for (const branch of failure.branches) {
        const branchKinds = expectedKinds(branch, at);
        if (!branchKinds) return undefined;
        kinds.push(...branchKinds);
      }
      return [...new Set(kinds)];
    }
    default:
      return undefined;
  }
}

function describeLeaf(failure: Failure): Described {
  const { error, path } = failure;
  const schema = (error.parentSchema ?? {}) as WordedSchema;
  switch (error.keyword) {
    case 'additionalProperties':
      return describeUnknownKey(String(error.params.additionalProperty), schema, path);
    case 'required':
      return { path, message: `missing required field '${error.params.missingProperty}'` };
    case 'enum':
      return { path, message: `must be one of ${(expectedKinds(failure, path) ?? []).join(', ')}` };
    case 'type':
    case 'pattern':
      return {
        path,
        message: `must be ${joinOr(withoutNull(expectedKinds(failure, path) ?? []))}`,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `must be ${error.params.comparison} ${error.params.limit}` };
    case 'uniqueItems': {
      const first = Math.min(Number(error.params.i), Number(error.params.j));
      return { path, message: `duplicate entry (the same as [${first}])` };
    }
    default:
      return { path, message: error.message ?? 'is not valid' };
  }
}

function describeUnknownKey(key: string, schema: WordedSchema, path: FieldPath): Described {
  if (schema.keyText) {
    return { path, message: `invalid name '${key}'`, hint: schema.keyText };
  }
  return {
    path,
    message: `unknown field '${key}'`,
    hint: suggestField(key, Object.keys(schema.properties ?? {})),
  };
}

/**
 * A near spelling, else the one field the key begins (`alias` for `aliases`,
 * `health` for `healthcheck`): a shortened name is as common as a typo.
 */
function suggestField(key: string, fields: string[]): string | undefined {
  const typo = didYouMean(key, fields);
  if (typo || key.length < 3) return typo;
  const longer = fields.filter((field) => field.startsWith(key));
  return longer.length === 1 ? `did you mean '${longer[0]}'?` : undefined;
}

/** Null is accepted where Compose allows it, but is never what a user meant to write. */
function withoutNull(kinds: string[]): string[] {
  const others = kinds.filter((kind) => kind !== KIND_NAMES.null);
  return others.length > 0 ? others : kinds;
}

/** "a", "a or b", "a, b or c". */
function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
