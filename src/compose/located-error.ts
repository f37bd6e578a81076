import { ComposeError, type FieldPath, type SourcePosition } from './errors.js';

/**
 * Finds where a field of the merged document was written. Structurally the same as
 * the loader's SourceLocator, so the stages after merge need nothing else from it.
 * `originOf` maps a path in the canonical model back to the path as written (a
 * depends_on list entry becomes a map key in the model, for instance).
 */
export interface SourceLookup {
  locate(path: FieldPath): SourcePosition | undefined;
  originOf?(path: FieldPath): FieldPath;
}

/** A lookup for documents built in memory, which have no source text. */
export const noSourcePositions: SourceLookup = { locate: () => undefined };

/**
 * Positions for the canonical model: paths that normalization moved are translated
 * back to where they were written, and a field without a position of its own takes
 * the position of its nearest written parent.
 */
export class ModelSourceMap implements SourceLookup {
  private readonly origins = new Map<string, FieldPath>();

  constructor(private readonly written: SourceLookup) {}

  /** Notes that the model's `canonical` path was written at `original`. */
  record(canonical: FieldPath, original: FieldPath): void {
    this.origins.set(JSON.stringify(canonical), original);
  }

  originOf(path: FieldPath): FieldPath {
    return this.origins.get(JSON.stringify(path)) ?? path;
  }

  locate(path: FieldPath): SourcePosition | undefined {
    const original = this.originOf(path);
    for (let length = original.length; length > 0; length--) {
      const position = this.written.locate(original.slice(0, length));
      if (position) return position;
    }
    return undefined;
  }
}

/** A ComposeError for the field at `path`, placed at its file, line and column. */
export function errorAt(
  lookup: SourceLookup,
  path: FieldPath,
  message: string,
  hint?: string,
): ComposeError {
  const original = lookup.originOf ? lookup.originOf(path) : path;
  return new ComposeError(message, { path: original, position: lookup.locate(path), hint });
}
