/**
 * A build failure that names where it happened: `Dockerfile:3: unknown instruction: RUNN`.
 * The build endpoint sends it to the client as the stream's error message.
 */
export class BuildError extends Error {
  constructor(
    /** What went wrong, without the place. */
    readonly reason: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file !== undefined && line !== undefined ? `${file}:${line}: ${reason}` : reason);
    this.name = 'BuildError';
  }
}
