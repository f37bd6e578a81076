import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { badParameter } from '../../errors/engine-error.js';
import { unpackLayer } from './layer-unpack.js';

/**
 * Takes one layer as it comes in an archive (plain or gzip tar, told apart by its
 * magic bytes) and, in one pass: hashes the bytes received (the blob digest) and
 * the uncompressed tar (the diff ID), keeps the uncompressed tar as a blob for
 * `save`, and unpacks it into its directory.
 */
export interface IngestedLayer {
  /** sha256 of the uncompressed tar: the image config's `rootfs.diff_ids` entry. */
  diffId: string;
  /** sha256 of the bytes as received (the manifest's layer digest when compressed). */
  digest: string;
  size: number;
  directory: string;
  blobPath: string;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const UNSUPPORTED_MAGIC: [string, number[]][] = [
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['bzip2', [0x42, 0x5a, 0x68]],
];
const PEEK_BYTES = 6;
const GUNZIP_CHUNK = 256 * 1024;

const startsWith = (head: Uint8Array, magic: number[]) =>
  magic.every((byte, i) => head[i] === byte);

export const isGzip = (head: Uint8Array) => startsWith(head, GZIP_MAGIC);

/** Names the compression of a stream from its first bytes, refusing formats we cannot read. */
export function compressionOf(head: Uint8Array, label: string): 'gzip' | 'none' {
  if (isGzip(head)) return 'gzip';
  for (const [format, magic] of UNSUPPORTED_MAGIC) {
    if (startsWith(head, magic)) {
      throw badParameter(
        `invalid archive: ${label} is ${format}-compressed, which is not supported`,
      );
    }
  }
  return 'none';
}

/** Reads the first bytes of a stream and returns them with a stream that replays everything. */
export async function peek(
  source: AsyncIterable<Uint8Array>,
  bytes = PEEK_BYTES,
): Promise<{ head: Buffer; stream: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.byteLength;
  }
  async function* replay() {
    yield* chunks;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      yield next.value;
    }
  }
  return { head: Buffer.concat(chunks), stream: replay() };
}

async function* hashing(source: AsyncIterable<Uint8Array>, hash: ReturnType<typeof createHash>) {
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
}

/** Passes chunks through while copying them to a file, with backpressure. */
async function* teeToFile(
  source: AsyncIterable<Uint8Array>,
  file: ReturnType<typeof createWriteStream>,
) {
  for await (const chunk of source) {
    if (!file.write(chunk)) await once(file, 'drain');
    yield chunk;
  }
}

async function closeFile(file: ReturnType<typeof createWriteStream>): Promise<void> {
  if (file.closed) return;
  const closed = once(file, 'close');
  file.end();
  await closed;
}

/** Decompresses when gzip; returns the plain tar bytes. */
export async function plainTar(
  source: AsyncIterable<Uint8Array>,
  label: string,
): Promise<AsyncIterable<Uint8Array>> {
  const { head, stream } = await peek(source);
  if (compressionOf(head, label) === 'none') return stream;
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
  Readable.from(stream)
    .on('error', (error) => gunzip.destroy(error))
    .pipe(gunzip);
  return gunzip;
}

export async function ingestLayer(
  source: AsyncIterable<Uint8Array>,
  staging: { directory: string; blobPath: string },
  label: string,
): Promise<IngestedLayer> {
  const receivedHash = createHash('sha256');
  const diffHash = createHash('sha256');
  const blob = createWriteStream(staging.blobPath, { flags: 'wx', mode: 0o644 });
  try {
    const tar = await plainTar(hashing(source, receivedHash), label);
    const { size } = await unpackLayer(
      teeToFile(hashing(tar, diffHash), blob),
      staging.directory,
      label,
    );
    await closeFile(blob);
    return {
      diffId: `sha256:${diffHash.digest('hex')}`,
      digest: `sha256:${receivedHash.digest('hex')}`,
      size,
      directory: staging.directory,
      blobPath: staging.blobPath,
    };
  } catch (error) {
    blob.destroy();
    await rm(staging.blobPath, { force: true });
    throw error;
  }
}
