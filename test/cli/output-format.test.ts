import { describe, expect, it } from 'vitest';
import { LogPrinter } from '../../src/cli/log-printer.js';
import { progressPrinter } from '../../src/cli/progress-printer.js';
import { formatTable, humanSize, timeAgo } from '../../src/cli/table.js';
import { toUnixSeconds } from '../../src/cli/time-argument.js';

describe('LogPrinter', () => {
  const capture = (options: { colors: boolean; prefix: boolean }) => {
    const out: string[] = [];
    const printer = new LogPrinter({ ...options, width: 5, write: (text) => out.push(text) });
    return { out, printer };
  };

  it('prints whole lines with padded prefixes, whatever the chunking', () => {
    const { out, printer } = capture({ colors: false, prefix: true });
    printer.chunk('web-1', 'hel');
    printer.chunk('db-1', 'ready\n');
    printer.chunk('web-1', 'lo\nwor');
    printer.end('web-1');
    expect(out).toEqual(['db-1  | ready\n', 'web-1 | hello\n', 'web-1 | wor\n']);
  });

  it('colours each source differently and can drop the prefix', () => {
    const coloured = capture({ colors: true, prefix: true });
    coloured.printer.chunk('a', 'x\n');
    coloured.printer.chunk('b', 'y\n');
    expect(coloured.out[0]).toBe('\u001b[36ma     | \u001b[0mx\n');
    expect(coloured.out[1]).toBe('\u001b[33mb     | \u001b[0my\n');
    const bare = capture({ colors: true, prefix: false });
    bare.printer.chunk('a', 'x\n');
    expect(bare.out).toEqual(['x\n']);
  });
});

describe('progressPrinter', () => {
  it('prints Compose-style plain lines, JSON lines, or nothing', () => {
    const event = { kind: 'Container' as const, name: 'demo-web-1', status: 'Started', done: true };
    const lines: string[] = [];
    progressPrinter('plain', (text) => lines.push(text))(event);
    progressPrinter('json', (text) => lines.push(text))(event);
    progressPrinter('quiet', (text) => lines.push(text))(event);
    expect(lines).toEqual([' Container demo-web-1  Started\n', `${JSON.stringify(event)}\n`]);
  });
});

describe('formatTable, timeAgo and humanSize', () => {
  it.each([
    [512, '512B'],
    [1_982_621, '1.98MB'],
    [2_000_000_000, '2GB'],
  ])('%i bytes read %s', (bytes, text) => {
    expect(humanSize(bytes)).toBe(text);
  });

  it('aligns columns and leaves no trailing spaces', () => {
    expect(
      formatTable(
        ['NAME', 'STATUS'],
        [
          ['web-1', 'Up'],
          ['a', ''],
        ],
      ),
    ).toBe('NAME    STATUS\nweb-1   Up\na\n');
  });

  it.each([
    [0, 'Less than a second ago'],
    [1, '1 second ago'],
    [70, 'About a minute ago'],
    [125, '2 minutes ago'],
    [3_700, 'About an hour ago'],
    [7_200, '2 hours ago'],
    [180_000, '2 days ago'],
    [30 * 86_400, '4 weeks ago'],
    [200 * 86_400, '6 months ago'],
    [1_056 * 86_400, '2 years ago'],
  ])('%i seconds old reads %s', (age, text) => {
    expect(timeAgo(1_000_000 - age, 1_000_000_000)).toBe(text);
  });
});

describe('toUnixSeconds', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  it.each([
    ['1700000000', 1_700_000_000],
    ['10m', Date.parse('2026-01-01T00:00:00Z') / 1000],
    ['2026-01-01T00:05:00Z', Date.parse('2026-01-01T00:05:00Z') / 1000],
  ])('%s', (text, expected) => {
    expect(toUnixSeconds(text, now)).toBe(expected);
  });

  it('refuses what is no time', () => {
    expect(() => toUnixSeconds('yesterday-ish', now)).toThrow(/invalid time "yesterday-ish"/);
  });
});
