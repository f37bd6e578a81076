import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Debian's busybox-static: one static binary that provides every tool a test container needs. */
export const BUSYBOX = '/bin/busybox';

let applets: string[] | undefined;

/** The applets as paths relative to / ("usr/bin/env", "bin/sh"), read once from busybox itself. */
function appletPaths(): string[] {
  applets ??= execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.length > 0);
  return applets;
}

/**
 * Builds a minimal root filesystem in dir: /bin/busybox, a symlink per applet, the usual
 * empty directories and an /etc with root and nobody. Nothing binary is committed: the
 * binary comes from the machine's busybox-static package at test time.
 */
export function makeBusyboxRootfs(dir: string): string {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install busybox-static`);
  for (const sub of [
    'bin',
    'sbin',
    'usr/bin',
    'usr/sbin',
    'etc',
    'proc',
    'sys',
    'dev',
    'tmp',
    'root',
  ]) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  const binary = join(dir, 'bin/busybox');
  try {
    linkSync(BUSYBOX, binary);
  } catch {
    copyFileSync(BUSYBOX, binary);
  }
  for (const applet of appletPaths()) {
    if (applet === 'bin/busybox') continue;
    const target = join(dir, applet);
    mkdirSync(dirname(target), { recursive: true });
    if (!existsSync(target)) symlinkSync('/bin/busybox', target);
  }
  writeFileSync(
    join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(dir, 'etc/hostname'), 'busybox\n');
  return dir;
}
