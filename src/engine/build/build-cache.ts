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

/** On disk: the entries, and every image a build made (an entry may have been replaced since). */
interface CacheData {
  entries: Record<string, string>;
  images: string[];
}

export class BuildCache {
  private data: CacheData | undefined;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly path: string) {}

  private async load(): Promise<CacheData> {
    if (this.data) return this.data;
    const text = await readFile(this.path, 'utf8').catch(() => '');
    try {
      const data = JSON.parse(text) as Partial<CacheData>;
      this.data = { entries: data.entries ?? {}, images: data.images ?? [] };
    } catch {
      this.data = { entries: {}, images: [] };
    }
    return this.data;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.load()).entries[key];
  }

  /** Records an entry; writes are serialized so concurrent builds do not lose each other's. */
  async set(key: string, imageId: string): Promise<void> {
    const data = await this.load();
    data.entries[key] = imageId;
    if (!data.images.includes(imageId)) data.images.push(imageId);
    await this.save();
  }

  /** Every image builds made that the cache has not forgotten. */
  async images(): Promise<string[]> {
    return [...(await this.load()).images];
  }

  /** Forgets these images and the entries naming them. */
  async forget(imageIds: string[]): Promise<void> {
    const data = await this.load();
    for (const [key, id] of Object.entries(data.entries)) {
      if (imageIds.includes(id)) delete data.entries[key];
    }
    data.images = data.images.filter((id) => !imageIds.includes(id));
    await this.save();
  }

  private async save(): Promise<void> {
    const data = await this.load();
    const write = async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFileAtomic(this.path, JSON.stringify(data));
    };
    this.writing = this.writing.then(write, write);
    await this.writing;
  }
}
