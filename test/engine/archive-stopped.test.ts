import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineForFile } from '../orchestrator/support.js';
import { dockerOk, runDocker } from './support.js';

const testEngine = engineForFile();

const ok = (...args: string[]) => dockerOk(testEngine(), args);

describe('docker cp with a stopped container', () => {
  it('sees its volumes and bind mounts, out of it and into it, as when it runs', async () => {
    const root = testEngine().root;
    const bind = mkdtempSync(join(root, 'bind-'));
    writeFileSync(join(bind, 'b.txt'), 'bound\n');
    const name = `cp-stopped-${randomBytes(4).toString('hex')}`;
    const volume = `${name}-data`;
    const mounts = [
      '--network',
      'none',
      '-v',
      `${volume}:/srv/data`,
      '-v',
      `${bind}:/bind`,
      '-v',
      `${bind}:/locked:ro`,
    ];
    await ok(
      'run',
      '--name',
      name,
      ...mounts,
      'busybox',
      'sh',
      '-c',
      'echo kept > /srv/data/v.txt',
    );
    const out = mkdtempSync(join(root, 'out-'));

    await ok('cp', `${name}:/srv/data/v.txt`, out);
    expect(readFileSync(join(out, 'v.txt'), 'utf8')).toBe('kept\n');
    await ok('cp', `${name}:/bind`, join(out, 'bind'));
    expect(readFileSync(join(out, 'bind/b.txt'), 'utf8')).toBe('bound\n');
    // A directory holding a mount point: the copy descends into what is mounted there.
    await ok('cp', `${name}:/srv`, join(out, 'srv'));
    expect(readFileSync(join(out, 'srv/data/v.txt'), 'utf8')).toBe('kept\n');

    writeFileSync(join(out, 'in.txt'), 'copied in\n');
    await ok('cp', join(out, 'in.txt'), `${name}:/srv/data/`);
    await ok('cp', join(out, 'in.txt'), `${name}:/bind/`);
    expect(readFileSync(join(bind, 'in.txt'), 'utf8')).toBe('copied in\n');
    const refused = await runDocker(testEngine(), ['cp', join(out, 'v.txt'), `${name}:/locked/`]);
    expect(refused.stderr).toContain('mounted volume is marked read-only');
    const check = ['run', '--rm', '--network', 'none', '-v', `${volume}:/data`, 'busybox'];
    expect(await ok(...check, 'cat', '/data/in.txt')).toBe('copied in\n');

    await ok('rm', name);
    await ok('volume', 'rm', volume);
  });
});
