/**
 * Durations and byte sizes as compose files write them ("1m30s", "512m"), and the
 * canonical forms `docker compose config` prints (Go's duration text, byte counts).
 */

const NANOS_PER_UNIT: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86_400e9,
  w: 604_800e9,
};

const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w)/y;

/** Nanoseconds in a duration such as "1h5m30s20ms"; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  const negative = trimmed.startsWith('-');
  const body = trimmed.replace(/^[-+]/, '');
  if (body === '0') return 0;
  if (body === '') return undefined;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < body.length) {
    const start = DURATION_PART.lastIndex;
    const match = DURATION_PART.exec(body);
    if (!match || match.index !== start) return undefined;
    total += Number(match[1]) * NANOS_PER_UNIT[match[2]];
  }
  return Math.round(negative ? -total : total);
}

function trimFraction(whole: number, fraction: number, digits: number): string {
  if (fraction === 0) return String(whole);
  const text = String(fraction).padStart(digits, '0').replace(/0+$/, '');
  return `${whole}.${text}`;
}

/** A duration in Go's `time.Duration.String()` form: 1m30s, 500ms, 1h0m0s, 1.5s. */
export function formatDuration(nanos: number): string {
  if (nanos === 0) return '0s';
  const sign = nanos < 0 ? '-' : '';
  const n = Math.abs(nanos);
  if (n < 1e3) return `${sign}${n}ns`;
  if (n < 1e6) return `${sign}${trimFraction(Math.floor(n / 1e3), n % 1e3, 3)}µs`;
  if (n < 1e9) return `${sign}${trimFraction(Math.floor(n / 1e6), n % 1e6, 6)}ms`;
  const hours = Math.floor(n / 3600e9);
  const minutes = Math.floor((n % 3600e9) / 60e9);
  const secondNanos = n % 60e9;
  const seconds = `${trimFraction(Math.floor(secondNanos / 1e9), secondNanos % 1e9, 9)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

const BYTE_MULTIPLIERS: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

const BYTE_SIZE = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i;

/**
 * Bytes in a size such as "512m", "1gb", "2048k" (binary multiples, as Docker reads
 * them). Numbers are already bytes. Undefined when the text is not a size.
 */
export function parseByteSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  const match = BYTE_SIZE.exec(value.trim());
  if (!match) return /^-1$/.test(value.trim()) ? -1 : undefined;
  const unit = (match[2] ?? '').toLowerCase();
  return Math.floor(Number(match[1]) * BYTE_MULTIPLIERS[unit]);
}
