import { describe, expect, it } from 'vitest';
import { formatDuration, parseByteSize, parseDuration } from '../../src/compose/units.js';

describe('parseDuration', () => {
  it.each([
    ['10ms', 10e6],
    ['40s', 40e9],
    ['1m30s', 90e9],
    ['1h5m30s20ms', 3600e9 + 300e9 + 30e9 + 20e6],
    ['1.5s', 1.5e9],
    ['500us', 500e3],
    ['2d', 2 * 86_400e9],
    ['0', 0],
    ['-5s', -5e9],
  ])('%s is %d ns', (text, nanos) => {
    expect(parseDuration(text)).toBe(nanos);
  });

  it.each(['', '10', 'abc', '10x', '1m30', 's'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration prints Go durations', () => {
  it.each([
    [0, '0s'],
    [90e9, '1m30s'],
    [10e9, '10s'],
    [500e6, '500ms'],
    [1.5e9, '1.5s'],
    [3600e9, '1h0m0s'],
    [3600e9 + 5e9, '1h0m5s'],
    [1500, '1.5µs'],
    [7, '7ns'],
    [90.25e9, '1m30.25s'],
  ])('%d ns is %s', (nanos, text) => {
    expect(formatDuration(nanos)).toBe(text);
  });

  it('round-trips what compose files write', () => {
    for (const text of ['1m30s', '10s', '500ms', '2h30m0s']) {
      expect(formatDuration(parseDuration(text) as number)).toBe(text);
    }
  });
});

describe('parseByteSize', () => {
  it.each([
    ['512m', 536_870_912],
    ['2b', 2],
    ['1024kb', 1_048_576],
    ['2048k', 2_097_152],
    ['300m', 314_572_800],
    ['1gb', 1_073_741_824],
    ['1G', 1_073_741_824],
    ['1.5g', 1_610_612_736],
    ['100', 100],
    [4096, 4096],
    ['-1', -1],
  ] as [string | number, number][])('%s is %d bytes', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(['', 'm', '12q', '1.5.5', 1.5] as (string | number)[])('rejects %j', (text) => {
    expect(parseByteSize(text)).toBeUndefined();
  });
});
