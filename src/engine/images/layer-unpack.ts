import { constants } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { extract as tarExtract } from 'tar-stream';
import { badParameter, EngineError } from '../../errors/engine-error.js';
import { runCommand, shellQuote } from './command.js';
import { PaxRecorder } from './pax-records.js';
import { OPAQUE_XATTR, OVERLAY_XATTR_PREFIX, whiteoutMarker } from './whiteouts.js';

/**
 * Extracts one layer tar into its own directory, the form overlayfs takes as a
 * lower dir. Every entry is checked before it touches the disk: paths stay inside
 * the layer, parents are real directories (never symlinks, so nothing is written
 * through one), links point inside the layer, header fields are sane. Entries Node
 * cannot create (devices, FIFOs, whiteouts, xattrs) are batched into one `sh` run.
 * A layer that fails leaves no directory behind.
 */

const PATH_MAX = 4096;
const NAME_MAX = 255;
const MAX_ID = 0xfffffffe;
const WRITE_BATCH_BYTES = 1 << 20;

export class LayerError extends Error {}

interface Metadata {
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

/** An entry only a tool can create, finished (owner, mode, mtime) after the batch. */
interface PendingNode {
  command: string;
  metadata?: Metadata;
}

/**
 * Reduces an entry name to a relative path with no `.`/`..` components
 * (`.` for the layer root), refusing absolute paths and escapes.
 */
export function entryPath(name: string): string {
  if (name.startsWith('/')) throw new LayerError(`entry "${name}" is an absolute path`);
  if (name.length > PATH_MAX) throw new LayerError(`entry name longer than ${PATH_MAX} bytes`);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new LayerError(`entry "${name}" escapes the layer`);
    if (Buffer.byteLength(part) > NAME_MAX) {
      throw new LayerError(`entry "${name}" has a component longer than ${NAME_MAX} bytes`);
    }
    parts.push(part);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

const parentOf = (path: string) => {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '.' : path.slice(0, slash);
};

const isUnder = (path: string, ancestor: string) =>
  path === ancestor || path.startsWith(`${ancestor}/`);

function checkedInteger(value: unknown, field: string, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new LayerError(`entry "${name}" has an invalid ${field} (${String(value)})`);
  }
  return value;
}

function paxInteger(pax: Record<string, string> | null | undefined, key: string) {
  const text = pax?.[key];
  return text === undefined ? undefined : Number(text);
}

/**
 * The entry's xattrs from PAX records: `SCHILY.xattr.<name>` (GNU tar, Docker) and
 * `LIBARCHIVE.xattr.<url-encoded name>` (base64 value), minus overlay's own, which
 * a layer must not forge. The parser decodes PAX values as UTF-8, so a SCHILY value
 * is taken from the raw records when they decode to the same text (binary values
 * such as security.capability survive); one that cannot be recovered is dropped
 * rather than written mangled.
 */
function entryXattrs(
  pax: Record<string, string> | null | undefined,
  raw: Map<string, Buffer> | undefined,
): [string, Buffer][] {
  const xattrs: [string, Buffer][] = [];
  for (const [key, value] of Object.entries(pax ?? {})) {
    if (key.startsWith('SCHILY.xattr.')) {
      const bytes = raw?.get(key);
      const exact = bytes !== undefined && bytes.toString('utf8') === value ? bytes : undefined;
      const text = value.includes('\uFFFD') ? undefined : Buffer.from(value, 'utf8');
      const chosen = exact ?? text;
      if (chosen) xattrs.push([key.slice('SCHILY.xattr.'.length), chosen]);
    } else if (key.startsWith('LIBARCHIVE.xattr.')) {
      const name = decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length));
      xattrs.push([name, Buffer.from(value, 'base64')]);
    }
  }
  return xattrs.filter(([name]) => name !== '' && !name.startsWith(OVERLAY_XATTR_PREFIX));
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

class LayerWriter {
  /** Paths known to be real directories inside the layer. */
  private readonly directories = new Set<string>(['.']);
  private readonly directoryTimes = new Map<string, Date>();
  private readonly pending = new Map<string, PendingNode>();
  private readonly opaque = new Set<string>();
  private xattrs: { path: string; name: string; value: Buffer }[] = [];
  size = 0;

