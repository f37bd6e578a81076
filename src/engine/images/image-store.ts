import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { badParameter, conflict, notFound } from '../../errors/engine-error.js';
import type { DirectoryPool } from '../state/dir-pool.js';
import { replaceFile, SPARE_SUFFIX } from '../state/replace-file.js';
import { Trash } from '../state/trash.js';
import { readImageArchive, type StagedImage } from './archive-load.js';
import { type SavedImage, writeDockerSave } from './archive-save.js';
import { BlobStore, digestHex, sha256Digest } from './blob-store.js';
import { runCommand } from './command.js';
import {
  childrenOf,
  type ImageEntry,
  type IndexData,
  readIndex,
  readSnapshotEntry,
  type SnapshotEntry,
  tagsOf,
  unusedLayers,
  writeIndex,
} from './image-index.js';
import { type ImportOptions, importRootfs } from './import-rootfs.js';
import { ingestLayer } from './layer-ingest.js';
import type { OciImageConfig } from './oci-types.js';
import {
  familiarString,
  type ImageReference,
  idPrefix,
  isFullImageId,
  normalizeReference,
  parseReference,
  qualifiedString,
  repositoryName,
  shortId,
  withDefaultTag,
} from './reference.js';
import {
  mountOverlay,
  mountPoints,
  type OverlayMount,
  overlayOptions,
  unmount,
} from './snapshots.js';

/**
 * The engine's image store: content-addressed blobs, layers unpacked once per
 * diff ID, an index of images, tags and snapshots, and per-container overlay
 * snapshots. Layout under `root`:
 *
 *   index.json               the single source of truth, replaced atomically, written last
 *   blobs/sha256/<hex>       image configs, manifests, uncompressed layer tars
 *   layers/<short>/          one unpacked layer per diff ID (overlay lower dirs)
 *   init/, empty/            the init layer (see INIT_LAYER) and the lower dir of no layers
 *   snapshots/<container>/   snapshot.json (its entry), upper/ and work/ (made just after it,
 *                            or at the first mount), and merged/ once mounted on the host
 *                            (containers mount over the directory itself)
 *   tmp/<pid>-<random>/      staging of an operation in progress
 *
 * One store instance per root. Changes are serialized; each stages its work in
 * tmp/, renames it into place, and only then writes the index, so a crash leaves
 * the old state or the new one; whatever the index does not name is collected
 * when the store opens.
 */
export type { OciImageConfig } from './oci-types.js';

export interface ImageRecord {
  /** `sha256:<config digest>`. */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  created: string;
  size: number;
  /** diff IDs, bottom layer first. */
  layers: string[];
  config: OciImageConfig;
  /** The image a build step made this one from, or ''. */
  parent: string;
}

export interface DeleteResponseItem {
  Untagged?: string;
  Deleted?: string;
}

const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** How a reference resolved: through a tag/digest reference, or through the image ID. */
interface Resolved {
  image: ImageEntry;
  /** The fully qualified tag or digest reference, when resolved through one. */
  reference?: string;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

async function* asBuffers(stream: NodeJS.ReadableStream | AsyncIterable<Uint8Array | string>) {
  for await (const chunk of stream as AsyncIterable<Uint8Array | string>) {
    yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  }
}

const familiar = (qualified: string) => familiarString(parseReference(qualified));

/**
 * The init layer (`init/`, beside `layers/` as `empty/` is), a lower dir every container
 * snapshot shares above its image's layers, as Docker's init layer: the files the engine
 * bind-mounts into each container are there, so the runtime finds its mount points instead
 * of creating them, and overlay copies nothing up into a fresh container.
 */
const INIT_LAYER = '../init';
const INIT_FILES = ['etc/hostname', 'etc/hosts', 'etc/resolv.conf'];

/** What a runtime needs to mount a container's rootfs itself. */
export interface SnapshotRootfs {
  /** The (empty) mount point: the bundle's root.path. */
  rootfs: string;
  /** The directory the overlay options' relative paths start from. */
  directory: string;
  /** lowerdir=...,upperdir=...,workdir=... */
  options: string;
}

export class ImageStore {
  private readonly blobs: BlobStore;
  private readonly configs = new Map<string, OciImageConfig>();
  /** Snapshots a running container uses as its rootfs (mounted in its own namespace). */
  private readonly inUse = new Set<string>();
  /** How many callers hold a temporary host mount of a snapshot. */
  private readonly hostMounts = new Map<string, number>();
  /**
   * Snapshots whose rootfs is mounted on the host: those this store mounted, and at open
   * those an earlier engine process left mounted. Read from /proc/self/mountinfo once, at
   * open, so that removing a snapshot needs no mount table read.
   */
  private readonly mountedOnHost = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly initLayerFitsImage = new Map<string, boolean>();
  /** Each snapshot's entry, read from its directory at open. */
  private readonly snapshots = new Map<string, SnapshotEntry>();

