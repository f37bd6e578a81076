import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isOverlayWhiteout } from '../images/whiteouts.js';

/** One entry of GET /containers/{id}/changes, as `docker diff` reads it. */
export interface FilesystemChange {
  Path: string;
  /** 0: modified, 1: added, 2: deleted. */
  Kind: 0 | 1 | 2;
}

/** Whether the image's layers (top first) show `path`: the topmost layer holding it decides. */
async function inImage(lowers: readonly string[], path: string): Promise<boolean> {
  for (const lower of lowers) {
    const stats = await lstat(join(lower, path)).catch(() => undefined);
    if (stats) return !isOverlayWhiteout(stats);
  }
  return false;
}

/**
 * What a container changed in its filesystem, read from its overlay's upper directory: a
 * whiteout is a deletion; an entry the image also has is a modification (a directory too,
 * when something below it changed), any other an addition. Sorted by path, as Docker lists them.
 */
export async function filesystemChanges(
  upper: string,
  lowers: readonly string[],
): Promise<FilesystemChange[]> {
  const changes: FilesystemChange[] = [];
  const walk = async (directory: string): Promise<void> => {
    for (const name of await readdir(join(upper, directory))) {
      const path = `${directory}/${name}`;
      const stats = await lstat(join(upper, path));
      if (isOverlayWhiteout(stats)) {
        changes.push({ Path: path, Kind: 2 });
        continue;
      }
      changes.push({ Path: path, Kind: (await inImage(lowers, path)) ? 0 : 1 });
      if (stats.isDirectory()) await walk(path);
    }
  };
  await walk('');
  return changes.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}
