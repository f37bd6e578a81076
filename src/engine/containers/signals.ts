import { constants } from 'node:os';
import { badParameter } from '../../errors/engine-error.js';

/** Parses Docker's signal spellings (`SIGTERM`, `TERM`, `15`) to a signal number. */
export function signalNumber(signal: string | undefined, fallback: number): number {
  if (signal === undefined || signal === '') return fallback;
  if (/^\d+$/.test(signal)) {
    const number = Number(signal);
    if (number < 1 || number > 64) throw badParameter(`invalid signal: ${signal}`);
    return number;
  }
  const upper = signal.toUpperCase();
  const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as keyof typeof constants.signals;
  const number = constants.signals[name];
  if (number === undefined) throw badParameter(`invalid signal: ${signal}`);
  return number;
}

export const SIGKILL = constants.signals.SIGKILL;
export const SIGTERM = constants.signals.SIGTERM;
