import { once } from 'node:events';
import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import {
  chmod,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  readdir,
  readlink,
  rm,
  stat,
  statfs,
  symlink,
} from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type Header, extract as tarExtract, pack as tarPack } from 'tar-stream';
import { badParameter, notFound } from '../../errors/engine-error.js';
import { resolveScoped } from '../build/scoped-path.js';
import { deviceNumbers } from './devices.js';

/**
 * Files in and out of a container as tar streams, the way Docker's archive endpoints
 * (GET/HEAD/PUT /containers/{id}/archive) and `docker cp` exchange them. Every path is
 * resolved inside a root directory as if it were `/`: symbolic links are followed within
 * the root, absolute targets and `..` never leave it.
 */

/**
 * A volume or bind mount of a stopped container, whose rootfs mount lacks it: what the
 * container sees at `destination` is the host directory `source`.
 */
export interface MountedSource {
  destination: string;
  source: string;
  readOnly?: boolean;
}

/** The mount `inside` (a path in the container) lies in, the deepest one. */
function mountOf(inside: string, mounts: readonly MountedSource[]) {
  return mounts
    .filter(({ destination }) => inside === destination || inside.startsWith(`${destination}/`))
    .sort((a, b) => b.destination.length - a.destination.length)[0];
}

/** The host paths of the mount points in `root`, each with the directory it shows. */
export const mountPointsIn = (root: string, mounts: readonly MountedSource[]) =>
  new Map(mounts.map(({ destination, source }) => [join(root, destination), source]));

/**
 * The host path of `path` inside `root`, and the path inside the root it came to. The last
 * component is followed only with `followLast` (a symbolic link is archived as a link, as
 * `docker cp` does without -L). A path in one of `mounts` leads into its source (links
 * there resolve within the mount).
 */
export async function resolveInRoot(
  root: string,
  path: string,
  followLast = false,
  mounts: readonly MountedSource[] = [],
) {
  const host = await resolveScoped(root, path, followLast);
  const inside = host.slice(root.length) || '/';
  const mount = mountOf(inside, mounts);
  if (mount) {
    const inMount = await resolveScoped(
      mount.source,
      inside.slice(mount.destination.length),
      followLast,
    );
    return { host: inMount === mount.source ? `${mount.source}/.` : inMount, inside };
  }
  // `root/.`: a container's /proc/<pid>/root is a link, which lstat would not follow.
  return { host: inside === '/' ? `${root}/.` : host, inside };
}

/** The stat Docker sends base64-encoded in X-Docker-Container-Path-Stat. */
export interface PathStat {
  name: string;
  size: number;
  /** Go's os.FileMode: permission bits plus type bits high up. */
  mode: number;
  mtime: string;
  linkTarget: string;
}

const GO_MODE = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
};

/** A Unix st_mode as Go's os.FileMode, which the docker CLI reads. */
export function goFileMode(stats: Pick<Stats, 'mode'> & Partial<Stats>): number {
  const mode = stats.mode;
  let go = mode & 0o777;
  const type = mode & 0o170000;
  if (type === 0o040000) go += GO_MODE.dir;
  else if (type === 0o120000) go += GO_MODE.symlink;
  else if (type === 0o010000) go += GO_MODE.namedPipe;
  else if (type === 0o140000) go += GO_MODE.socket;
  else if (type === 0o060000) go += GO_MODE.device;
  else if (type === 0o020000) go += GO_MODE.device + GO_MODE.charDevice;
  if (mode & 0o4000) go += GO_MODE.setuid;
  if (mode & 0o2000) go += GO_MODE.setgid;
  if (mode & 0o1000) go += GO_MODE.sticky;
  return go;
}

export const isGoDirectory = (mode: number) => mode >= GO_MODE.dir;
export const isGoSymlink = (mode: number) => Math.floor(mode / GO_MODE.symlink) % 2 === 1;

