import { ComposeError, formatComposeError } from '../compose/errors.js';

/**
 * The one place errors become text. User errors print as one line; anything else
 * prints its message, and its stack only when TCOMPOSE_DEBUG is set.
 */
export function renderError(error: unknown): string {
  if (error instanceof ComposeError) return formatComposeError(error);
  if (error instanceof Error) {
    return process.env.TCOMPOSE_DEBUG ? (error.stack ?? error.message) : error.message;
  }
  return String(error);
}