  constructor(private readonly root: string) {}

  private absolute(path: string) {
    return path === '.' ? this.root : join(this.root, path);
  }

  /** Makes sure every parent of `path` is a real directory, creating missing ones. */
  private async ensureParents(path: string, name: string): Promise<void> {
    const parts = path.split('/');
    let current = '.';
    for (const part of parts.slice(0, -1)) {
      current = current === '.' ? part : `${current}/${part}`;
      if (this.directories.has(current)) continue;
      if (this.pending.has(current)) {
        throw new LayerError(`entry "${name}": parent "${current}" is not a directory`);
      }
      const stats = await lstatOrUndefined(this.absolute(current));
      if (stats === undefined) await mkdir(this.absolute(current), 0o755);
      else if (!stats.isDirectory()) {
        throw new LayerError(
          `entry "${name}": parent "${current}" is ${stats.isSymbolicLink() ? 'a symlink' : 'not a directory'}`,
        );
      }
      this.directories.add(current);
    }
  }

  /** Clears whatever the layer holds at `path` so an entry of another kind can take it. */
  private async clear(path: string, keepDirectory: boolean): Promise<void> {
    this.pending.delete(path);
    const stats = await lstatOrUndefined(this.absolute(path));
    if (stats === undefined) {
      this.xattrs = this.xattrs.filter((xattr) => xattr.path !== path);
      return;
    }
    if (keepDirectory && stats.isDirectory()) return;
    await rm(this.absolute(path), { recursive: true, force: true });
    for (const known of [...this.directories])
      if (isUnder(known, path)) this.directories.delete(known);
    for (const key of [...this.pending.keys()]) if (isUnder(key, path)) this.pending.delete(key);
    for (const key of [...this.opaque]) if (isUnder(key, path)) this.opaque.delete(key);
    this.xattrs = this.xattrs.filter((xattr) => !isUnder(xattr.path, path));
    for (const key of [...this.directoryTimes.keys()]) {
      if (isUnder(key, path)) this.directoryTimes.delete(key);
    }
  }

  private async applyOwnerAndMode(path: string, metadata: Metadata, isSymlink: boolean) {
    const absolute = this.absolute(path);
    await lchown(absolute, metadata.uid, metadata.gid);
    // chmod after chown: chown clears set-id bits. Symlinks have no mode of their own.
    if (!isSymlink) await chmod(absolute, metadata.mode);
  }

  async add(
    header: TarHeader,
    body: AsyncIterable<Uint8Array>,
    rawPax?: Map<string, Buffer>,
  ): Promise<void> {
    const name = header.name;
    const path = entryPath(name);
    const size = checkedInteger(header.size, 'size', name, Number.MAX_SAFE_INTEGER);
    const metadata: Metadata = {
      mode: checkedInteger(header.mode ?? 0o644, 'mode', name, 0o7777777) & 0o7777,
      uid: checkedInteger(paxInteger(header.pax, 'uid') ?? header.uid ?? 0, 'uid', name, MAX_ID),
      gid: checkedInteger(paxInteger(header.pax, 'gid') ?? header.gid ?? 0, 'gid', name, MAX_ID),
      mtime:
        header.mtime instanceof Date && !Number.isNaN(header.mtime.getTime())
          ? header.mtime
          : new Date(0),
    };
    const marker = whiteoutMarker(path);
    if (marker !== undefined) return this.addMarker(marker, path, name);
    if (path === '.') {
      if (header.type !== 'directory')
        throw new LayerError(`entry "${name}" replaces the layer root`);
      await this.applyOwnerAndMode('.', metadata, false);
      this.directoryTimes.set('.', metadata.mtime);
      return;
    }
    await this.ensureParents(path, name);
    switch (header.type) {
      case 'directory':
        return this.addDirectory(path, metadata, header, rawPax);
      case 'file':
      case 'contiguous-file':
        await this.clear(path, false);
        await this.addFile(path, metadata, size, body);
        break;
      case 'symlink':
        await this.clear(path, false);
        await symlink(header.linkname ?? '', this.absolute(path));
        await this.applyOwnerAndMode(path, metadata, true);
        await lutimes(this.absolute(path), metadata.mtime, metadata.mtime);
        break;
      case 'link':
        return this.addHardLink(path, header.linkname ?? '', name);
      case 'character-device':
      case 'block-device': {
        await this.clear(path, false);
        const kind = header.type === 'character-device' ? 'c' : 'b';
        const major = checkedInteger(header.devmajor ?? 0, 'device major', name, MAX_ID);
        const minor = checkedInteger(header.devminor ?? 0, 'device minor', name, MAX_ID);
        this.pending.set(path, {
          command: `mknod -- ${shellQuote(`./${path}`)} ${kind} ${major} ${minor}`,
          metadata,
        });
        break;
      }
      case 'fifo':
        await this.clear(path, false);
        this.pending.set(path, { command: `mkfifo -- ${shellQuote(`./${path}`)}`, metadata });
        break;
      default:
        throw new LayerError(`entry "${name}" has an unsupported type "${header.type}"`);
    }
    for (const [xattr, value] of entryXattrs(header.pax, rawPax))
      this.xattrs.push({ path, name: xattr, value });
  }

