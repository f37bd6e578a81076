import { createHash } from 'node:crypto';
import { constants, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { badParameter } from '../../errors/engine-error.js';

const SHA256_DIGEST = /^sha256:([0-9a-f]{64})$/;

export const sha256Digest = (bytes: Uint8Array) =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The hex part of a `sha256:` digest, refusing anything else (digests name files). */
export function digestHex(digest: string): string {
  const match = SHA256_DIGEST.exec(digest);
  if (!match?.[1]) throw badParameter(`invalid digest "${digest}": only sha256 is supported`);
  return match[1];
}

/** Flushes a directory entry (a rename or create inside it) to disk. */
export async function fsyncDirectory(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

let temporaries = 0;

/** A sibling name no other writer uses: this process's id and a counter. */
const temporarySibling = (path: string) =>
  `${path}.tmp-${process.pid}-${(temporaries++).toString(36)}`;

/**
 * Replaces a file so that a crash leaves either the old content or the new one:
 * write a temporary sibling, fsync it, rename it over the target, fsync the directory.
 * Without `durable` the fsyncs are left out: readers still see the old or the new
 * content whole, but a power loss may bring back the old one (for state that is
 * rebuilt anyway, on paths too hot to wait for the disk). Those writes are made
 * synchronously: three system calls on the page cache cost microseconds, while as
 * thread-pool requests each waits for the event loop to come round again, a fraction
 * of a millisecond apiece on a loaded machine, for every container lifecycle step.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  { durable = true }: { durable?: boolean } = {},
): Promise<void> {
  const temporary = temporarySibling(path);
  if (!durable) {
    replaceSync(temporary, path, data);
    return;
  }
  const handle = await open(temporary, 'w', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await fsyncDirectory(dirname(path));
}

function replaceSync(temporary: string, path: string, data: string | Uint8Array): void {
  writeFileSync(temporary, data, { mode: 0o644 });
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Content-addressed blobs (`<root>/sha256/<hex>`): image configs, manifests and
 * uncompressed layer tars. Content is verified against its digest before it lands.
 */
export class BlobStore {
  readonly directory: string;

  constructor(root: string) {
    this.directory = join(root, 'sha256');
  }

  async init(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
  }

  path(digest: string): string {
    return join(this.directory, digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    return stat(this.path(digest)).then(
      () => true,
      () => false,
    );
  }

  read(digest: string): Promise<Buffer> {
    return readFile(this.path(digest));
  }

  async size(digest: string): Promise<number> {
    return (await stat(this.path(digest))).size;
  }

  /** Stores bytes, checking them against the digest they are expected to have. */
  async write(bytes: Uint8Array, expected?: string): Promise<string> {
    const digest = sha256Digest(bytes);
    if (expected !== undefined && expected !== digest) {
      throw badParameter(`blob content does not match its digest ${expected} (got ${digest})`);
    }
    if (!(await this.has(digest))) await writeFileAtomic(this.path(digest), bytes);
    return digest;
  }

  /**
   * Moves a staged file, already hashed to `digest` by whoever wrote it, into the
   * store. The caller has flushed it; the directory entry is flushed with the index.
   */
  async adopt(stagedPath: string, digest: string): Promise<void> {
    await rename(stagedPath, this.path(digest));
  }

  async remove(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.directory);
    return names.filter((name) => /^[0-9a-f]{64}$/.test(name)).map((name) => `sha256:${name}`);
  }
}
