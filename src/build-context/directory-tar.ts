import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pack as tarPack } from 'tar-stream';

/**
 * Writes a directory tree as a tar stream, names relative to the directory, sorted so
 * the same tree gives the same bytes. Two uses: the build context a client sends, and
 * the layer a build step commits from a snapshot's overlay upper dir, where overlay's
 * whiteouts (0/0 character devices) become OCI `.wh.<name>` entries and opaque
 * directories (the `trusted.overlay.opaque` xattr) get a `.wh..wh..opq` entry.
 */
export interface DirectoryTarOptions {
  /** Leaves out a relative path (and, for a directory, everything in it) when false. */
  include?: (path: string) => boolean;
  /** Translate overlay whiteouts and opaque directories into OCI whiteout entries. */
  overlayWhiteouts?: boolean;
  /** Files that are not in the directory, written first at its top (an inline Dockerfile). */
  extraFiles?: Record<string, string>;
}

type Pack = ReturnType<typeof tarPack>;

const OVERLAY_XATTRS = /^trusted\.overlay\.(opaque|redirect|metacopy)="?([^"]*)"?$/;
const execFileAsync = promisify(execFile);

/**
 * Absolute paths of the directories overlay marked opaque, read with one getfattr run.
 * Renamed directories and metadata-only copies (overlay's redirect_dir and metacopy
 * features) keep their content in the lower layers, where a layer cannot take it from:
 * those are refused.
 */
async function opaqueDirectories(root: string): Promise<Set<string>> {
  const { stdout } = await execFileAsync(
    'getfattr',
    ['-R', '-h', '--absolute-names', '-d', '-m', '^trusted\\.overlay\\.', root],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const opaque = new Set<string>();
  let file: string | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('# file: ')) file = line.slice('# file: '.length);
    const match = OVERLAY_XATTRS.exec(line);
    if (!file || !match) continue;
    if (match[1] === 'opaque' && match[2] === 'y') opaque.add(file);
    else if (match[1] !== 'opaque') {
      throw new Error(
        `cannot commit ${file}: overlay's ${match[1] === 'redirect' ? 'redirect_dir' : 'metacopy'} feature is on (mount overlay with redirect_dir=off,metacopy=off)`,
      );
    }
  }
  return opaque;
}

function writeEntry(pack: Pack, header: Parameters<Pack['entry']>[0], body?: Buffer) {
  return new Promise<void>((resolve, reject) => {
    pack.entry(header, body ?? Buffer.alloc(0), (error) => (error ? reject(error) : resolve()));
  });
}

async function writeFileEntry(pack: Pack, header: Parameters<Pack['entry']>[0], path: string) {
  let finished: (error?: Error | null) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    finished = (error) => (error ? reject(error) : resolve());
  });
  const entry = pack.entry(header, finished);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    if (!entry.write(chunk)) await once(entry, 'drain');
  }
  entry.end(undefined);
  await done;
}

class TreeWriter {
  /** First path written for each inode with several links: later ones become hard links. */
  private readonly links = new Map<string, string>();

  constructor(
    private readonly pack: Pack,
    private readonly root: string,
    private readonly options: DirectoryTarOptions,
    private readonly opaque: Set<string>,
  ) {}

  async directory(relative: string): Promise<void> {
    const absolute = relative === '' ? this.root : join(this.root, relative);
    for (const name of (await readdir(absolute)).sort()) {
      const path = relative === '' ? name : `${relative}/${name}`;
      if (this.options.include && !this.options.include(path)) continue;
      await this.entry(path, await lstat(join(this.root, path)));
    }
  }

  private async entry(path: string, stats: Stats): Promise<void> {
    const absolute = join(this.root, path);
    const common = {
      mode: stats.mode & 0o7777,
      uid: stats.uid,
      gid: stats.gid,
      mtime: stats.mtime,
    };
    if (stats.isDirectory()) {
      await writeEntry(this.pack, { ...common, name: `${path}/`, type: 'directory' });
      if (this.opaque.has(absolute)) {
        await writeEntry(this.pack, { ...common, name: `${path}/.wh..wh..opq`, mode: 0o644 });
      }
      await this.directory(path);
      return;
    }
    if (stats.isCharacterDevice() && stats.rdev === 0 && this.options.overlayWhiteouts) {
      const slash = path.lastIndexOf('/');
      const name = `${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`;
      await writeEntry(this.pack, { ...common, name, mode: 0o644 });
      return;
    }
    if (stats.isSymbolicLink()) {
      const linkname = await readlink(absolute);
      await writeEntry(this.pack, { ...common, name: path, type: 'symlink', linkname });
      return;
    }
    if (stats.isFile()) {
      const inode = `${stats.dev}:${stats.ino}`;
      const first = stats.nlink > 1 ? this.links.get(inode) : undefined;
      if (first !== undefined) {
        await writeEntry(this.pack, { ...common, name: path, type: 'link', linkname: first });
        return;
      }
      if (stats.nlink > 1) this.links.set(inode, path);
      await writeFileEntry(this.pack, { ...common, name: path, size: stats.size }, absolute);
      return;
    }
    const device = stats.isCharacterDevice()
      ? 'character-device'
      : stats.isBlockDevice()
        ? 'block-device'
        : stats.isFIFO()
          ? 'fifo'
          : undefined;
    if (device === undefined) return;
    await writeEntry(this.pack, {
      ...common,
      name: path,
      type: device,
      devmajor: Math.floor(stats.rdev / 256),
      devminor: stats.rdev % 256,
    });
  }
}

/** The tar of a directory tree as a stream; a failure while walking ends it with the error. */
export function directoryTar(
  root: string,
  options: DirectoryTarOptions = {},
): AsyncIterable<Uint8Array> & NodeJS.ReadableStream {
  const pack = tarPack();
  void (async () => {
    const opaque = options.overlayWhiteouts ? await opaqueDirectories(root) : new Set<string>();
    for (const [name, text] of Object.entries(options.extraFiles ?? {})) {
      await writeEntry(pack, { name, mode: 0o644, mtime: new Date() }, Buffer.from(text));
    }
    await new TreeWriter(pack, root, options, opaque).directory('');
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error as Error));
  return pack as unknown as AsyncIterable<Uint8Array> & NodeJS.ReadableStream;
}
