import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../images/blob-store.js';

/**
 * The build cache: which image a step produced, by a key chained from the base image
 * through every instruction (with its expanded arguments and, for COPY and ADD, a
 * digest of the files). An entry whose image is gone is a miss.
 */
export const chainKey = (parent: string, ...parts: string[]) =>
  createHash('sha256')
    .update([parent, ...parts].join('\0'))
    .digest('hex');

export class BuildCache {
  private entries: Record<string, string> | undefined;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly path: string) {}

  private async load(): Promise<Record<string, string>> {
    if (this.entries) return this.entries;
    const text = await readFile(this.path, 'utf8').catch(() => '{}');
    try {
      this.entries = JSON.parse(text) as Record<string, string>;
    } catch {
      this.entries = {};
    }
    return this.entries;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.load())[key];
  }

  /** Records an entry; writes are serialized so concurrent builds do not lose each other's. */
  async set(key: string, imageId: string): Promise<void> {
    const entries = await this.load();
    entries[key] = imageId;
    const write = async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFileAtomic(this.path, JSON.stringify(entries));
    };
    this.writing = this.writing.then(write, write);
    await this.writing;
  }
}