  private async addMarker(
    marker: NonNullable<ReturnType<typeof whiteoutMarker>>,
    path: string,
    name: string,
  ) {
    if (marker.kind === 'ignored') return;
    await this.ensureParents(path, name);
    if (marker.kind === 'opaque') {
      this.opaque.add(marker.directory);
      return;
    }
    // A whiteout hides only the layers below: an entry of this same layer wins.
    if (this.pending.has(marker.target)) return;
    if ((await lstatOrUndefined(this.absolute(marker.target))) !== undefined) return;
    this.pending.set(marker.target, {
      command: `mknod -- ${shellQuote(`./${marker.target}`)} c 0 0`,
    });
  }

  private async addDirectory(
    path: string,
    metadata: Metadata,
    header: TarHeader,
    rawPax?: Map<string, Buffer>,
  ) {
    await this.clear(path, true);
    if ((await lstatOrUndefined(this.absolute(path))) === undefined) {
      await mkdir(this.absolute(path), 0o700);
    }
    this.directories.add(path);
    await this.applyOwnerAndMode(path, metadata, false);
    this.directoryTimes.set(path, metadata.mtime);
    for (const [xattr, value] of entryXattrs(header.pax, rawPax))
      this.xattrs.push({ path, name: xattr, value });
  }

  private async addFile(
    path: string,
    metadata: Metadata,
    size: number,
    body: AsyncIterable<Uint8Array>,
  ) {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    const handle = await open(this.absolute(path), flags, 0o600);
    try {
      let batch: Uint8Array[] = [];
      let batched = 0;
      for await (const chunk of body) {
        batch.push(chunk);
        batched += chunk.byteLength;
        if (batched >= WRITE_BATCH_BYTES) {
          await handle.writev(batch);
          batch = [];
          batched = 0;
        }
      }
      if (batched > 0) await handle.writev(batch);
      await handle.chown(metadata.uid, metadata.gid);
      await handle.chmod(metadata.mode);
      await handle.utimes(metadata.mtime, metadata.mtime);
    } finally {
      await handle.close();
    }
    this.size += size;
  }

  private async addHardLink(path: string, linkname: string, name: string) {
    const target = entryPath(linkname);
    if (target === '.') throw new LayerError(`hard link "${name}" points to the layer root`);
    if (target === path) return;
    const targetParent = parentOf(target);
    if (targetParent !== '.' && !this.directories.has(targetParent)) {
      throw new LayerError(
        `hard link "${name}" points to "${linkname}", which is not in the layer`,
      );
    }
    const pendingTarget = this.pending.get(target);
    await this.clear(path, false);
    if (pendingTarget !== undefined) {
      this.pending.set(path, {
        command: `ln -- ${shellQuote(`./${target}`)} ${shellQuote(`./${path}`)}`,
      });
      return;
    }
    const stats = await lstatOrUndefined(this.absolute(target));
    if (stats === undefined || stats.isDirectory()) {
      throw new LayerError(
        `hard link "${name}" points to "${linkname}", which is not a file in the layer`,
      );
    }
    // link(2) does not follow a symlink target: the link names the symlink itself.
    await link(this.absolute(target), this.absolute(path));
  }

