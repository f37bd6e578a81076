import { describe, expect, it } from 'vitest';
import { nextHealth, probeCommand } from '../../src/engine/containers/health.js';
import { mergeWithImage, processArgs } from '../../src/engine/containers/merge-config.js';
import { parseBind } from '../../src/engine/containers/mounts.js';
import { nextBackoff, shouldRestart } from '../../src/engine/containers/restart-policy.js';
import {
  clampRlimits,
  defaultCapabilities,
  effectiveCapabilities,
} from '../../src/engine/containers/spec.js';
import { eventMatches, parseTimestampNano } from '../../src/engine/events.js';
import { encodeFrame, FrameDecoder } from '../../src/engine/stdio-framing.js';

describe('merging a create request with the image config', () => {
  const image = {
    Env: ['PATH=/bin', 'A=image'],
    Cmd: ['sh'],
    Entrypoint: null,
    WorkingDir: '/srv',
    Labels: { a: '1' },
  };
  it('keeps the image command unless given, and lets the container override env and labels', () => {
    const merged = mergeWithImage({ Env: ['A=mine', 'B=2'], Labels: { b: '2' } }, image);
    expect(merged).toMatchObject({
      Env: ['PATH=/bin', 'A=mine', 'B=2'],
      Cmd: ['sh'],
      WorkingDir: '/srv',
      Labels: { a: '1', b: '2' },
    });
    expect(processArgs(merged)).toEqual({ path: 'sh', args: [] });
  });
  it('drops the image Cmd when the request sets an Entrypoint', () => {
    const merged = mergeWithImage({ Entrypoint: ['echo'] }, image);
    expect(processArgs(merged)).toEqual({ path: 'echo', args: [] });
  });
  it('refuses a container without any command', () => {
    expect(() => processArgs(mergeWithImage({}, { Env: [] }))).toThrow(/no command specified/);
  });
});

describe('restart policies', () => {
  it('follows Docker: always, unless-stopped, on-failure with a maximum, never after a manual stop', () => {
    expect(shouldRestart({ Name: 'always' }, 0, 5, false)).toBe(true);
    expect(shouldRestart({ Name: 'always' }, 1, 0, true)).toBe(false);
    expect(shouldRestart({ Name: 'on-failure' }, 0, 0, false)).toBe(false);
    expect(shouldRestart({ Name: 'on-failure', MaximumRetryCount: 2 }, 1, 1, false)).toBe(true);
    expect(shouldRestart({ Name: 'on-failure', MaximumRetryCount: 2 }, 1, 2, false)).toBe(false);
    expect(shouldRestart({ Name: 'no' }, 1, 0, false)).toBe(false);
  });
  it('backs off from 100 ms, doubling to a minute, and resets after 10 s of running', () => {
    expect(nextBackoff(0, 50)).toBe(100);
    expect(nextBackoff(100, 50)).toBe(200);
    expect(nextBackoff(40_000, 50)).toBe(60_000);
    expect(nextBackoff(60_000, 50)).toBe(60_000);
    expect(nextBackoff(60_000, 10_000)).toBe(100);
  });
});

describe('health checks', () => {
  it('runs CMD as given and CMD-SHELL through sh; NONE runs nothing', () => {
    expect(probeCommand(['CMD', 'true'])).toEqual(['true']);
    expect(probeCommand(['CMD-SHELL', 'exit 1'])).toEqual(['/bin/sh', '-c', 'exit 1']);
    expect(probeCommand(['NONE'])).toBeUndefined();
  });
  it('becomes unhealthy after Retries failures, ignoring failures in the start period', () => {
    let state = { status: 'starting' as const, failingStreak: 0 } as ReturnType<typeof nextHealth>;
    state = nextHealth(state, false, true, 2);
    expect(state).toEqual({ status: 'starting', failingStreak: 0 });
    state = nextHealth(state, false, false, 2);
    expect(state).toEqual({ status: 'starting', failingStreak: 1 });
    state = nextHealth(state, false, false, 2);
    expect(state).toEqual({ status: 'unhealthy', failingStreak: 2 });
    expect(nextHealth(state, true, false, 2)).toEqual({ status: 'healthy', failingStreak: 0 });
  });
});

describe('OCI defaults', () => {
  it("starts from Docker's 14 capabilities and applies CapAdd/CapDrop", () => {
    expect(defaultCapabilities).toHaveLength(14);
    const caps = effectiveCapabilities(['NET_ADMIN'], ['cap_chown', 'MKNOD']);
    expect(caps).toContain('CAP_NET_ADMIN');
    expect(caps).not.toContain('CAP_CHOWN');
    expect(caps).toHaveLength(13);
    expect(effectiveCapabilities([], ['ALL'])).toEqual([]);
  });
  it("refuses rlimits above the engine's hard limits", () => {
    expect(() =>
      clampRlimits([{ type: 'RLIMIT_NOFILE', soft: 1, hard: 30_000 }], { RLIMIT_NOFILE: 20_000 }),
    ).toThrow(/nofile=30000 is above/);
  });
  it('parses binds: host paths, named volumes, options', () => {
    expect(parseBind('/srv:/data:ro')).toMatchObject({
      Type: 'bind',
      Source: '/srv',
      Target: '/data',
      ReadOnly: true,
    });
    expect(parseBind('vol:/data')).toMatchObject({
      Type: 'volume',
      Source: 'vol',
      Target: '/data',
      ReadOnly: false,
    });
    expect(parseBind('/anonymous')).toEqual({ Type: 'volume', Target: '/anonymous' });
    expect(() => parseBind('a:/b:bogus')).toThrow(/invalid mode: bogus/);
  });
});

describe('stream framing and events', () => {
  it('frames and unframes across arbitrary chunk boundaries', () => {
    const bytes = Buffer.concat([
      encodeFrame(1, Buffer.from('out')),
      encodeFrame(2, Buffer.from('err')),
    ]);
    const frames: string[] = [];
    const decoder = new FrameDecoder();
    for (const piece of [bytes.subarray(0, 5), bytes.subarray(5, 13), bytes.subarray(13)]) {
      decoder.push(piece, (stream, payload) => frames.push(`${stream}:${payload}`));
    }
    expect(frames).toEqual(['1:out', '2:err']);
  });
  it('parses Docker time values and matches event filters', () => {
    expect(parseTimestampNano('12.5')).toBe(12_500_000_000);
    expect(parseTimestampNano('1970-01-01T00:00:01Z')).toBe(1e9);
    const event = {
      Type: 'container' as const,
      Action: 'health_status: healthy',
      Actor: { ID: 'abc123', Attributes: { name: 'web', tier: 'front' } },
      scope: 'local' as const,
      time: 0,
      timeNano: 0,
    };
    expect(
      eventMatches(event, { type: ['container'], event: ['health_status'], label: ['tier=front'] }),
    ).toBe(true);
    expect(eventMatches(event, { container: ['web'] })).toBe(true);
    expect(eventMatches(event, { container: ['db'] })).toBe(false);
  });
});
