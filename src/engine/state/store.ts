import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../images/blob-store.js';
import type { DirectoryPool } from './dir-pool.js';
import { replaceFile, SPARE_SUFFIX } from './replace-file.js';
import type { Trash } from './trash.js';

export { writeFileAtomic };

interface StoreOptions {
  durable: boolean;
  trash?: Trash;
  /**
   * Not durable, with a trash, removed object directories are reused (see DirectoryPool):
   * files of an object's own that it keeps for the next one, which writes over them.
   */
  keep?: string[];
}

/**
 * One JSON document per object: `<dir>/<key>/<file>`. The object directory also holds
 * whatever else belongs to the object (a container's log, a volume's data).
 */
export class JsonStore<T> {
  /**
   * `durable: false` leaves out the fsyncs of every save: for records written on every
   * lifecycle step and rebuilt from the runtime at start (containers), not for records
   * whose loss would lose data (volumes).
   */
  constructor(
    private readonly dir: string,
    private readonly file: string,
    private readonly options: StoreOptions = { durable: true },
  ) {
    const keep = [`${file}${SPARE_SUFFIX}`, ...(options.keep ?? [])];
    this.pool = options.durable ? undefined : options.trash?.pool(basename(dir), keep);
  }

  /** Object directories removed and emptied, which new objects take instead of making one. */
  private readonly pool: DirectoryPool | undefined;

  objectDir(key: string): string {
    return join(this.dir, key);
  }

  async save(key: string, value: T): Promise<void> {
    // A pooled object directory keeps its record's spare: no file is made (see replaceFile).
    if (this.pool) {
      mkdirSync(this.objectDir(key), { recursive: true });
      return replaceFile(join(this.objectDir(key), this.file), this.serialize(value));
    }
    // Not durable, the whole save is synchronous (see writeFileAtomic).
    if (this.options.durable) await mkdir(this.objectDir(key), { recursive: true });
    else mkdirSync(this.objectDir(key), { recursive: true });
    await writeFileAtomic(
      join(this.objectDir(key), this.file),
      this.serialize(value),
      this.options,
    );
  }

  /**
   * Saves a new object, whose directory does not exist yet. Not durable, the document is
   * written in place, without a temporary file to rename (or, in a reused directory, renamed
   * from its spare): until it is whole, the directory is one whose creation never finished,
   * which loadAll passes over.
   */
  async create(key: string, value: T): Promise<void> {
    if (this.options.durable) return this.save(key, value);
    if (this.pool) {
      // A reused directory has its last record as a spare: renamed in whole, it makes no file.
      this.pool.take(this.objectDir(key));
      return replaceFile(join(this.objectDir(key), this.file), this.serialize(value));
    }
    mkdirSync(this.objectDir(key), { recursive: true });
    writeFileSync(join(this.objectDir(key), this.file), this.serialize(value), { flag: 'wx' });
  }

  private serialize(value: T): string {
    return `${JSON.stringify(value, null, 1)}\n`;
  }

  async loadAll(): Promise<T[]> {
    await mkdir(this.dir, { recursive: true });
    const values: T[] = [];
    for (const key of await readdir(this.dir)) {
      try {
        values.push(JSON.parse(await readFile(join(this.objectDir(key), this.file), 'utf8')) as T);
      } catch {
        // A directory without a complete document is an object whose creation never finished.
      }
    }
    return values;
  }

  /** With a trash the object's directory is put aside and deleted in the background. */
  async remove(key: string): Promise<void> {
    if (this.pool) await this.pool.give(this.objectDir(key));
    else if (this.options.trash) await this.options.trash.discard(this.objectDir(key));
    else await rm(this.objectDir(key), { recursive: true, force: true });
  }
}
