import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { directoryTar } from '../../build-context/directory-tar.js';
import type { ImageStoreLike } from '../image-access.js';
import type { OciImageConfig } from '../images/oci-types.js';
import { shortId } from '../images/reference.js';
import type { BuildCache } from './build-cache.js';
import { holdResource, releaseResource } from './build-leftovers.js';

/**
 * How build steps become images: a stage's state (config, committed image, cache key),
 * committing it (from the build cache when a step's key is known there), and the
 * snapshots that COPY, ADD and WORKDIR change, whose overlay changes become a layer.
 */
export interface Stage {
  name?: string;
  config: OciImageConfig;
  /** The committed image whose config is `config`, undefined after a config-only change. */
  imageId?: string;
  /** The last image committed for this stage: the parent of the next one. */
  parent?: string;
  key: string;
  args: Map<string, string | undefined>;
  cmdSet: boolean;
}

export interface StepCommitDeps {
  images: ImageStoreLike;
  cache: BuildCache;
  noCache: boolean;
  /** The build's scratch directory, where held snapshots are marked. */
  workDirectory: string;
  /** Sends a line of the build's output. */
  say: (text: string) => void;
}

/** Files an engine bind-mounts into every container: a RUN step's changes to them are not the image's. */
const MOUNTED_FILES = new Set(['etc/hosts', 'etc/hostname', 'etc/resolv.conf']);

/**
 * Which of a snapshot's changes belong in the layer: not the mount points of the files
 * the engine bind-mounts (nor /etc, when overlay copied it up only to hold them).
 * Undefined when nothing else changed.
 */
async function layerFilter(changes: string): Promise<((path: string) => boolean) | undefined> {
  const top = await readdir(changes);
  const etc = top.includes('etc') ? await readdir(`${changes}/etc`).catch(() => []) : [];
  const etcChanged = etc.some((name) => !MOUNTED_FILES.has(`etc/${name}`));
  if (!etcChanged && top.every((name) => name === 'etc')) return undefined;
  return (path) => !MOUNTED_FILES.has(path) && (path !== 'etc' || etcChanged);
}

/** The stage's config changed in memory: its image is to be committed again, from the last. */
export function configChanged(stage: Stage): void {
  stage.parent = stage.imageId ?? stage.parent;
  stage.imageId = undefined;
}

export class StepCommitter {
  constructor(private readonly deps: StepCommitDeps) {}

  history(stage: Stage, createdBy: string, empty: boolean): void {
    const created = new Date().toISOString();
    stage.config.created = created;
    stage.config.history = [
      ...(stage.config.history ?? []),
      { created, created_by: createdBy, ...(empty ? { empty_layer: true } : {}) },
    ];
  }

  /** The committed image of a stage's current state, committing its config if it changed. */
  async commit(stage: Stage): Promise<string> {
    if (stage.imageId) return stage.imageId;
    const cached = await this.cached(stage.key);
    if (cached) {
      stage.imageId = cached.id;
      stage.config = cached.config;
      return cached.id;
    }
    const record = await this.deps.images.commitBuild(stage.config, undefined, [], stage.parent);
    await this.deps.cache.set(stage.key, record.id);
    stage.imageId = record.id;
    return record.id;
  }

  private async cached(key: string) {
    if (this.deps.noCache) return undefined;
    const id = await this.deps.cache.get(key);
    return id === undefined ? undefined : this.deps.images.get(id);
  }

  /** Uses the cached image of a step when there is one; tells whether it did. */
  async fromCache(stage: Stage, key: string): Promise<boolean> {
    const cached = await this.cached(key);
    if (!cached) return false;
    this.deps.say(` ---> Using cache\n ---> ${shortId(cached.id)}\n`);
    Object.assign(stage, { config: cached.config, imageId: cached.id, key });
    return true;
  }

  /** Commits a step's changes (the directory's tree, unless empty) on top of the stage. */
  async commitChanges(stage: Stage, key: string, changes: string, createdBy: string) {
    const include = await layerFilter(changes);
    this.history(stage, createdBy, include === undefined);
    const layer = include && directoryTar(changes, { overlayWhiteouts: true, include });
    const record = await this.deps.images.commitBuild(stage.config, layer, [], stage.imageId);
    await this.deps.cache.set(key, record.id);
    Object.assign(stage, { config: record.config, imageId: record.id, key });
  }

  /** Tells the client the image a step made, as Docker's builder does. */
  announce(stage: Stage): void {
    this.deps.say(` ---> ${shortId(stage.imageId ?? '')}\n`);
  }

  /** Mounts a fresh snapshot of the stage's image, lets `change` edit it, commits what changed. */
  async changeSnapshot(
    stage: Stage,
    key: string,
    createdBy: string,
    change: (rootfs: string) => Promise<void>,
  ): Promise<void> {
    const parent = await this.commit(stage);
    await this.withSnapshot(parent, async (id) => {
      await this.deps.images.withSnapshotMounted(id, change);
      await this.commitChanges(stage, key, this.deps.images.snapshotChanges(id), createdBy);
    });
    this.announce(stage);
  }

  /** A snapshot of an image for the length of `use`, removed after. */
  async withSnapshot<T>(imageId: string, use: (id: string) => Promise<T>): Promise<T> {
    const id = `build-${randomBytes(8).toString('hex')}`;
    await holdResource(this.deps.workDirectory, 'snapshot', id);
    await this.deps.images.createSnapshot(id, imageId, 'build');
    try {
      return await use(id);
    } finally {
      await this.deps.images.removeSnapshot(id);
      await releaseResource(this.deps.workDirectory, 'snapshot', id);
    }
  }
}
