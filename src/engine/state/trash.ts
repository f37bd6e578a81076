import { renameSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DirectoryPool } from './dir-pool.js';

/** How long a deletion round waits for more removals to join it. */
const ROUND_DELAY_MS = 200;

/**
 * Where removed directories go to be deleted. Deleting a tree costs a round trip per file,
 * renaming it aside costs one, so a removal answers as soon as the object is out of sight
 * and the deletion finishes in the background. What a crash leaves here is deleted at the
 * next start, before anything is put here again.
 */
export class Trash {
  /** Put aside, waiting for the next deletion round. */
  private waiting: string[] = [];
  /** The deletion rounds under way, until nothing waits any more. */
  private rounds: Promise<void> | undefined;
  private putAside = 0;
  /** The wait before the next round, and what ends it early. */
  private delay: NodeJS.Timeout | undefined;
  private wakeUp: ((value?: unknown) => void) | undefined;

  private constructor(
    private readonly dir: string,
    private readonly deleteTrees: (paths: string[]) => Promise<void>,
  ) {}

  /**
   * `deleteTrees` does the background deletion; the engine hands it to a helper process
   * (one `rm -rf` through its spawner for all the trees of a round), so a tree's thousand
   * unlinks cost its event loop nothing and a container removal (its record, run directory
   * and snapshot) one process.
   */
  static async open(
    dir: string,
    deleteTrees: (paths: string[]) => Promise<void> = async (paths) => {
      await Promise.all(paths.map((path) => rm(path, { recursive: true, force: true })));
    },
  ): Promise<Trash> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return new Trash(dir, deleteTrees);
  }

  /** A pool of removed directories to reuse, in this directory: emptied at the next open. */
  pool(name: string, keep: readonly string[] = []): DirectoryPool {
    return new DirectoryPool(this, join(this.dir, `pool-${name}`), keep);
  }

  /**
   * Takes `path` out of sight now and deletes it later; a path that is not there is fine.
   * The rename is synchronous: one system call, cheaper than a thread-pool round trip.
   */
  async discard(path: string): Promise<void> {
    // The directory is emptied at open and only this process uses it: a counter names apart.
    const aside = join(this.dir, String(this.putAside++));
    try {
      renameSync(path, aside);
    } catch {
      // Gone already, another filesystem (EXDEV), or the trash itself went: delete in place.
      await rm(path, { recursive: true, force: true });
      return;
    }
    this.waiting.push(aside);
    this.rounds ??= this.deleteWaiting();
  }

  /**
   * Deletes in rounds what was put aside, each round taking all that waits when it starts.
   * A round starts a moment after the first discard: removals that come in a row (a `down`,
   * one container's record, run directory and snapshot) share one deletion, which stays out
   * of the way of the requests that follow them.
   */
  private async deleteWaiting(): Promise<void> {
    await new Promise((resolve) => {
      this.delay = setTimeout(resolve, ROUND_DELAY_MS);
      this.wakeUp = resolve;
    });
    while (this.waiting.length > 0) {
      await this.deleteTrees(this.waiting.splice(0)).catch(() => undefined);
    }
    this.rounds = undefined;
  }

  /** Resolves once every deletion started so far is done (at engine stop): no more waiting. */
  async settle(): Promise<void> {
    clearTimeout(this.delay);
    this.wakeUp?.();
    await this.rounds;
  }
}
