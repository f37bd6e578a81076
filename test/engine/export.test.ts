import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineForFile } from '../orchestrator/support.js';
import { dockerOk } from './support.js';

const testEngine = engineForFile();

const ok = (...args: string[]) => dockerOk(testEngine(), args);
const entries = (archive: string) =>
  execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).trim().split('\n');
const fileIn = (archive: string, name: string) =>
  execFileSync('tar', ['-xOf', archive, name], { encoding: 'utf8' });

describe('docker export', () => {
  it("gives a container's filesystem, stopped or running, without what is mounted over it", async () => {
    const root = testEngine().root;
    const name = `export-${randomBytes(4).toString('hex')}`;
    const volume = `${name}-data`;
    const run = ['--network', 'none', '-v', `${volume}:/data`, 'busybox', 'sh', '-c'];
    await ok('run', '--name', name, ...run, 'echo made > /made; echo kept > /data/v; rm /bin/ls');

    const stopped = join(root, `${name}-stopped.tar`);
    await ok('export', '-o', stopped, name);
    const stoppedEntries = entries(stopped);
    expect(stoppedEntries).toEqual(expect.arrayContaining(['made', 'bin/busybox', 'data/']));
    // Names as Docker's: from the root, no "./" or "/"; the container's deletion holds.
    expect(stoppedEntries.filter((entry) => /^(\.\/|\/)/.test(entry))).toEqual([]);
    expect(stoppedEntries).not.toContain('bin/ls');
    expect(stoppedEntries).not.toContain('data/v');
    expect(fileIn(stopped, 'made')).toBe('made\n');

    const live = `${name}-live`;
    await ok('run', '-d', '--name', live, ...run, 'echo live > /live; sleep 1000');
    await ok('exec', live, 'cat', '/live');
    const running = join(root, `${name}-running.tar`);
    await ok('export', '-o', running, live);
    const runningEntries = entries(running);
    expect(runningEntries).toEqual(expect.arrayContaining(['live', 'proc/', 'data/', 'etc/hosts']));
    // /proc, the volume and the engine's /etc files are mounts: empty, as Docker exports them.
    expect(runningEntries.filter((entry) => /^(proc|data)\/./.test(entry))).toEqual([]);
    expect(fileIn(running, 'etc/hosts')).toBe('');
    expect(fileIn(running, 'live')).toBe('live\n');

    await ok('rm', '-f', name, live);
    await ok('volume', 'rm', volume);
  });
});
