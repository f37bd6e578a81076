import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack } from 'tar-stream';
import { digestHex } from './blob-store.js';
import { familiarRepository, parseReference } from './reference.js';

/**
 * Writes images as a `docker save` archive, the layout `docker load` (20.10+) and
 * `podman load` read: `manifest.json` ([{Config, RepoTags, Layers}]), `repositories`,
 * `<config hex>.json`, and one `<v1 id>/{VERSION,json,layer.tar}` per layer, each
 * layer written once even when images share it.
 */
export interface SavedImage {
  id: string;
  configBytes: Buffer;
  /** Bottom layer first: the uncompressed tar blob of each. */
  layers: { diffId: string; blobPath: string; size: number }[];
  /** Familiar tags to record (`busybox:latest`). */
  repoTags: string[];
  created: string;
}

const EPOCH = new Date(0);

/** Docker's legacy per-layer IDs: any stable hex; derived from the layer chain so shared prefixes match. */
function v1Ids(diffIds: string[]): string[] {
  let parent = '';
  return diffIds.map((diffId) => {
    parent = createHash('sha256').update(`${parent} ${diffId}`).digest('hex');
    return parent;
  });
}

type Pack = ReturnType<typeof tarPack>;

function addBytes(pack: Pack, name: string, bytes: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, mtime: EPOCH, mode: 0o644 }, bytes, (error) =>
      error ? reject(error) : resolve(),
    );
  });
}

async function addFile(pack: Pack, name: string, path: string, size: number): Promise<void> {
  let finished: (error?: Error | null) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    finished = (error) => (error ? reject(error) : resolve());
  });
  const entry = pack.entry({ name, size, mtime: EPOCH, mode: 0o644 }, finished);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    if (!entry.write(chunk)) await once(entry, 'drain');
  }
  entry.end(undefined);
  await done;
}

async function writeEntries(pack: Pack, images: SavedImage[]): Promise<void> {
  const written = new Set<string>();
  const manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const image of images) {
    const ids = v1Ids(image.layers.map((layer) => layer.diffId));
    for (const [i, layer] of image.layers.entries()) {
      const id = ids[i] as string;
      if (written.has(id)) continue;
      written.add(id);
      pack.entry({ name: `${id}/`, type: 'directory', mtime: EPOCH, mode: 0o755 });
      await addBytes(pack, `${id}/VERSION`, '1.0');
      const legacy = { id, ...(i > 0 ? { parent: ids[i - 1] } : {}), created: image.created };
      await addBytes(pack, `${id}/json`, JSON.stringify(legacy));
      await addFile(pack, `${id}/layer.tar`, layer.blobPath, layer.size);
    }
    const configName = `${digestHex(image.id)}.json`;
    if (!written.has(configName)) {
      written.add(configName);
      await addBytes(pack, configName, image.configBytes);
    }
    manifest.push({
      Config: configName,
      RepoTags: image.repoTags.length > 0 ? image.repoTags : null,
      Layers: ids.map((id) => `${id}/layer.tar`),
    });
    const top = ids.at(-1);
    for (const tag of image.repoTags) {
      const reference = parseReference(tag);
      if (top === undefined || reference.tag === undefined) continue;
      const repository = familiarRepository(reference);
      repositories[repository] = { ...repositories[repository], [reference.tag]: top };
    }
  }
  await addBytes(pack, 'manifest.json', JSON.stringify(manifest));
  await addBytes(pack, 'repositories', JSON.stringify(repositories));
  pack.finalize();
}

/** Streams the archive to `out` and ends it. */
export async function writeDockerSave(
  images: SavedImage[],
  out: NodeJS.WritableStream,
): Promise<void> {
  const pack = tarPack();
  const writing = writeEntries(pack, images).catch((error: unknown) => {
    pack.destroy(error as Error);
    throw error;
  });
  await Promise.all([pipeline(pack, out), writing]);
}
