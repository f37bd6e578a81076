import type { ProgressEvent, Reporter } from '../scheduler/progress.js';

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'quiet' | 'json';

/**
 * Progress as Compose prints it without a terminal: ` Container demo-web-1  Started`,
 * one line per change, on stderr so stdout stays for the command's own output.
 * `json` prints one object per line for tools; `quiet` prints nothing.
 */
export function progressPrinter(
  mode: ProgressMode,
  write: (text: string) => void = (text) => process.stderr.write(text),
): Reporter {
  if (mode === 'quiet') return () => {};
  if (mode === 'json') return (event: ProgressEvent) => write(`${JSON.stringify(event)}\n`);
  return (event: ProgressEvent) => write(` ${event.kind} ${event.name}  ${event.status}\n`);
}
