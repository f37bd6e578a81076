/**
 * An engine error is a value with the HTTP status the Docker Engine API gives it:
 * 400 bad parameter, 404 no such object, 409 conflict, 500 server error. The API
 * layer sends `{"message": ...}` with that status; the CLI prints the message.
 */
export class EngineError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 409 | 500 | 501,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export const badParameter = (message: string) => new EngineError(400, message);
export const notFound = (message: string) => new EngineError(404, message);
export const conflict = (message: string) => new EngineError(409, message);
export const notImplemented = (message: string) => new EngineError(501, message);