  private constructor(
    readonly root: string,
    private index: IndexData,
    private readonly trash: Trash,
  ) {
    this.blobs = new BlobStore(join(root, 'blobs'));
    // The work dir is overlay's own and is kept; the upper dir is made again, as overlay
    // keeps a container's changes to / itself (mode, owner, xattrs) on it.
    this.snapshotPool = trash.pool('snapshots', ['work', `snapshot.json${SPARE_SUFFIX}`]);
  }

  /** Removed snapshots' directories, emptied, which new snapshots take instead of making one. */
  private readonly snapshotPool: DirectoryPool;

  private get layersDirectory() {
    return join(this.root, 'layers');
  }

  private get indexPath() {
    return join(this.root, 'index.json');
  }

  /** `trash` takes removed snapshots; without one the store keeps its own under `root`. */
  static async open(root: string, options: { trash?: Trash } = {}): Promise<ImageStore> {
    for (const directory of ['layers', 'snapshots', 'tmp', 'empty']) {
      await mkdir(join(root, directory), { recursive: true });
    }
    const trash = options.trash ?? (await Trash.open(join(root, 'trash')));
    const store = new ImageStore(root, await readIndex(join(root, 'index.json')), trash);
    await store.makeInitLayer();
    await store.blobs.init();
    await store.findHostMounts();
    await store.loadSnapshots();
    await store.collectGarbage();
    for (const id of Object.keys(store.index.images)) await store.cacheConfig(id);
    return store;
  }

