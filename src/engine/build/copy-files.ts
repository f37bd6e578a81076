import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import {
  chmod,
  copyFile,
  lchown,
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  rm,
  stat,
  symlink,
  utimes,
} from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { patternToRegExp } from '../../build-context/dockerignore.js';
import { plainTar } from '../images/layer-ingest.js';
import { unpackLayer } from '../images/layer-unpack.js';
import type { SourceTree } from './build-context.js';
import { BuildError } from './build-error.js';
import { resolveScoped } from './scoped-path.js';

/**
 * COPY and ADD: which source paths a pattern names, a digest of their content (the
 * build cache's key), and the copy itself into a mounted root filesystem, with the
 * Dockerfile reference's rules for directories, destinations and ownership.
 */
export interface CopyOptions {
  /** Absolute path in the image; a trailing slash makes it a directory. */
  destination: string;
  owner?: { uid: number; gid: number };
  mode?: number;
  /** ADD: local tar archives (plain or gzip) are extracted into the destination. */
  extractArchives: boolean;
  /** Scratch space for archive extraction. */
  workDirectory: string;
}

const WILDCARD = /[*?[]/;

async function listTree(tree: SourceTree, relative = ''): Promise<string[]> {
  const found: string[] = [];
  const directory = relative === '' ? tree.root : join(tree.root, relative);
  for (const name of (await readdir(directory)).sort()) {
    const path = relative === '' ? name : `${relative}/${name}`;
    if (!tree.include(path)) continue;
    found.push(path);
    if ((await lstat(join(tree.root, path))).isDirectory())
      found.push(...(await listTree(tree, path)));
  }
  return found;
}

const clean = (path: string) => posix.normalize(`/${path}`).slice(1);

/** The relative paths the sources name (wildcards expanded); refuses ones that are missing or ignored. */
export async function matchSources(tree: SourceTree, patterns: string[]): Promise<string[]> {
  const matched: string[] = [];
  let listing: string[] | undefined;
  for (const pattern of patterns) {
    const path = clean(pattern);
    if (WILDCARD.test(path)) {
      listing ??= await listTree(tree);
      const regexp = patternToRegExp(path);
      const hits = listing.filter((candidate) => regexp.test(candidate));
      if (hits.length === 0)
        throw new BuildError(`no source files were specified matching ${pattern}`);
      matched.push(...hits);
      continue;
    }
    const exists = await lstat(await resolveScoped(tree.root, path)).catch(() => undefined);
    if (!exists || (path !== '' && !tree.include(path))) {
      throw new BuildError(
        `file not found in build context or excluded by .dockerignore: stat ${pattern}: file does not exist`,
      );
    }
    matched.push(path);
  }
  return matched;
}

async function hashTree(tree: SourceTree, path: string, hash: ReturnType<typeof createHash>) {
  const absolute = await resolveScoped(tree.root, path, false);
  const stats = await lstat(absolute);
  hash.update(`${path}\0${stats.mode}\0${stats.uid}:${stats.gid}\0`);
  if (stats.isSymbolicLink()) hash.update(await readlink(absolute));
  else if (stats.isFile()) {
    for await (const chunk of createReadStream(absolute)) hash.update(chunk as Buffer);
  } else if (stats.isDirectory()) {
    for (const name of (await readdir(absolute)).sort()) {
      const child = path === '' ? name : `${path}/${name}`;
      if (tree.include(child)) await hashTree(tree, child, hash);
    }
  }
  hash.update('\n');
}

/** A digest of everything the sources hold: names, modes, owners, content. */
export async function digestSources(tree: SourceTree, paths: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) await hashTree(tree, path, hash);
  return hash.digest('hex');
}

/** Makes way for a new entry: anything but a directory that is to stay a directory goes. */
async function clearTarget(target: string, keepDirectory: boolean): Promise<void> {
  const existing = await lstat(target).catch(() => undefined);
  if (!existing) return;
  if (keepDirectory && existing.isDirectory()) return;
  await rm(target, { recursive: true, force: true });
}

class Copier {
  constructor(
    private readonly tree: SourceTree,
    private readonly options: CopyOptions,
  ) {}

  private async finish(target: string, stats: Stats, tree: SourceTree): Promise<void> {
    const owner = this.options.owner ?? (tree.preserveOwner ? stats : { uid: 0, gid: 0 });
    await lchown(target, owner.uid, owner.gid);
    if (stats.isSymbolicLink()) return;
    await chmod(target, this.options.mode ?? stats.mode & 0o7777);
    await utimes(target, stats.atime, stats.mtime);
  }

