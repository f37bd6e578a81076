import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { SPARE_SUFFIX } from './replace-file.js';
import type { Trash } from './trash.js';

/** Enough for a burst of removals followed by creates; the rest goes to the trash. */
const MAX_READY = 8;

/**
 * Removed directories of one kind (container records, run directories, snapshots), emptied
 * and handed to the next create by a rename. Making a directory costs up to a millisecond
 * on this machine's ext4 (it scans past recently deleted inodes); renaming one costs none
 * of that. The pool lives in the trash's directory, which the trash empties at open: an
 * entry a crash left, emptied or not, is never handed out.
 */
export class DirectoryPool {
  /** Emptied entries, ready to hand out. */
  private readonly ready: string[] = [];
  /** Entries taken in and still being emptied. */
  private emptying = 0;
  private named = 0;

  /**
   * `keep`: names an entry keeps, which its next user would make again: directories
   * (emptied) and files whose content is always written over. A kept spare of replaceFile
   * (`<record>.spare`) is the entry's record itself when it has one, so that the next
   * user's first replaceFile, as its later ones, makes no file.
   */
  constructor(
    private readonly trash: Trash,
    private readonly dir: string,
    private readonly keep: readonly string[] = [],
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Makes `path` (its parent must exist) from an emptied entry when one is ready. */
  take(path: string): void {
    const entry = this.ready.pop();
    if (entry !== undefined) {
      try {
        renameSync(entry, path);
        return;
      } catch {
        // `path` exists already or the entry went: it goes to the trash and `path` is made.
        void this.trash.discard(entry);
      }
    }
    mkdirSync(path, { recursive: true });
  }

  /**
   * Takes `path` out of sight now, as the trash would, and empties it once the caller has
   * gone on; a full pool (or a path that is not there) leaves it to the trash.
   */
  async give(path: string): Promise<void> {
    if (this.ready.length + this.emptying >= MAX_READY) return this.trash.discard(path);
    const entry = join(this.dir, String(this.named++));
    try {
      renameSync(path, entry);
    } catch {
      return this.trash.discard(path);
    }
    this.emptying++;
    setImmediate(() => {
      this.emptying--;
      if (this.empty(entry)) this.ready.push(entry);
      else void this.trash.discard(entry);
    });
  }

  /** Puts what `entry` holds in the trash but the kept names, and empties kept directories. */
  private empty(entry: string): boolean {
    try {
      this.keepRecordsAsSpares(entry);
      for (const item of readdirSync(entry, { withFileTypes: true })) {
        const path = join(entry, item.name);
        if (!this.keep.includes(item.name)) void this.trash.discard(path);
        else if (item.isDirectory()) {
          for (const child of readdirSync(path)) void this.trash.discard(join(path, child));
        }
      }
      return true;
    } catch {
      // Unreadable: not worth handing out.
      return false;
    }
  }

  private keepRecordsAsSpares(entry: string): void {
    for (const name of this.keep) {
      if (!name.endsWith(SPARE_SUFFIX)) continue;
      try {
        renameSync(join(entry, name.slice(0, -SPARE_SUFFIX.length)), join(entry, name));
      } catch {
        // No record: the spare, if any, stays as it is.
      }
    }
  }
}
