import { readFile } from 'node:fs/promises';
import { EngineError } from '../../errors/engine-error.js';
import { writeFileAtomic } from './blob-store.js';

/**
 * The store's single source of truth, one JSON file replaced atomically and
 * written last by every change: images, tags, unpacked layers and snapshots.
 * Anything on disk the index does not name is debris of an interrupted change,
 * collected when the store opens.
 */
export interface ImageEntry {
  id: string;
  created: string;
  /** diff IDs, bottom layer first. */
  layers: string[];
  /** Fully qualified `name@sha256:<manifest digest>`. */
  repoDigests: string[];
  /** Manifest blob, when the image came with one (OCI layouts). */
  manifestDigest?: string;
  /** The image a build step made this one from (Docker's Parent), when it is in the store. */
  parent?: string;
}

export interface LayerEntry {
  /** Short directory name under `layers/`, kept short so 100+ lower dirs fit a mount option page. */
  directory: string;
  size: number;
}

export interface SnapshotEntry {
  imageId: string;
  /** The layers the snapshot mounts, held even if its image is removed by force. */
  layers: string[];
  owner: string;
  /** The shared init layer goes above the image's (a container's snapshot, see ImageStore). */
  init?: boolean;
}

export interface IndexData {
  version: 1;
  /** Counter naming the next layer directory (base 36). */
  nextLayer: number;
  images: Record<string, ImageEntry>;
  /** Fully qualified tag → image ID. */
  tags: Record<string, string>;
  layers: Record<string, LayerEntry>;
  /**
   * Snapshots as older engines recorded them. Each snapshot now has its entry in its own
   * directory (see ImageStore), so that a container's create and remove leave this alone.
   */
  snapshots?: Record<string, SnapshotEntry>;
}

export const emptyIndex = (): IndexData => ({
  version: 1,
  nextLayer: 0,
  images: {},
  tags: {},
  layers: {},
});

export async function readIndex(path: string): Promise<IndexData> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
    throw error;
  }
  try {
    const data = JSON.parse(text) as IndexData;
    if (data.version !== 1) throw new Error(`unknown version ${String(data.version)}`);
    return data;
  } catch (error) {
    throw new EngineError(500, `image index ${path} is unreadable: ${(error as Error).message}`);
  }
}

/** A snapshot's entry from its snapshot.json; undefined when missing or torn. */
export async function readSnapshotEntry(path: string): Promise<SnapshotEntry | undefined> {
  try {
    const entry = JSON.parse(await readFile(path, 'utf8')) as SnapshotEntry;
    return typeof entry.imageId === 'string' && Array.isArray(entry.layers) ? entry : undefined;
  } catch {
    return undefined;
  }
}

export const writeIndex = (path: string, data: IndexData, options?: { durable?: boolean }) =>
  writeFileAtomic(path, `${JSON.stringify(data)}\n`, options);

/** Tags pointing at an image, fully qualified. */
export const tagsOf = (index: IndexData, imageId: string) =>
  Object.keys(index.tags)
    .filter((tag) => index.tags[tag] === imageId)
    .sort();

/** How many images and snapshots use each layer: a layer with no users may go. */
export function layerUsers(
  index: IndexData,
  snapshots: Iterable<SnapshotEntry>,
): Map<string, number> {
  const users = new Map<string, number>();
  const count = (diffId: string) => users.set(diffId, (users.get(diffId) ?? 0) + 1);
  for (const image of Object.values(index.images)) new Set(image.layers).forEach(count);
  for (const snapshot of snapshots) new Set(snapshot.layers).forEach(count);
  return users;
}

/** Layers no image or snapshot uses any more. */
export const unusedLayers = (index: IndexData, snapshots: Iterable<SnapshotEntry>) => {
  const users = layerUsers(index, snapshots);
  return Object.keys(index.layers).filter((diffId) => !users.has(diffId));
};

/** IDs of the images made from `imageId` by build steps. */
export const childrenOf = (index: IndexData, imageId: string) =>
  Object.values(index.images)
    .filter((image) => image.parent === imageId)
    .map((image) => image.id);