  /** Runs changes one at a time. */
  private exclusive<T>(change: () => Promise<T>): Promise<T> {
    const run = this.queue.then(change, change);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async cacheConfig(id: string): Promise<void> {
    this.configs.set(
      id,
      JSON.parse((await this.blobs.read(id)).toString('utf8')) as OciImageConfig,
    );
  }

  /** A fresh staging directory, removed by the caller. */
  private async staging(): Promise<string> {
    const directory = join(this.root, 'tmp', `${process.pid}-${randomBytes(6).toString('hex')}`);
    await mkdir(directory);
    return directory;
  }

  private async withStaging<T>(work: (staging: string) => Promise<T>): Promise<T> {
    const staging = await this.staging();
    try {
      return await work(staging);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  private async makeInitLayer(): Promise<void> {
    const layer = join(this.root, 'init');
    await mkdir(join(layer, 'etc'), { recursive: true, mode: 0o755 });
    for (const file of INIT_FILES) await writeFile(join(layer, file), '', { flag: 'a' });
  }

  /**
   * Whether the init layer can go above an image: not when the image's /etc is a symlink or
   * a file, which the init layer's directory would hide. Layers never change: kept per image.
   */
  private initLayerFits(image: ImageEntry): boolean {
    let fits = this.initLayerFitsImage.get(image.id);
    if (fits === undefined) {
      const top = this.lowerDirectories(image.layers).find((name) =>
        existsSync(join(this.layersDirectory, name, 'etc')),
      );
      fits = top === undefined || lstatSync(join(this.layersDirectory, top, 'etc')).isDirectory();
      this.initLayerFitsImage.set(image.id, fits);
    }
    return fits;
  }

  private async findHostMounts(): Promise<void> {
    const snapshots = join(this.root, 'snapshots');
    for (const point of await mountPoints()) {
      const match = /^([^/]+)\/merged$/.exec(point.slice(snapshots.length + 1));
      if (point.startsWith(`${snapshots}/`) && match) this.mountedOnHost.add(match[1] as string);
    }
  }

  /**
   * Mounts a snapshot's rootfs on the host, unless this store has it mounted already. Its
   * mount point, merged/, is made the first time: containers do not need one (see useSnapshot).
   */
  private async mountOnHost(containerId: string): Promise<string> {
    const mount = this.overlayOf(containerId);
    if (!this.mountedOnHost.has(containerId)) {
      this.makeChangeDirectories(containerId);
      await mkdir(mount.target, { recursive: true });
      await mountOverlay(mount);
      this.mountedOnHost.add(containerId);
    }
    return mount.target;
  }

  private async unmountFromHost(containerId: string): Promise<void> {
    if (!this.mountedOnHost.has(containerId)) return;
    await unmount(join(this.snapshotDirectory(containerId), 'merged'));
    this.mountedOnHost.delete(containerId);
  }

  /** Removes debris of interrupted changes: anything the index does not name. */
  private async collectGarbage(): Promise<void> {
    for (const name of await readdir(this.root)) {
      if (name.startsWith('index.json.tmp-')) await rm(join(this.root, name), { force: true });
    }
    for (const name of await readdir(join(this.root, 'tmp'))) {
      const pid = Number.parseInt(name.split('-')[0] ?? '', 10);
      if (!(pid > 0 && pid !== process.pid && isAlive(pid))) {
        await rm(join(this.root, 'tmp', name), { recursive: true, force: true });
      }
    }
    const layerDirectories = new Set(
      Object.values(this.index.layers).map((layer) => layer.directory),
    );
    for (const name of await readdir(this.layersDirectory)) {
      if (!layerDirectories.has(name))
        await rm(join(this.layersDirectory, name), { recursive: true, force: true });
    }
    const blobs = new Set([
      ...Object.keys(this.index.images),
      ...Object.values(this.index.images).flatMap((image) => image.manifestDigest ?? []),
      ...Object.keys(this.index.layers),
    ]);
    for (const name of await readdir(this.blobs.directory)) {
      if (!blobs.has(`sha256:${name}`)) await rm(join(this.blobs.directory, name), { force: true });
    }
  }

  /**
   * Reads each snapshot's entry. A directory without a whole one, or naming a layer the
   * index no longer has, is debris of a create or a remove that did not finish. Entries an
   * older engine kept in the index move into their directories.
   */
  private async loadSnapshots(): Promise<void> {
    const legacy = this.index.snapshots ?? {};
    for (const name of await readdir(join(this.root, 'snapshots'))) {
      const entry = (await readSnapshotEntry(this.snapshotFile(name))) ?? legacy[name];
      if (!entry?.layers.every((diffId) => this.index.layers[diffId] !== undefined)) {
        await this.removeSnapshotDirectory(name);
        continue;
      }
      if (legacy[name]) writeFileSync(this.snapshotFile(name), JSON.stringify(entry));
      this.snapshots.set(name, entry);
    }
    if (this.index.snapshots !== undefined) {
      const { snapshots: _moved, ...next } = this.index;
      await this.commitIndex(next);
    }
  }

  private snapshotFile(containerId: string) {
    return join(this.snapshotDirectory(containerId), 'snapshot.json');
  }

  private snapshotDirectory(containerId: string) {
    return join(this.root, 'snapshots', containerId);
  }

  private async removeSnapshotDirectory(containerId: string): Promise<void> {
    await this.unmountFromHost(containerId);
    await this.trash.discard(this.snapshotDirectory(containerId));
  }

  /** Flushes the filesystem (syncfs) so that new layers and snapshots are on disk before the index names them. */
  private async flushData(): Promise<void> {
    await runCommand('sync', ['-f', this.root]);
  }

  /** Writes the new index atomically (durably unless told) and makes it current. */
  private async commitIndex(next: IndexData, options?: { durable: boolean }): Promise<void> {
    await writeIndex(this.indexPath, next, options);
    this.index = next;
  }

  /** Removes layers and blobs that the current index no longer uses. */
  private async dropUnused(before: IndexData): Promise<{ diffId: string; size: number }[]> {
    const dropped: { diffId: string; size: number }[] = [];
    for (const diffId of Object.keys(before.layers)) {
      if (this.index.layers[diffId] !== undefined) continue;
      const layer = before.layers[diffId];
      if (layer === undefined) continue;
      await rm(join(this.layersDirectory, layer.directory), { recursive: true, force: true });
      await this.blobs.remove(diffId);
      dropped.push({ diffId, size: layer.size });
    }
    for (const [id, image] of Object.entries(before.images)) {
      if (this.index.images[id] !== undefined) continue;
      await this.blobs.remove(id);
      if (image.manifestDigest) await this.blobs.remove(image.manifestDigest);
      this.configs.delete(id);
    }
    return dropped;
  }

  /** Moves staged images into the store and indexes them (tags move to the new images). */
  private async commitImages(staged: StagedImage[]): Promise<void> {
    const next = structuredClone(this.index);
    const adopted: [string, string][] = [];
    try {
      for (const image of staged) {
        for (const layer of image.layers) {
          if (next.layers[layer.diffId] !== undefined) continue;
          const directory = (next.nextLayer++).toString(36);
          await rename(layer.directory, join(this.layersDirectory, directory));
          adopted.push([directory, layer.diffId]);
          await this.blobs.adopt(layer.blobPath, layer.diffId);
          next.layers[layer.diffId] = { directory, size: layer.size };
        }
        await this.blobs.write(image.configBytes, image.id);
        const previous = next.images[image.id];
        const parent = image.parent ?? previous?.parent;
        next.images[image.id] = {
          id: image.id,
          created: image.config.created ?? new Date().toISOString(),
          layers: image.config.rootfs.diff_ids,
          repoDigests: [...new Set([...(previous?.repoDigests ?? []), ...image.repoDigests])],
          ...(parent !== undefined && next.images[parent] ? { parent } : {}),
        };
        for (const tag of image.tags) next.tags[tag] = image.id;
      }
      for (const image of staged) this.configs.set(image.id, image.config);
      await this.flushData();
      await this.commitIndex(next);
    } catch (error) {
      for (const [directory, diffId] of adopted) {
        await rm(join(this.layersDirectory, directory), { recursive: true, force: true });
        await this.blobs.remove(diffId);
      }
      throw error;
    }
  }

  load(archive: NodeJS.ReadableStream): Promise<{ images: { id: string; tags: string[] }[] }> {
    return this.exclusive(() =>
      this.withStaging(async (staging) => {
        const staged = await readImageArchive(asBuffers(archive), staging);
        await this.commitImages(staged);
        return {
          images: staged.map((image) => ({ id: image.id, tags: image.tags.map(familiar) })),
        };
      }),
    );
  }

  async importRootfs(archive: NodeJS.ReadableStream, options: ImportOptions): Promise<ImageRecord> {
    const id = await this.exclusive(() =>
      this.withStaging(async (staging) => {
        const staged = await importRootfs(asBuffers(archive), staging, options);
        await this.commitImages([staged]);
        return staged.id;
      }),
    );
    return this.record(this.index.images[id] as ImageEntry);
  }

  /**
   * Adds an image made by a build step: `config` names layers the store holds, and
   * `layer`, when given, is a new layer tar put on top of them (its diff ID is
   * appended to the config's). Tags move to the new image. `parent` is the image the step
   * started from: an untagged image with children is an intermediate one, hidden from lists.
   */
  async commitBuild(
    config: OciImageConfig,
    layer: AsyncIterable<Uint8Array> | undefined,
    tags: string[],
    parent?: string,
  ): Promise<ImageRecord> {
    const id = await this.exclusive(() =>
      this.withStaging(async (staging) => {
        const missing = config.rootfs.diff_ids.find((diffId) => !this.index.layers[diffId]);
        if (missing !== undefined) throw notFound(`layer ${missing} is missing from the store`);
        const ingested =
          layer &&
          (await ingestLayer(
            layer,
            { directory: join(staging, 'layer'), blobPath: join(staging, 'blob') },
            'build step',
          ));
        const diffIds = config.rootfs.diff_ids;
        const full: OciImageConfig = {
          ...config,
          rootfs: { type: 'layers', diff_ids: ingested ? [...diffIds, ingested.diffId] : diffIds },
        };
        const configBytes = Buffer.from(JSON.stringify(full));
        const staged: StagedImage = {
          config: full,
          configBytes,
          id: sha256Digest(configBytes),
          layers: ingested ? [ingested] : [],
          tags: tags.map(normalizeReference),
          repoDigests: [],
          parent,
        };
        await this.commitImages([staged]);
        return staged.id;
      }),
    );
    return this.record(this.index.images[id] as ImageEntry);
  }

  private record(image: ImageEntry): ImageRecord {
    return {
      id: image.id,
      repoTags: tagsOf(this.index, image.id).map(familiar),
      repoDigests: image.repoDigests.map(familiar),
      created: image.created,
      size: image.layers.reduce((sum, diffId) => sum + (this.index.layers[diffId]?.size ?? 0), 0),
      layers: [...image.layers],
      config: structuredClone(this.configs.get(image.id) as OciImageConfig),
      parent: image.parent ?? '',
    };
  }

  /** Finds an image by tag (`busybox` = `busybox:latest`), `name@digest`, full ID or ID prefix. */
  private resolve(text: string): Resolved | undefined {
    if (isFullImageId(text)) {
      const image = this.index.images[text];
      return image && { image };
    }
    let reference: ImageReference | undefined;
    try {
      reference = withDefaultTag(parseReference(text));
    } catch {
      reference = undefined;
    }
    if (reference?.digest !== undefined) {
      const qualified = qualifiedString({ ...reference, tag: undefined });
      const image = Object.values(this.index.images).find((i) => i.repoDigests.includes(qualified));
      if (image) return { image, reference: qualified };
    } else if (reference !== undefined) {
      const qualified = qualifiedString(reference);
      const image = this.index.images[this.index.tags[qualified] ?? ''];
      if (image) return { image, reference: qualified };
    }
    const prefix = idPrefix(text);
    if (prefix === undefined) return undefined;
    const matches = Object.values(this.index.images).filter((i) =>
      digestHex(i.id).startsWith(prefix),
    );
    return matches.length === 1 && matches[0] ? { image: matches[0] } : undefined;
  }

  private resolveOrThrow(text: string): Resolved {
    const resolved = this.resolve(text);
    if (!resolved) throw notFound(`No such image: ${text}`);
    return resolved;
  }

  /**
   * The images, newest first; with `intermediates: false` without the intermediate ones
   * (untagged, with children), as `docker images` lists them without -a.
   */
  async list(options: { intermediates?: boolean } = {}): Promise<ImageRecord[]> {
    return Object.values(this.index.images)
      .filter((image) => options.intermediates !== false || !this.isIntermediate(image))
      .map((image) => this.record(image))
      .sort((a, b) => b.created.localeCompare(a.created) || a.id.localeCompare(b.id));
  }

  async get(reference: string): Promise<ImageRecord | undefined> {
    const resolved = this.resolve(reference);
    return resolved && this.record(resolved.image);
  }

  tag(source: string, target: string): Promise<void> {
    return this.exclusive(async () => {
      const { image } = this.resolveOrThrow(source);
      const reference = parseReference(target);
      if (reference.digest !== undefined)
        throw badParameter(`refusing to create a tag with a digest reference: ${target}`);
      const next = structuredClone(this.index);
      next.tags[qualifiedString(withDefaultTag(reference))] = image.id;
      await this.commitIndex(next);
    });
  }

  private isIntermediate(image: ImageEntry): boolean {
    return (
      this.referencesOf(this.index, image).length === 0 &&
      childrenOf(this.index, image.id).length > 0
    );
  }

  /** Images some snapshot (a container, a build step) uses. */
  private snapshotImages(): Set<string> {
    return new Set([...this.snapshots.values()].map((snapshot) => snapshot.imageId));
  }

  /**
   * `ids` and the ancestors that deleting them leaves dangling: untagged, unused, with no
   * other child. Docker deletes those with their child (rmi without --no-prune, image prune).
   */
  private withDanglingAncestors(index: IndexData, ids: string[]): string[] {
    const doomed = new Set(ids);
    const used = this.snapshotImages();
    for (const id of ids) {
      let parent = index.images[id]?.parent;
      while (parent !== undefined && !doomed.has(parent)) {
        const entry = index.images[parent];
        if (!entry || used.has(parent) || this.referencesOf(index, entry).length > 0) break;
        if (childrenOf(index, parent).some((child) => !doomed.has(child))) break;
        doomed.add(parent);
        parent = entry.parent;
      }
    }
    return [...doomed];
  }

  /** Fully qualified tag and digest references of an image. */
  private referencesOf(index: IndexData, image: ImageEntry): string[] {
    return [...tagsOf(index, image.id), ...image.repoDigests];
  }

  /** Docker's "single reference": at most one tag, and digest references only in that repository. */
  private isSingleReference(references: string[]): boolean {
    if (references.length === 0) return false;
    const parsed = references.map(parseReference);
    const tags = parsed.filter((reference) => reference.digest === undefined);
    if (tags.length > 1) return false;
    return new Set(parsed.map(repositoryName)).size === 1;
  }

  private async usersOf(imageId: string) {
    const running: string[] = [];
    const stopped: string[] = [];
    for (const [containerId, snapshot] of this.snapshots) {
      if (snapshot.imageId !== imageId) continue;
      const active = this.inUse.has(containerId) || this.mountedOnHost.has(containerId);
      (active ? running : stopped).push(snapshot.owner);
    }
    return { running, stopped };
  }

  /** Removes a reference or an image, with Docker's rules for what needs force. */
  remove(text: string, options: { force?: boolean } = {}): Promise<DeleteResponseItem[]> {
    return this.exclusive(async () => {
      const force = options.force === true;
      const { image, reference } = this.resolveOrThrow(text);
      const short = shortId(image.id);
      const users = await this.usersOf(image.id);
      const next = structuredClone(this.index);
      const nextImage = next.images[image.id] as ImageEntry;
      const records: DeleteResponseItem[] = [];
      const untag = (qualified: string) => {
        delete next.tags[qualified];
        nextImage.repoDigests = nextImage.repoDigests.filter((digest) => digest !== qualified);
        records.push({ Untagged: familiar(qualified) });
      };
      const references = this.referencesOf(next, nextImage);
      if (reference !== undefined) {
        const owner = users.running[0] ?? users.stopped[0];
        if (!force && owner !== undefined && this.isSingleReference(references)) {
          throw conflict(
            `conflict: unable to remove repository reference "${text}" (must force) - container ${owner} is using its referenced image ${short}`,
          );
        }
        untag(reference);
        // Other references keep the image; a running container keeps it too, untagged, and
        // so do its children (it becomes an intermediate image).
        if (
          this.referencesOf(next, nextImage).length > 0 ||
          users.running.length > 0 ||
          childrenOf(next, image.id).length > 0
        ) {
          await this.commitIndex(next);
          return records;
        }
      } else {
        if (childrenOf(next, image.id).length > 0) {
          throw conflict(
            `conflict: unable to delete ${short} (cannot be forced) - image has dependent child images`,
          );
        }
        if (!force && references.length > 0 && !this.isSingleReference(references)) {
          throw conflict(
            `conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories`,
          );
        }
        if (users.running[0] !== undefined) {
          throw conflict(
            `conflict: unable to delete ${short} (cannot be forced) - image is being used by running container ${users.running[0]}`,
          );
        }
        if (!force && users.stopped[0] !== undefined) {
          throw conflict(
            `conflict: unable to delete ${short} (must be forced) - image is being used by stopped container ${users.stopped[0]}`,
          );
        }
        references.forEach(untag);
      }
      const ids = this.withDanglingAncestors(next, [image.id]);
      records.push(...(await this.deleteImages(next, ids)).records);
      return records;
    });
  }

  /** Drops images from `next`, commits it, then removes layers nobody uses any more. */
  private async deleteImages(
    next: IndexData,
    ids: string[],
  ): Promise<{ records: DeleteResponseItem[]; reclaimed: number }> {
    const doomed = new Set(ids);
    // A child of a deleted image takes its nearest ancestor that stays as its parent.
    for (const image of Object.values(next.images)) {
      let parent = image.parent;
      while (parent !== undefined && doomed.has(parent)) parent = next.images[parent]?.parent;
      if (parent === undefined) delete image.parent;
      else image.parent = parent;
    }
    for (const id of ids) {
      delete next.images[id];
      for (const [tag, target] of Object.entries(next.tags)) {
        if (target === id) delete next.tags[tag];
      }
    }
    for (const diffId of unusedLayers(next, this.snapshots.values())) delete next.layers[diffId];
    const before = this.index;
    await this.commitIndex(next);
    const dropped = await this.dropUnused(before);
    return {
      records: [
        ...ids.map((id) => ({ Deleted: id })),
        ...dropped.map((layer) => ({ Deleted: layer.diffId })),
      ],
      reclaimed: dropped.reduce((sum, layer) => sum + layer.size, 0),
    };
  }

  /**
   * Removes dangling images (untagged, without children) and the untagged ancestors only
   * they held; with `all` every image no snapshot uses; with `among` the untagged images
   * of that list no snapshot uses, children or not (the build cache).
   */
  prune(
    options: { all?: boolean; among?: string[] } = {},
  ): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    return this.exclusive(async () => {
      const used = this.snapshotImages();
      const untagged = (image: ImageEntry) => this.referencesOf(this.index, image).length === 0;
      const unused = Object.values(this.index.images).filter((image) => !used.has(image.id));
      let ids: string[];
      if (options.all) ids = unused.map((image) => image.id);
      else if (options.among) {
        const among = new Set(options.among);
        ids = unused.filter((image) => among.has(image.id) && untagged(image)).map((i) => i.id);
      } else {
        const dangling = unused.filter(
          (image) => untagged(image) && childrenOf(this.index, image.id).length === 0,
        );
        ids = this.withDanglingAncestors(
          this.index,
          dangling.map((image) => image.id),
        );
      }
      if (ids.length === 0) return { deleted: [], spaceReclaimed: 0 };
      const { reclaimed } = await this.deleteImages(structuredClone(this.index), ids);
      return { deleted: ids, spaceReclaimed: reclaimed };
    });
  }

  /**
   * Writes the images as a `docker save` archive to `out` (and ends it). A name
   * without a tag saves every tag of that repository, as Docker does.
   */
  async save(references: string[], out: NodeJS.WritableStream): Promise<void> {
    const chosen = new Map<string, Set<string>>();
    const choose = (id: string, tag?: string) => {
      const tags = chosen.get(id) ?? new Set<string>();
      if (tag !== undefined) tags.add(familiar(tag));
      chosen.set(id, tags);
    };
    for (const text of references) {
      const repositoryTags = this.tagsOfRepository(text);
      if (repositoryTags.length > 0) {
        for (const tag of repositoryTags) choose(this.index.tags[tag] as string, tag);
        continue;
      }
      const { image, reference } = this.resolveOrThrow(text);
      choose(image.id, reference?.includes('@') ? undefined : reference);
    }
    const images: SavedImage[] = [];
    for (const [id, tags] of chosen) {
      const image = this.index.images[id] as ImageEntry;
      const layers = [];
      for (const diffId of image.layers) {
        layers.push({
          diffId,
          blobPath: this.blobs.path(diffId),
          size: await this.blobs.size(diffId),
        });
      }
      images.push({
        id,
        configBytes: await this.blobs.read(id),
        layers,
        repoTags: [...tags],
        created: image.created,
      });
    }
    await writeDockerSave(images, out);
  }

  /** Every tag of the repository a bare name (`busybox`, no tag or digest) names. */
  private tagsOfRepository(text: string): string[] {
    let reference: ImageReference;
    try {
      reference = parseReference(text);
    } catch {
      return [];
    }
    if (reference.tag !== undefined || reference.digest !== undefined) return [];
    const prefix = `${repositoryName(reference)}:`;
    return Object.keys(this.index.tags).filter((tag) => tag.startsWith(prefix));
  }

  /** `initLayer`: a container's snapshot, with the init layer above the image's when it fits. */
  createSnapshot(
    containerId: string,
    imageId: string,
    owner: string,
    { initLayer = false }: { initLayer?: boolean } = {},
  ): Promise<void> {
    return this.exclusive(async () => {
      if (!CONTAINER_ID.test(containerId))
        throw badParameter(`invalid container ID "${containerId}" for a snapshot`);
      const { image } = this.resolveOrThrow(imageId);
      if (this.snapshots.has(containerId)) {
        throw conflict(`a snapshot for container ${containerId} already exists`);
      }
      // Made in place: until its entry is whole, a half-made directory is debris that
      // loadSnapshots removes at open (or this, should a failed create have left one).
      const directory = this.snapshotDirectory(containerId);
      // Synchronously, as writeFileAtomic explains for the small writes of every container.
      if (existsSync(directory)) await this.removeSnapshotDirectory(containerId);
      this.snapshotPool.take(directory);
      const entry: SnapshotEntry = {
        imageId: image.id,
        layers: [...image.layers],
        owner,
        ...(initLayer && this.initLayerFits(image) ? { init: true } : {}),
      };
      // Renamed in whole from the spare a reused directory keeps (no file to make), with no
      // fsync: a power loss may take it back, as it may the container's record (not durable
      // either), and a missing entry makes the directory debris that loadSnapshots removes.
      replaceFile(this.snapshotFile(containerId), JSON.stringify(entry));
      this.snapshots.set(containerId, entry);
      // Its upper and work dirs are made after the caller has gone on (a container's create
      // answers meanwhile: making a directory costs up to a millisecond on a busy ext4), and
      // at the latest when it is first mounted.
      setImmediate(() => {
        if (this.snapshots.has(containerId)) this.makeChangeDirectories(containerId);
      });
    });
  }

  private makeChangeDirectories(containerId: string): void {
    for (const part of ['upper', 'work']) {
      mkdirSync(join(this.snapshotDirectory(containerId), part), { recursive: true });
    }
  }

  private snapshotOrThrow(containerId: string) {
    const snapshot = this.snapshots.get(containerId);
    if (!snapshot) throw notFound(`No such snapshot: ${containerId}`);
    return snapshot;
  }

  /** Lower dir names, top layer first, each layer once (its topmost use wins, which is equivalent). */
  private lowerDirectories(layers: string[], initLayer = false): string[] {
    const names: string[] = initLayer ? [INIT_LAYER] : [];
    for (const diffId of [...layers].reverse()) {
      const name = this.index.layers[diffId]?.directory;
      if (name === undefined) throw notFound(`layer ${diffId} is missing from the store`);
      if (!names.includes(name)) names.push(name);
    }
    return names.length > 0 ? names : ['../empty'];
  }

  /** A snapshot's own changes (overlay's upper dir): what a build step commits as a layer. */
  snapshotChanges(containerId: string): string {
    this.snapshotOrThrow(containerId);
    this.makeChangeDirectories(containerId);
    return join(this.snapshotDirectory(containerId), 'upper');
  }

  /** The directories a snapshot's overlay stacks, as absolute paths: its upper, and the lowers top first. */
  snapshotLayerDirectories(containerId: string): { upper: string; lowers: string[] } {
    const mount = this.overlayOf(containerId);
    return {
      upper: join(this.snapshotDirectory(containerId), 'upper'),
      lowers: mount.lowerDirs.map((directory) => resolve(mount.layersDirectory, directory)),
    };
  }

  private overlayOf(containerId: string): OverlayMount {
    const snapshot = this.snapshotOrThrow(containerId);
    return {
      layersDirectory: this.layersDirectory,
      lowerDirs: this.lowerDirectories(snapshot.layers, snapshot.init),
      upperDir: `../snapshots/${containerId}/upper`,
      workDir: `../snapshots/${containerId}/work`,
      target: join(this.snapshotDirectory(containerId), 'merged'),
    };
  }

  /**
   * The overlay a container's runtime mounts as its rootfs in the container's own mount
   * namespace (tcrun's org.tcompose.rootfs.overlay annotations): no host mount exists while
   * it runs, and none needs undoing after. Marks the snapshot in use until released.
   */
  useSnapshot(containerId: string): SnapshotRootfs {
    if (this.hostMounts.has(containerId)) {
      throw conflict(`the rootfs of container ${containerId} is mounted on the host`);
    }
    const mount = this.overlayOf(containerId);
    this.makeChangeDirectories(containerId);
    this.inUse.add(containerId);
    return {
      // The overlay covers the snapshot's own directory, in the container's namespace only
      // (it has taken its upper and work dirs by then): no mount point to make per container.
      rootfs: this.snapshotDirectory(containerId),
      directory: mount.layersDirectory,
      options: overlayOptions(mount),
    };
  }

  /** The container stopped: its snapshot is no longer a running rootfs. */
  releaseSnapshot(containerId: string): void {
    this.inUse.delete(containerId);
  }

  /** Whether the container changed `path` (or removed it: a whiteout) in its upper layer. */
  async snapshotChanged(containerId: string, path: string): Promise<boolean> {
    this.snapshotOrThrow(containerId);
    const changed = join(this.snapshotDirectory(containerId), 'upper', path);
    return lstat(changed).then(
      () => true,
      () => false,
    );
  }

  /**
   * Mounts a stopped container's rootfs on the host for the length of `work` and unmounts
   * it after (callers at the same time share one mount). A running container's files are
   * read through /proc/<pid>/root instead: this refuses (409) while the container runs.
   */
  async withSnapshotMounted<T>(
    containerId: string,
    work: (rootfs: string) => Promise<T>,
  ): Promise<T> {
    const rootfs = await this.exclusive(async () => {
      if (this.inUse.has(containerId)) {
        throw conflict(`container ${containerId} is running: its files are under /proc/<pid>/root`);
      }
      const target = await this.mountOnHost(containerId);
      this.hostMounts.set(containerId, (this.hostMounts.get(containerId) ?? 0) + 1);
      return target;
    });
    try {
      return await work(rootfs);
    } finally {
      await this.exclusive(async () => {
        const holders = (this.hostMounts.get(containerId) ?? 1) - 1;
        if (holders > 0) this.hostMounts.set(containerId, holders);
        else {
          this.hostMounts.delete(containerId);
          await this.unmountFromHost(containerId);
        }
      });
    }
  }

  /** Mounts the snapshot on the host until unmountSnapshot (tools and tests; the engine uses useSnapshot). */
  mountSnapshot(containerId: string): Promise<string> {
    return this.exclusive(() => this.mountOnHost(containerId));
  }

  unmountSnapshot(containerId: string): Promise<void> {
    return this.exclusive(async () => {
      this.snapshotOrThrow(containerId);
      await this.unmountFromHost(containerId);
    });
  }

  removeSnapshot(containerId: string): Promise<void> {
    return this.exclusive(async () => {
      if (!CONTAINER_ID.test(containerId))
        throw badParameter(`invalid container ID "${containerId}" for a snapshot`);
      if (!this.snapshots.has(containerId)) return;
      this.inUse.delete(containerId);
      await this.unmountFromHost(containerId);
      this.snapshots.delete(containerId);
      await this.snapshotPool.give(this.snapshotDirectory(containerId));
      // Layers only this snapshot held (its image was removed by force) go with it: the
      // index stops naming them, durably, before they are deleted; the snapshot, should a
      // power loss bring it back, names a missing layer and is debris at open.
      const unused = unusedLayers(this.index, this.snapshots.values());
      if (unused.length === 0) return;
      const next = structuredClone(this.index);
      for (const diffId of unused) delete next.layers[diffId];
      const before = this.index;
      await this.commitIndex(next);
      await this.dropUnused(before);
    });
  }

  snapshotUsers(imageId: string): string[] {
    const id = imageId.startsWith('sha256:') ? imageId : `sha256:${imageId}`;
    return [...this.snapshots.values()]
      .filter((snapshot) => snapshot.imageId === id)
      .map((snapshot) => snapshot.owner);
  }
}
