import { describe, expect, it } from 'vitest';
import { deviceCgroupRules, deviceNumbers } from '../../src/engine/containers/devices.js';
import { engineForFile } from '../orchestrator/support.js';
import { runDocker } from './support.js';

const testEngine = engineForFile();

describe('devices given to a container (docker run --device)', () => {
  it('splits a dev_t into major and minor as glibc does', () => {
    expect(deviceNumbers(259)).toEqual({ major: 1, minor: 3 });
    // makedev(8, 300): the minor's high bits sit above the major's low ones.
    expect(deviceNumbers((8 << 8) | (300 & 0xff) | ((300 & 0xfff00) << 12))).toEqual({
      major: 8,
      minor: 300,
    });
  });

  it('reads device cgroup rules as Docker writes them', () => {
    expect(deviceCgroupRules(['c 1:3 mr', 'b 8:* rwm', 'a *:* m'])).toEqual([
      { allow: true, type: 'c', major: 1, minor: 3, access: 'mr' },
      { allow: true, type: 'b', major: 8, access: 'rwm' },
      { allow: true, type: 'a', access: 'm' },
    ]);
    expect(() => deviceCgroupRules(['c 1:3'])).toThrow(
      "invalid device cgroup rule format: 'c 1:3'",
    );
  });

  it('lets a rule open a node the container made itself (--device-cgroup-rule)', async () => {
    const run = (...args: string[]) =>
      runDocker(testEngine(), ['run', '--rm', '--network', 'none', ...args]);
    // /dev/net/tun's numbers (opening it needs no capability), opened for reading only;
    // mknod is allowed by default, opening is not.
    const script = 'mknod /k c 10 200 && dd if=/k of=/dev/null count=0 2>&1 && echo opened';
    const refused = await run('busybox', 'sh', '-c', script);
    expect(refused.stdout).toContain("can't open '/k': Operation not permitted");
    const allowed = await run('--device-cgroup-rule', 'c 10:200 r', 'busybox', 'sh', '-c', script);
    expect(allowed.stdout).toContain('opened');
  });

  it('makes the host node under its own path, with the access asked for', async () => {
    const run = (...args: string[]) =>
      runDocker(testEngine(), ['run', '--rm', '--network', 'none', ...args]);
    const written = await run(
      '--device',
      '/dev/null:/dev/mynull',
      'busybox',
      'sh',
      '-c',
      'stat -c "%t %T %F" /dev/mynull; echo x > /dev/mynull && echo written',
    );
    expect(written.stdout).toBe('1 3 character special file\nwritten\n');
    // Read access alone to a device outside Docker's defaults: the device cgroup refuses
    // to open it for writing (nothing is written to the host's kernel log).
    const readOnly = await run(
      '--device',
      '/dev/kmsg:/dev/k:r',
      'busybox',
      'sh',
      '-c',
      'echo x > /dev/k',
    );
    expect(readOnly.stderr).toContain("can't create /dev/k: Operation not permitted");
    const missing = await run('--device', '/dev/not-there', 'busybox', 'true');
    expect(missing.stderr).toContain(
      'error gathering device information while adding custom device "/dev/not-there": no such file or directory',
    );
  });
});
