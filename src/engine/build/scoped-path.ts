import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from './build-error.js';

/**
 * Resolves a path inside a root directory (an image's rootfs, a build context) as if
 * the root were `/`: symbolic links are followed within the root, absolute targets
 * and `..` never leave it. A build writes through the result, so an image whose
 * `/app` links to `/etc` lands in its own /etc, never the host's.
 */
const MAX_LINKS = 40;

const components = (path: string) => path.split('/').filter((part) => part !== '' && part !== '.');

export async function resolveScoped(
  root: string,
  path: string,
  followLast = true,
): Promise<string> {
  const resolved: string[] = [];
  const pending = components(path);
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join(root, ...resolved, part);
    const stats = await lstat(candidate).catch(() => undefined);
    if (stats?.isSymbolicLink() && (pending.length > 0 || followLast)) {
      if (++links > MAX_LINKS) throw new BuildError(`too many levels of symbolic links: ${path}`);
      const target = await readlink(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...components(target));
      continue;
    }
    resolved.push(part);
  }
  return join(root, ...resolved);
}
