import type { FieldPath, SourcePosition } from './errors.js';

/** Answers where a node of a compose document came from. */
export interface SourceLocator {
  /** The exact node's position, else its nearest ancestor's that has one. */
  locate(path: FieldPath): SourcePosition | undefined;
}

type ChildKey = string | number;

/*
 * Positions live beside the plain values, keyed by the mapping or sequence that holds
 * the node, so stages can keep passing ordinary JSON-like values around: a stage that
 * copies a container copies its positions with it (see clonePositioned, copyPosition).
 */
const CHILD_POSITIONS = Symbol('child positions');
const OWN_POSITION = Symbol('own position');

interface Positioned {
  [CHILD_POSITIONS]?: Map<ChildKey, SourcePosition>;
  [OWN_POSITION]?: SourcePosition;
}

/*
 * Kept in symbol-keyed, non-enumerable properties rather than in WeakMaps: a document
 * has thousands of containers, and weak tables that size make every collection slow.
 * Object.keys, for-in, spreads, JSON and deep-equality checks all pass them over.
 */
const childPositions = {
  get: (container: object) => (container as Positioned)[CHILD_POSITIONS],
  set: (container: object, positions: Map<ChildKey, SourcePosition>) =>
    hide(container, CHILD_POSITIONS, positions),
};
const ownPositions = {
  get: (container: object) => (container as Positioned)[OWN_POSITION],
  set: (container: object, position: SourcePosition) => hide(container, OWN_POSITION, position),
};

function hide(container: object, key: symbol, value: unknown): void {
  Object.defineProperty(container, key, { value, writable: true, configurable: true });
}

export function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Records where the child `key` of `container` was written. */
export function setPosition(container: object, key: ChildKey, position: SourcePosition): void {
  let positions = childPositions.get(container);
  if (!positions) {
    positions = new Map();
    childPositions.set(container, positions);
  }
  positions.set(key, position);
}

export function positionOf(container: object, key: ChildKey): SourcePosition | undefined {
  return childPositions.get(container)?.get(key);
}

/** Records where a whole document (or any container) starts, used when no child matches. */
export function setOwnPosition(container: object, position: SourcePosition): void {
  ownPositions.set(container, position);
}

export function copyPosition(from: object, fromKey: ChildKey, to: object, toKey: ChildKey): void {
  const position = positionOf(from, fromKey);
  if (position) setPosition(to, toKey, position);
}

/**
 * An empty container of the same kind as `container`, already carrying its positions:
 * filling it with the same keys (or indexes) keeps every child's position.
 */
export function emptyLike<T extends object>(container: T): T {
  const copy = (Array.isArray(container) ? [] : {}) as T;
  const own = ownPositions.get(container);
  if (own) ownPositions.set(copy, own);
  const positions = childPositions.get(container);
  if (positions) childPositions.set(copy, new Map(positions));
  return copy;
}

/** A shallow copy of a container that keeps its children's positions. */
export function shallowCopyPositioned<T extends object>(container: T): T {
  const copy = emptyLike(container);
  if (Array.isArray(container) && Array.isArray(copy)) copy.push(...container);
  else Object.assign(copy, container);
  return copy;
}

/** A deep copy of a value whose containers keep the positions of the original. */
export function clonePositioned<T>(value: T): T {
  if (!isContainer(value)) return value;
  const copy = emptyLike(value);
  if (Array.isArray(value) && Array.isArray(copy)) {
    for (const item of value) copy.push(clonePositioned(item));
  } else {
    for (const [key, child] of Object.entries(value)) {
      (copy as Record<string, unknown>)[key] = clonePositioned(child);
    }
  }
  return copy as T;
}

/** Finds positions by walking the value itself, so it stays right after any positioned copy. */
export function locatorFor(root: unknown): SourceLocator {
  return {
    locate(path: FieldPath): SourcePosition | undefined {
      let position = isContainer(root) ? ownPositions.get(root) : undefined;
      let node: unknown = root;
      for (const part of path) {
        if (!isContainer(node)) break;
        // Paths taken from elsewhere (e.g. JSON pointers) may spell an index as a string.
        const key = Array.isArray(node) ? Number(part) : String(part);
        position = positionOf(node, key) ?? position;
        node = (node as Record<ChildKey, unknown>)[key];
      }
      return position;
    },
  };
}