  /** Copies one entry (`relative` in the tree) to `target`, which is resolved and inside the rootfs. */
  async entry(tree: SourceTree, relative: string, target: string, stats: Stats): Promise<void> {
    const source = join(tree.root, relative);
    if (stats.isDirectory()) {
      await clearTarget(target, true);
      await mkdir(target, { recursive: true });
      await this.contents(tree, relative, target);
    } else if (stats.isSymbolicLink()) {
      await clearTarget(target, false);
      await symlink(await readlink(source), target);
    } else if (stats.isFile()) {
      await clearTarget(target, false);
      await copyFile(source, target);
    } else return;
    await this.finish(target, stats, tree);
  }

  async contents(tree: SourceTree, relative: string, target: string): Promise<void> {
    const directory = relative === '' ? tree.root : join(tree.root, relative);
    for (const name of (await readdir(directory)).sort()) {
      const child = relative === '' ? name : `${relative}/${name}`;
      if (!tree.include(child)) continue;
      await this.entry(tree, child, join(target, name), await lstat(join(tree.root, child)));
    }
  }

  private async extract(archive: string, rootfs: string, destination: string): Promise<void> {
    const unpacked = join(this.options.workDirectory, `add-${Date.now()}-${Math.random()}`);
    try {
      await unpackLayer(
        await plainTar(createReadStream(archive), basename(archive)),
        unpacked,
        basename(archive),
      );
      const target = await this.directory(rootfs, destination);
      const tree: SourceTree = { root: unpacked, include: () => true, preserveOwner: true };
      await this.contents(tree, '', target);
    } finally {
      await rm(unpacked, { recursive: true, force: true });
    }
  }

  /** A directory at `path` in the rootfs, created (root-owned, 0755) with its parents if missing. */
  private async directory(rootfs: string, path: string): Promise<string> {
    const target = await resolveScoped(rootfs, path);
    await mkdir(target, { recursive: true, mode: 0o755 });
    return target;
  }

  async source(rootfs: string, relative: string, destinationIsDirectory: boolean): Promise<void> {
    const absolute = await resolveScoped(this.tree.root, relative);
    const stats = await stat(absolute);
    const { destination } = this.options;
    if (stats.isDirectory()) {
      const target = await this.directory(rootfs, destination);
      const inside = absolute.slice(this.tree.root.length + 1);
      await this.contents(this.tree, inside, target);
      return;
    }
    if (this.options.extractArchives && (await isTarArchive(absolute))) {
      await this.extract(absolute, rootfs, destination);
      return;
    }
    const existing = await resolveScoped(rootfs, destination);
    const intoDirectory =
      destinationIsDirectory || (await stat(existing).catch(() => undefined))?.isDirectory();
    const path = intoDirectory ? posix.join(destination, basename(relative)) : destination;
    await this.directory(rootfs, posix.dirname(path));
    const target = await resolveScoped(rootfs, path, false);
    await this.entry({ ...this.tree, root: dirname(absolute) }, basename(absolute), target, stats);
  }
}

const GZIP = [0x1f, 0x8b];
const TAR_MAGIC_OFFSET = 257;

/** Whether a file is a tar archive, plain or gzip-compressed (what ADD extracts). */
async function isTarArchive(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    if (bytesRead >= 2 && head[0] === GZIP[0] && head[1] === GZIP[1]) return true;
    return (
      bytesRead === 512 &&
      head.subarray(TAR_MAGIC_OFFSET, TAR_MAGIC_OFFSET + 5).toString('latin1') === 'ustar'
    );
  } finally {
    await handle.close();
  }
}

/** Copies the sources into the mounted root filesystem `rootfs`. */
export async function copyInto(
  rootfs: string,
  tree: SourceTree,
  sources: string[],
  options: CopyOptions,
): Promise<void> {
  const destinationIsDirectory = options.destination.endsWith('/');
  if (sources.length > 1 && !destinationIsDirectory) {
    throw new BuildError(
      'When using COPY with more than one source file, the destination must be a directory and end with a /',
    );
  }
  const copier = new Copier(tree, options);
  for (const source of sources) await copier.source(rootfs, source, destinationIsDirectory);
}
