import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { engineForFile } from '../orchestrator/support.js';
import { dockerOk } from './support.js';

const testEngine = engineForFile();

const ok = (...args: string[]) => dockerOk(testEngine(), args);

describe('docker diff', () => {
  it('lists what a container added, changed and deleted, stopped or running', async () => {
    const name = `diff-${randomBytes(4).toString('hex')}`;
    const changes = 'echo a > /added; rm /bin/ls; echo x >> /etc/passwd; mkdir -p /tmp/new/deep';
    await ok('run', '--name', name, '--network', 'none', 'busybox', 'sh', '-c', changes);
    expect(await ok('diff', name)).toBe(
      [
        'A /added',
        'C /bin',
        'D /bin/ls',
        'C /etc',
        'C /etc/passwd',
        'C /tmp',
        'A /tmp/new',
        'A /tmp/new/deep',
        '',
      ].join('\n'),
    );

    const live = `${name}-live`;
    const script = 'echo hi > /root/x; sleep 1000';
    await ok('run', '-d', '--name', live, '--network', 'none', 'busybox', 'sh', '-c', script);
    await ok('exec', live, 'cat', '/root/x');
    expect(await ok('diff', live)).toBe('C /root\nA /root/x\n');
    await ok('rm', '-f', name, live);
  });
});