  /** Creates the batched entries, then sets directory times (children change them). */
  async finish(): Promise<void> {
    const lines = [...this.pending.values()].map((node) => node.command);
    for (const directory of this.opaque) {
      if (this.directories.has(directory)) {
        lines.push(`setfattr -h -n ${OPAQUE_XATTR} -v y -- ${shellQuote(`./${directory}`)}`);
      }
    }
    for (const { path, name, value } of this.xattrs) {
      const encoded = `0s${value.toString('base64')}`;
      lines.push(`setfattr -h -n ${shellQuote(name)} -v ${encoded} -- ${shellQuote(`./${path}`)}`);
    }
    if (lines.length > 0) {
      await runCommand('sh', ['-e'], { cwd: this.root, input: `${lines.join('\n')}\n` });
    }
    for (const [path, node] of this.pending) {
      if (node.metadata === undefined) continue;
      await this.applyOwnerAndMode(path, node.metadata, false);
      await lutimes(this.absolute(path), node.metadata.mtime, node.metadata.mtime);
    }
    const deepestFirst = [...this.directoryTimes].sort(
      ([a], [b]) => b.split('/').length - a.split('/').length,
    );
    for (const [path, mtime] of deepestFirst) await lutimes(this.absolute(path), mtime, mtime);
  }
}

export interface TarHeader {
  name: string;
  type?: string | null;
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  linkname?: string | null;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string> | null;
}

async function* recordingPax(tar: AsyncIterable<Uint8Array>, recorder: PaxRecorder) {
  for await (const chunk of tar) {
    recorder.observe(chunk);
    yield chunk;
  }
}

/** Waits until a writable wants more data or is gone, leaving no listener behind. */
function drainedOrClosed(writable: ReturnType<typeof tarExtract>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      writable.off('drain', done);
      writable.off('close', done);
      resolve();
    };
    writable.on('drain', done);
    writable.on('close', done);
  });
}

/** Feeds bytes into a tar parser with backpressure, stopping when it is destroyed. */
export async function feedParser(
  source: AsyncIterable<Uint8Array>,
  parser: ReturnType<typeof tarExtract>,
) {
  for await (const chunk of source) {
    if (parser.destroyed) return;
    if (!parser.write(chunk)) await drainedOrClosed(parser);
  }
  parser.end(undefined);
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message === 'Header exceeds max size') return 'a tar header exceeds the maximum size';
  return message;
}

/**
 * Extracts the tar bytes of one layer into `directory` (which must not exist).
 * Returns the layer's size (sum of its regular files). Refuses hostile content
 * with a 400 naming the layer; removes the directory on any failure.
 */
export async function unpackLayer(
  tar: AsyncIterable<Uint8Array>,
  directory: string,
  label: string,
): Promise<{ size: number }> {
  await mkdir(directory, 0o755);
  const writer = new LayerWriter(directory);
  const parser = tarExtract();
  // The parser's own error (a truncated tar) explains an entry stream cut short.
  let parserError: Error | undefined;
  parser.on('error', (error: Error) => {
    parserError ??= error;
  });
  try {
    const recorder = new PaxRecorder();
    const feeding = feedParser(recordingPax(tar, recorder), parser).catch((error: unknown) => {
      parser.destroy(error as Error);
      throw error;
    });
    try {
      let index = 0;
      for await (const entry of parser) {
        const rawPax = recorder.records.get(index);
        recorder.records.delete(index++);
        await writer.add(
          entry.header as TarHeader,
          entry as unknown as AsyncIterable<Uint8Array>,
          rawPax,
        );
        entry.resume();
      }
    } catch (error) {
      parser.destroy();
      await feeding.catch(() => undefined);
      throw error;
    }
    await feeding;
    await writer.finish();
    return { size: writer.size };
  } catch (caught) {
    await rm(directory, { recursive: true, force: true });
    const error = caught instanceof LayerError ? caught : (parserError ?? caught);
    if (error instanceof EngineError) throw error;
    // System errors (ENOSPC, EIO) are the host's fault; zlib's Z_* codes and parser errors are the archive's.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && !code.startsWith('Z_') && !(error instanceof LayerError)) {
      throw new EngineError(500, `layer ${label}: ${describe(error)}`);
    }
    throw badParameter(`invalid archive: layer ${label}: ${describe(error)}`);
  }
}
