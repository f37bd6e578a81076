/**
 * A build failure that names where it happened: `Dockerfile:3: unknown instruction: RUNN`.
 * The build endpoint sends it to the client as the stream's error message.
 */
export class BuildError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file !== undefined && line !== undefined ? `${file}:${line}: ${message}` : message);
    this.name = 'BuildError';
  }
}