/**
 * The name the archive's top entry carries: the path's base name, `.` for a path ending
 * in `/.`, which `docker cp` reads as "the directory's contents", or nothing for `/`
 * itself, whose entries are then `/bin`, `/etc`, ... as Docker names them (the docker
 * CLI puts the destination's name in front of each).
 */
export function archiveBaseName(path: string): string {
  if (path === '.' || path.endsWith('/.')) return '.';
  return posix.basename(path);
}

export const notInContainer = (path: string, container: string) =>
  notFound(`Could not find the file ${path} in container ${container}`);

/** What HEAD and GET report about `path` inside `root`; 404 when it does not exist. */
export async function statInRoot(
  root: string,
  path: string,
  container: string,
  mounts: readonly MountedSource[] = [],
) {
  const { host } = await resolveInRoot(root, path, false, mounts);
  const stats = await lstat(host).catch(() => undefined);
  if (!stats) throw notInContainer(path, container);
  const linkTarget = stats.isSymbolicLink()
    ? (await resolveInRoot(root, path, true, mounts)).inside
    : '';
  const stat: PathStat = {
    name: posix.basename(path) || '/',
    size: stats.size,
    mode: goFileMode(stats),
    mtime: stats.mtime.toISOString(),
    linkTarget,
  };
  return { host, stat };
}

export const encodePathStat = (stat: PathStat) =>
  Buffer.from(JSON.stringify(stat)).toString('base64');

type Pack = ReturnType<typeof tarPack>;

const headerBase = (stats: Stats) => ({
  mode: stats.mode & 0o7777,
  uid: stats.uid,
  gid: stats.gid,
  mtime: stats.mtime,
});

/** An entry without content; a file entry is given its (empty) content, which it waits for. */
const addEntry = (pack: Pack, header: Partial<Header> & { name: string }) =>
  new Promise<void>((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (header.type === 'file') pack.entry(header, '', done);
    else pack.entry(header, done);
  });

/**
 * How a walk treats what is mounted inside the tree: `mountPoints` are read from the host
 * directories they show; a child on another filesystem than its parent is archived empty
 * when `emptied` says so.
 */
interface Walk {
  mountPoints: ReadonlyMap<string, string>;
  emptied(host: string): Promise<boolean>;
}

/** An empty directory or file standing for what a mount hides. */
const emptyEntry = (name: string, stats: Stats) =>
  stats.isDirectory()
    ? { ...headerBase(stats), name: `${name}/`, type: 'directory' as const }
    : { ...headerBase(stats), name, size: 0, type: 'file' as const };

async function writeChildren(
  pack: Pack,
  prefix: string,
  host: string,
  stats: Stats,
  walk: Walk,
): Promise<void> {
  for (const child of (await readdir(host)).sort()) {
    const childHost = walk.mountPoints.get(join(host, child)) ?? join(host, child);
    const childStats = await lstat(childHost);
    const name = `${prefix}${child}`;
    if (childStats.dev !== stats.dev && (await walk.emptied(childHost))) {
      await addEntry(pack, emptyEntry(name, childStats));
    } else {
      await writeEntry(pack, name, childHost, childStats, walk);
    }
  }
}

async function writeEntry(
  pack: Pack,
  name: string,
  host: string,
  stats: Stats,
  walk: Walk,
): Promise<void> {
  const common = headerBase(stats);
  const add = (header: Partial<Header> & { name: string }) =>
    addEntry(pack, { ...common, ...header });
  if (stats.isDirectory()) {
    await add({ name: `${name}/`, type: 'directory' });
    await writeChildren(pack, `${name}/`, host, stats, walk);
  } else if (stats.isSymbolicLink()) {
    await add({ name, type: 'symlink', linkname: await readlink(host) });
  } else if (stats.isFile()) {
    let finished: (error?: Error | null) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      finished = (error) => (error ? reject(error) : resolve());
    });
    const sink = pack.entry({ ...common, name, size: stats.size, type: 'file' }, finished);
    try {
      for await (const chunk of createReadStream(host)) {
        if (!sink.write(chunk)) await once(sink, 'drain');
      }
    } catch (error) {
      // The entry fails with the read; the read's error is the one to report.
      done.catch(() => undefined);
      sink.destroy(error as Error);
      throw error;
    }
    sink.end(undefined);
    await done;
  } else if (stats.isFIFO()) {
    await add({ name, type: 'fifo' });
  } else if (stats.isCharacterDevice() || stats.isBlockDevice()) {
    const type = stats.isCharacterDevice() ? 'character-device' : 'block-device';
    const { major, minor } = deviceNumbers(stats.rdev);
    await add({ name, type, devmajor: major, devminor: minor });
  }
}

