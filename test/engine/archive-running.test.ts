import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineForFile } from '../orchestrator/support.js';
import { dockerOk } from './support.js';

const testEngine = engineForFile();

const ok = (...args: string[]) => dockerOk(testEngine(), args);

describe('docker cp of a running container', () => {
  it('copies its whole filesystem from /, with the kernel views (/proc, /sys) empty', async () => {
    const name = `cp-root-${randomBytes(4).toString('hex')}`;
    await ok('run', '-d', '--name', name, '--network', 'none', 'busybox', 'sleep', '1000');
    const out = mkdtempSync(join(testEngine().root, 'out-'));

    await ok('cp', `${name}:/`, join(out, 'root'));
    expect(existsSync(join(out, 'root/bin/busybox'))).toBe(true);
    expect(existsSync(join(out, 'root/etc/hostname'))).toBe(true);
    for (const kernelView of ['proc', 'sys', 'dev/pts', 'dev/mqueue']) {
      expect({ kernelView, entries: readdirSync(join(out, 'root', kernelView)) }).toEqual({
        kernelView,
        entries: [],
      });
    }
    // Into a directory that exists: the root's entries land in it, as with Docker.
    await ok('cp', `${name}:/`, out);
    expect(existsSync(join(out, 'bin/busybox'))).toBe(true);
    expect((await ok('exec', name, 'echo', 'still running')).trim()).toBe('still running');

    await ok('rm', '-f', name);
  });
});
