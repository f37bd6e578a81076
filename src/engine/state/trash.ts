import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where removed directories go to be deleted. Deleting a tree costs a round trip per file,
 * renaming it aside costs one, so a removal answers as soon as the object is out of sight
 * and the deletion finishes in the background. What a crash leaves here is deleted at the
 * next start, before anything is put here again.
 */
export class Trash {
  private readonly pending = new Set<Promise<void>>();

  private constructor(
    private readonly dir: string,
    private readonly deleteTree: (path: string) => Promise<void>,
  ) {}

  /**
   * `deleteTree` does the background deletion; the engine hands it to a helper process
   * (`rm -rf` through its spawner), so a tree's thousand unlinks cost its event loop nothing.
   */
  static async open(
    dir: string,
    deleteTree: (path: string) => Promise<void> = (path) =>
      rm(path, { recursive: true, force: true }),
  ): Promise<Trash> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return new Trash(dir, deleteTree);
  }

  /** Takes `path` out of sight now and deletes it later; a path that is not there is fine. */
  async discard(path: string): Promise<void> {
    const aside = join(this.dir, randomUUID());
    try {
      await rename(path, aside);
    } catch {
      // Gone already, another filesystem (EXDEV), or the trash itself went: delete in place.
      await rm(path, { recursive: true, force: true });
      return;
    }
    const deletion = this.deleteTree(aside)
      .catch(() => undefined)
      .finally(() => this.pending.delete(deletion));
    this.pending.add(deletion);
  }

  /** Resolves once every deletion started so far is done (at engine stop). */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