/** statfs(2) magic numbers of the filesystems a container's kernel view is made of. */
const KERNEL_FILESYSTEMS = new Set([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x1cd1, // devpts
  0x19800202, // mqueue
  0x27e0eb, // cgroup
  0x63677270, // cgroup2
]);

/**
 * Whether `host`, a mount point, holds one of the kernel's views (/proc, /sys, ...) rather
 * than files. A running container is read through its own mount namespace, where these are
 * mounted; Docker reads its rootfs from outside, where they are the image's empty
 * directories, so `docker cp c:/` gets them empty (and /proc's files would not read anyway).
 */
async function isKernelFilesystem(host: string): Promise<boolean> {
  const info = await statfs(host).catch(() => undefined);
  return info !== undefined && KERNEL_FILESYSTEMS.has(info.type);
}

/**
 * A tar of one file or directory tree at `host`, its top entry named `base` (the
 * rest below it), symbolic links kept as links; a directory of `mountPoints` is read
 * from the directory it shows. Errors while walking end the stream.
 */
export function packPath(
  host: string,
  base: string,
  mountPoints: ReadonlyMap<string, string> = new Map(),
): NodeJS.ReadableStream {
  const walk = { mountPoints, emptied: isKernelFilesystem };
  return packed(async (pack) => writeEntry(pack, base, host, await lstat(host), walk));
}

/**
 * A container's filesystem as `docker export` gives it: every entry below `root`, named
 * from it ("bin/sh"). What another filesystem mounts over it (volumes, bind mounts, /proc,
 * /sys, the /etc files the engine provides) is archived as an empty directory or file, as
 * Docker, reading the rootfs from outside the container, archives it.
 */
export function packRootfs(root: string): NodeJS.ReadableStream {
  const walk = { mountPoints: new Map<string, string>(), emptied: async () => true };
  // stat, not lstat: a running container's root is /proc/<pid>/root, a link to follow.
  return packed(async (pack) => writeChildren(pack, '', root, await stat(root), walk));
}

/** A tar stream that `write` fills; its errors end the stream. */
function packed(write: (pack: Pack) => Promise<void>): NodeJS.ReadableStream {
  const pack = tarPack();
  void (async () => {
    await write(pack);
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error as Error));
  return pack as unknown as NodeJS.ReadableStream;
}

export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory or the reverse. */
  noOverwriteDirNonDir?: boolean;
  /** Keep the archive's owners (`docker cp -a`); otherwise files belong to `owner`. */
  copyOwners?: boolean;
  owner?: { uid: number; gid: number };
  /** Renames each entry before it is placed (the CLI's destination name). */
  rename?: (name: string) => string;
  /** A stopped container's volumes and bind mounts, which entries below them go into. */
  mounts?: readonly MountedSource[];
}

/** An entry name as components below the extraction directory; refused when it climbs out. */
function entryComponents(name: string): string[] {
  const parts: string[] = [];
  for (const part of name.split('/').filter((part) => part !== '' && part !== '.')) {
    if (part !== '..') parts.push(part);
    else if (parts.pop() === undefined) {
      throw badParameter(`archive entry "${name}" points outside the destination`);
    }
  }
  return parts;
}

const refuseOverwrite = (existing: Stats, header: Header, path: string) => {
  const directory = header.type === 'directory';
  if (existing.isDirectory() && !directory) {
    throw badParameter(`cannot overwrite directory "${path}" with non-directory "${header.name}"`);
  }
  if (!existing.isDirectory() && directory) {
    throw badParameter(`cannot overwrite non-directory "${path}" with directory "${header.name}"`);
  }
};

