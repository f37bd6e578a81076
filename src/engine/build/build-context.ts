import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import {
  type IgnorePattern,
  isIgnored,
  parseDockerignore,
} from '../../build-context/dockerignore.js';
import { plainTar } from '../images/layer-ingest.js';
import { unpackLayer } from '../images/layer-unpack.js';
import { BuildError } from './build-error.js';
import { resolveScoped } from './scoped-path.js';

/**
 * Where COPY and ADD take files from: a directory and which of its relative paths
 * may be used. The build context (minus .dockerignore) is one; an earlier stage's
 * root filesystem (COPY --from) is another.
 */
export interface SourceTree {
  root: string;
  include: (path: string) => boolean;
  /** Keep the files' owners (COPY --from); the context's files become root's. */
  preserveOwner: boolean;
}

const TAR_BLOCK = 512;

/**
 * The tar with its last block padded and an end-of-archive marker after it. The docker
 * CLI sends a context whose Dockerfile lies outside it (`-f ../Dockerfile`) cut short
 * after the last entry's data, which Docker's daemon reads anyway.
 */
async function* withEndOfArchive(tar: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let length = 0;
  for await (const chunk of tar) {
    length += chunk.byteLength;
    yield chunk;
  }
  yield Buffer.alloc(((TAR_BLOCK - (length % TAR_BLOCK)) % TAR_BLOCK) + 2 * TAR_BLOCK);
}

/** The build context a client sent: unpacked into `directory`, with its .dockerignore. */
export class BuildContext implements SourceTree {
  readonly preserveOwner = false;

  private constructor(
    readonly root: string,
    private readonly ignore: IgnorePattern[],
  ) {}

  /** Unpacks the context tar (plain or gzip) into `directory`, which must not exist. */
  static async extract(tar: AsyncIterable<Uint8Array>, directory: string): Promise<BuildContext> {
    const plain = await plainTar(tar, 'build context');
    await unpackLayer(withEndOfArchive(plain), directory, 'build context');
    const ignoreFile = await readFile(join(directory, '.dockerignore'), 'utf8').catch(() => '');
    return new BuildContext(directory, parseDockerignore(ignoreFile));
  }

  include = (path: string): boolean => !isIgnored(path, this.ignore);

  /** The Dockerfile's text, from its path inside the context. */
  async dockerfile(name: string): Promise<string> {
    const path = await resolveScoped(this.root, posix.normalize(name));
    try {
      return await readFile(path, 'utf8');
    } catch {
      throw new BuildError(`Cannot locate specified Dockerfile: ${name}`);
    }
  }
}
