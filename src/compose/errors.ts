/** Where a node of a compose file came from. Lines and columns are 1-based. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** A path into the compose model, e.g. ['services', 'web', 'ports', 1]. */
export type FieldPath = readonly (string | number)[];

export interface ComposeErrorDetails {
  path?: FieldPath;
  position?: SourcePosition;
  hint?: string;
}

/**
 * A user error in compose input: a value, not a crash. Stages return or throw it;
 * the CLI renders it once, as `file:line:col: field.path: message (hint)`.
 */
export class ComposeError extends Error {
  readonly path?: FieldPath;
  readonly position?: SourcePosition;
  readonly hint?: string;

  constructor(message: string, details: ComposeErrorDetails = {}) {
    super(message);
    this.name = 'ComposeError';
    this.path = details.path;
    this.position = details.position;
    this.hint = details.hint;
  }
}

/** Renders a field path the way users read it: services.web.ports[1]. */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** One line: `compose.yaml:6:9: services.web.ports[1]: invalid published port (hint)`. */
export function formatComposeError(error: ComposeError): string {
  const where = error.position
    ? `${error.position.file}:${error.position.line}:${error.position.column}: `
    : '';
  const field = error.path && error.path.length > 0 ? `${formatFieldPath(error.path)}: ` : '';
  const hint = error.hint ? ` (${error.hint})` : '';
  return `${where}${field}${error.message}${hint}`;
}