/**
 * Unpacks a tar into `directory` (a path inside `root`). Every entry's parent is resolved
 * inside the root, so a link planted by an earlier entry cannot lead out of it.
 */
export async function extractInRoot(
  root: string,
  directory: string,
  archive: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
  options: ExtractOptions = {},
): Promise<void> {
  const extract = tarExtract();
  const feeding = pipeline(archive as NodeJS.ReadableStream, extract);
  const directoryTimes: { path: string; mtime: Date }[] = [];
  const owner = options.owner ?? { uid: 0, gid: 0 };
  try {
    for await (const entry of extract) {
      const header = entry.header;
      const parts = entryComponents(options.rename ? options.rename(header.name) : header.name);
      if (parts.length === 0) {
        entry.resume();
        continue;
      }
      const parentPath = posix.join(directory, ...parts.slice(0, -1));
      const parent = await resolveInRoot(root, parentPath, true, options.mounts);
      await mkdir(parent.host, { recursive: true });
      const target = join(parent.host, parts[parts.length - 1]);
      const existing = await lstat(target).catch(() => undefined);
      if (existing) {
        if (options.noOverwriteDirNonDir) refuseOverwrite(existing, header, target);
        if (!(existing.isDirectory() && header.type === 'directory')) {
          await rm(target, { recursive: true, force: true });
        }
      }
      const linkName = options.rename ? options.rename(header.linkname ?? '') : header.linkname;
      if (
        !(await placeEntry(
          (path) => resolveInRoot(root, path, false, options.mounts),
          posix.join(directory, ...entryComponents(linkName ?? '')),
          target,
          header,
          entry,
        ))
      )
        continue;
      const ids = options.copyOwners ? { uid: header.uid, gid: header.gid } : owner;
      await lchown(target, ids.uid, ids.gid).catch(() => undefined);
      if (header.type !== 'symlink') await chmod(target, header.mode & 0o7777);
      if (header.type === 'directory') directoryTimes.push({ path: target, mtime: header.mtime });
      else await lutimes(target, header.mtime, header.mtime).catch(() => undefined);
    }
    await feeding;
  } catch (error) {
    extract.destroy();
    await feeding.catch(() => undefined);
    throw error;
  }
  // Directory times last: writing into a directory changes its mtime.
  for (const { path, mtime } of directoryTimes.reverse()) await lutimes(path, mtime, mtime);
}

/** Creates one entry at `target`; false for kinds left out (devices, FIFOs). */
async function placeEntry(
  resolve: (path: string) => Promise<{ host: string }>,
  linkSource: string,
  target: string,
  header: Header,
  body: AsyncIterable<unknown> & { resume(): unknown },
): Promise<boolean> {
  switch (header.type) {
    case 'directory':
      await mkdir(target, { recursive: true });
      break;
    case 'symlink':
      await symlink(header.linkname, target);
      break;
    case 'link':
      await link((await resolve(linkSource)).host, target);
      break;
    case 'file':
    case 'contiguous-file':
    case undefined:
      await pipeline(body, createWriteStream(target, { mode: header.mode & 0o777 }));
      return true;
    default:
      body.resume();
      return false;
  }
  body.resume();
  return true;
}

/** The path inside `root` of an existing directory to extract into: 404 when missing, 400 when not a directory. */
export async function extractionDirectory(
  root: string,
  path: string,
  container: string,
  mounts: readonly MountedSource[] = [],
) {
  const { host, inside } = await resolveInRoot(root, path, true, mounts);
  const stats = await lstat(host).catch(() => undefined);
  if (!stats) throw notInContainer(path, container);
  if (!stats.isDirectory()) throw badParameter(`extraction point is not a directory: ${path}`);
  if (mountOf(inside, mounts)?.readOnly)
    throw badParameter(`mounted volume is marked read-only: ${path}`);
  return inside;
}
