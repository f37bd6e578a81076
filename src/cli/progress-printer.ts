import type { ProgressEvent, Reporter } from '../scheduler/progress.js';

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'quiet' | 'json';

/** A reporter that may hold the terminal (tty mode): `close` ends its rendering. */
export type ProgressPrinter = Reporter & { close(error?: unknown): Promise<void> };

/** `Container demo-web-1  Started`, marked `DRY-RUN MODE -` in a dry run, as Compose prints it. */
export const progressLabel = (event: ProgressEvent) =>
  `${event.dryRun ? 'DRY-RUN MODE -  ' : ''}${event.kind} ${event.name}  ${event.status}`;

/** `auto` is the terminal renderer when stderr (where progress goes) is a terminal. */
export function resolveProgressMode(
  mode: ProgressMode,
  isTerminal = process.stderr.isTTY === true,
): Exclude<ProgressMode, 'auto'> {
  if (mode !== 'auto') return mode;
  return isTerminal ? 'tty' : 'plain';
}

/**
 * Progress without a terminal: ` Container demo-web-1  Started`, one line per change,
 * on stderr so stdout stays for the command's own output. `json` prints one object per
 * line for tools; `quiet` prints nothing.
 */
export function progressPrinter(
  mode: Exclude<ProgressMode, 'auto' | 'tty'>,
  write: (text: string) => void = (text) => process.stderr.write(text),
): ProgressPrinter {
  const close = async () => {};
  if (mode === 'quiet') return Object.assign(() => {}, { close });
  if (mode === 'json') {
    return Object.assign((event: ProgressEvent) => write(`${JSON.stringify(event)}\n`), { close });
  }
  return Object.assign((event: ProgressEvent) => write(` ${progressLabel(event)}\n`), { close });
}

/** The printer for a --progress mode; the terminal one (listr2) loads only when used. */
export async function openProgress(mode: ProgressMode = 'auto'): Promise<ProgressPrinter> {
  const resolved = resolveProgressMode(mode);
  if (resolved !== 'tty') return progressPrinter(resolved);
  const { ttyProgress } = await import('./tty-progress.js');
  return ttyProgress();
}
