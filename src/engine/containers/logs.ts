import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { encodeFrame } from '../stdio-framing.js';

/** One line of Docker's json-file log driver, as tcrun's monitor writes it. */
export interface LogLine {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

export interface LogOptions {
  stdout: boolean;
  stderr: boolean;
  /** Unix nanoseconds, inclusive. */
  sinceNano?: number;
  untilNano?: number;
  timestamps: boolean;
  /** Number of lines from the end, or undefined for all. */
  tail?: number;
  tty: boolean;
}

/** RFC 3339 with nanoseconds to unix nanoseconds (Date.parse alone drops them). */
export function timeToNano(time: string): number {
  const match = /\.(\d+)Z$/.exec(time);
  const fraction = match?.[1] ?? '';
  const ms = Date.parse(time);
  const subMs = Number(fraction.padEnd(9, '0').slice(3, 9));
  return ms * 1e6 + subMs;
}

export function selectLine(line: LogLine, options: LogOptions): boolean {
  if (line.stream === 'stdout' ? !options.stdout : !options.stderr) return false;
  if (options.sinceNano === undefined && options.untilNano === undefined) return true;
  const at = timeToNano(line.time);
  if (options.sinceNano !== undefined && at < options.sinceNano) return false;
  if (options.untilNano !== undefined && at > options.untilNano) return false;
  return true;
}

/** A log line as the logs endpoint sends it: framed unless TTY, optionally timestamped. */
export function renderLine(line: LogLine, options: LogOptions): Buffer {
  const text = options.timestamps ? `${line.time} ${line.log}` : line.log;
  const payload = Buffer.from(text);
  return options.tty ? payload : encodeFrame(line.stream === 'stdout' ? 1 : 2, payload);
}

function parseLine(text: string): LogLine | undefined {
  try {
    const line = JSON.parse(text) as LogLine;
    return typeof line.log === 'string' ? line : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the whole log file and returns the selected lines and the byte offset read up to. */
export async function readLog(
  path: string,
  options: LogOptions,
): Promise<{ lines: LogLine[]; offset: number }> {
  const size = await stat(path).then(
    (stats) => stats.size,
    () => 0,
  );
  if (size === 0) return { lines: [], offset: 0 };
  const lines: LogLine[] = [];
  const reader = createInterface({ input: createReadStream(path, { end: size - 1 }) });
  for await (const text of reader) {
    const line = parseLine(text);
    if (line && selectLine(line, options)) lines.push(line);
  }
  const tail = options.tail;
  return { lines: tail === undefined ? lines : tail === 0 ? [] : lines.slice(-tail), offset: size };
}

/**
 * Follows a log file from an offset, calling `onLine` for each new complete line, until
 * `stop` resolves; then drains what is left so the last lines before exit are not lost.
 */
export async function followLog(
  path: string,
  offset: number,
  options: LogOptions,
  onLine: (line: LogLine) => void,
  stop: Promise<void>,
): Promise<void> {
  let position = offset;
  let partial = '';
  let stopped = false;
  void stop.then(() => {
    stopped = true;
  });
  const drain = async () => {
    const handle = await open(path, 'r').catch(() => undefined);
    if (!handle) return;
    try {
      for (;;) {
        const buffer = Buffer.alloc(64 * 1024);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        const text = partial + buffer.subarray(0, bytesRead).toString('utf8');
        const pieces = text.split('\n');
        partial = pieces.pop() ?? '';
        for (const piece of pieces) {
          const line = parseLine(piece);
          if (line && selectLine(line, options)) onLine(line);
        }
      }
    } finally {
      await handle.close();
    }
  };
  while (!stopped) {
    await drain();
    await Promise.race([stop, new Promise((resolve) => setTimeout(resolve, 200))]);
  }
  await drain();
}
