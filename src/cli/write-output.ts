/**
 * Writes command output to stdout. A reader that goes away early (`config | head`)
 * ends the command quietly, as a shell tool does, instead of with an EPIPE trace.
 */
export function writeOutput(text: string): void {
  if (process.stdout.listenerCount('error') === 0) {
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  process.stdout.write(text);
}
