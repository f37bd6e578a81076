import { parseDuration } from '../compose/units.js';

/**
 * --since / --until as the Docker CLI accepts them: a duration back from now
 * ("10m", "1h30m"), an RFC 3339 date, or a Unix timestamp; the API wants seconds.
 */
export function toUnixSeconds(value: string, now: number = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const duration = parseDuration(value);
  if (duration !== undefined) return Math.floor((now - duration / 1e6) / 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) {
    throw new Error(
      `invalid time "${value}": use a duration (10m), an RFC 3339 date or a Unix timestamp`,
    );
  }
  return Math.floor(date / 1000);
}
