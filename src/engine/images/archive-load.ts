import { join } from 'node:path';
import { extract as tarExtract } from 'tar-stream';
import { badParameter } from '../../errors/engine-error.js';
import { sha256Digest } from './blob-store.js';
import { type IngestedLayer, ingestLayer, peek, plainTar } from './layer-ingest.js';
import { feedParser } from './layer-unpack.js';
import {
  ANNOTATIONS,
  hostArchitecture,
  MEDIA_TYPES,
  type OciDescriptor,
  type OciImageConfig,
  type OciIndex,
  type OciManifest,
} from './oci-types.js';
import { normalizeReference, parseReference, qualifiedString } from './reference.js';

/**
 * Reads an image archive from a stream, in one pass: `docker save` (manifest.json,
 * `<id>/layer.tar`, `<config>.json`) or an OCI image layout (index.json, blobs/).
 * Layers are recognized by their magic bytes as they stream by and unpacked into a
 * staging directory at once; the small JSON documents are kept in memory. Once the
 * archive ends, the manifests say which staged layers make which image, and every
 * layer is checked against the diff ID its config declares.
 */
export interface StagedImage {
  config: OciImageConfig;
  configBytes: Buffer;
  /** `sha256:` digest of the config: the image ID. */
  id: string;
  layers: IngestedLayer[];
  /** Fully qualified tags: `docker.io/library/busybox:latest`. */
  tags: string[];
  /** Fully qualified `name@sha256:<manifest digest>` when the archive has a manifest. */
  repoDigests: string[];
  /** The image a build step made this one from. */
  parent?: string;
}

const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
const TAR_MAGIC_OFFSET = 257;

const invalid = (message: string) => badParameter(`invalid archive: ${message}`);

/** Whether the first bytes of an entry look like a layer: gzip, or a tar header (or an empty tar). */
function looksLikeLayer(head: Buffer, size: number): boolean {
  if (head[0] === 0x1f && head[1] === 0x8b) return true;
  if (head.subarray(TAR_MAGIC_OFFSET, TAR_MAGIC_OFFSET + 5).toString('latin1') === 'ustar')
    return true;
  return size >= 1024 && head.length >= 512 && head.subarray(0, 512).every((byte) => byte === 0);
}

const entryName = (name: string) => name.replace(/^(\.\/)+/, '').replace(/^\/+/, '');

async function readAll(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function* single(bytes: Buffer) {
  yield bytes;
}

/** What one pass over the archive yields: unpacked layers and documents, by entry path. */
class ArchiveContents {
  readonly layers = new Map<string, IngestedLayer>();
  readonly documents = new Map<string, Buffer>();
  private staged = 0;

  constructor(private readonly staging: string) {}

  nextStaging() {
    const n = this.staged++;
    return {
      directory: join(this.staging, `layer-${n}`),
      blobPath: join(this.staging, `blob-${n}`),
    };
  }

  document(path: string): Buffer {
    const bytes = this.documents.get(path);
    if (bytes === undefined) throw invalid(`"${path}" is missing`);
    return bytes;
  }

  json<T>(path: string): T {
    try {
      return JSON.parse(this.document(path).toString('utf8')) as T;
    } catch (error) {
      if (error instanceof SyntaxError) throw invalid(`"${path}" is not valid JSON`);
      throw error;
    }
  }

  /** The layer stored at `path`, unpacking it now if it was too small to be recognized on the way. */
  async layer(path: string, label: string): Promise<IngestedLayer> {
    const layer = this.layers.get(path);
    if (layer !== undefined) return layer;
    const bytes = this.documents.get(path);
    if (bytes === undefined) throw invalid(`layer "${path}" is missing`);
    const ingested = await ingestLayer(single(bytes), this.nextStaging(), label);
    this.layers.set(path, ingested);
    return ingested;
  }
}

const blobPath = (digest: string) => {
  const [algorithm, hex] = digest.split(':');
  if (algorithm !== 'sha256' || !hex || !/^[0-9a-f]{64}$/.test(hex)) {
    throw invalid(`unsupported digest "${digest}"`);
  }
  return `blobs/sha256/${hex}`;
};

const layerLabel = (path: string) => {
  const match = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(path);
  return match ? `sha256:${match[1]}` : path;
};

async function readEntries(
  archive: AsyncIterable<Uint8Array>,
  contents: ArchiveContents,
): Promise<void> {
  const parser = tarExtract();
  const feeding = feedParser(await plainTar(archive, 'the archive'), parser).catch(
    (error: unknown) => {
      parser.destroy(error as Error);
      throw error;
    },
  );
  try {
    for await (const entry of parser) {
      const { header } = entry;
      const path = entryName(header.name);
      const size = header.size ?? 0;
      if (header.type !== 'file' || size === 0) {
        entry.resume();
        continue;
      }
      const { head, stream } = await peek(entry as unknown as AsyncIterable<Uint8Array>, 512);
      if (looksLikeLayer(head, size)) {
        contents.layers.set(
          path,
          await ingestLayer(stream, contents.nextStaging(), layerLabel(path)),
        );
      } else if (size <= MAX_DOCUMENT_BYTES) {
        contents.documents.set(path, await readAll(stream));
      } else {
        for await (const _ of stream);
      }
    }
  } catch (error) {
    parser.destroy();
    await feeding.catch(() => undefined);
    if (error instanceof Error && !('statusCode' in error)) {
      throw invalid(
        error.message === 'Header exceeds max size' ? 'a tar header is too large' : error.message,
      );
    }
    throw error;
  }
  await feeding.catch((error: unknown) => {
    throw invalid((error as Error).message);
  });
}

function parseConfig(
  contents: ArchiveContents,
  path: string,
): { config: OciImageConfig; bytes: Buffer } {
  const config = contents.json<OciImageConfig>(path);
  if (
    typeof config !== 'object' ||
    config === null ||
    config.rootfs?.type !== 'layers' ||
    !Array.isArray(config.rootfs.diff_ids) ||
    !config.rootfs.diff_ids.every((id) => typeof id === 'string')
  ) {
    throw invalid(`image config "${path}" has no valid rootfs.diff_ids`);
  }
  return { config, bytes: contents.document(path) };
}

/** Checks each layer's computed diff ID against the one its image config declares. */
function checkDiffIds(config: OciImageConfig, layers: IngestedLayer[], configPath: string): void {
  const declared = config.rootfs.diff_ids;
  if (declared.length !== layers.length) {
    throw invalid(
      `image config "${configPath}" declares ${declared.length} layers, the manifest lists ${layers.length}`,
    );
  }
  layers.forEach((layer, i) => {
    if (layer.diffId !== declared[i]) {
      throw invalid(`layer ${i + 1} has diff ID ${layer.diffId}, its config says ${declared[i]}`);
    }
  });
}

function normalizeTag(text: string): string {
  try {
    return normalizeReference(text);
  } catch {
    throw invalid(`invalid image name "${text}"`);
  }
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function dockerSaveImages(contents: ArchiveContents): Promise<StagedImage[]> {
  const manifest = contents.json<DockerManifestEntry[]>('manifest.json');
  if (!Array.isArray(manifest)) throw invalid('manifest.json is not a list');
  const images: StagedImage[] = [];
  for (const item of manifest) {
    if (typeof item?.Config !== 'string' || !Array.isArray(item.Layers)) {
      throw invalid('manifest.json entry without Config and Layers');
    }
    const configPath = entryName(item.Config);
    const { config, bytes } = parseConfig(contents, configPath);
    const layers: IngestedLayer[] = [];
    for (const layerPath of item.Layers.map(entryName)) {
      layers.push(await contents.layer(layerPath, layerLabel(layerPath)));
    }
    checkDiffIds(config, layers, configPath);
    images.push({
      config,
      configBytes: bytes,
      id: sha256Digest(bytes),
      layers,
      tags: (item.RepoTags ?? []).map(normalizeTag),
      repoDigests: [],
    });
  }
  return images;
}

/** A verified OCI blob held in memory (a JSON document). */
function ociDocument(contents: ArchiveContents, descriptor: OciDescriptor): Buffer {
  const path = blobPath(descriptor.digest);
  const bytes = contents.document(path);
  if (sha256Digest(bytes) !== descriptor.digest)
    throw invalid(`blob ${descriptor.digest} does not match its digest`);
  return bytes;
}

function ociJson<T>(contents: ArchiveContents, descriptor: OciDescriptor): T {
  ociDocument(contents, descriptor);
  return contents.json<T>(blobPath(descriptor.digest));
}

/** The image name a top-level index entry carries, if any (containerd's full name, else a full ref.name). */
function ociImageName(descriptor: OciDescriptor): string | undefined {
  const full = descriptor.annotations?.[ANNOTATIONS.containerdName];
  if (full) return normalizeTag(full);
  const refName = descriptor.annotations?.[ANNOTATIONS.refName];
  if (refName && /[/:]/.test(refName)) return normalizeTag(refName);
  return undefined;
}

const isIndex = (mediaType: string | undefined) =>
  mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerManifestList;

/** Picks this machine's manifest from a multi-platform index. */
function pickPlatform(index: OciIndex): OciDescriptor {
  const usable = index.manifests.filter((m) => !isIndex(m.mediaType));
  const match =
    usable.find(
      (m) => m.platform?.os === 'linux' && m.platform.architecture === hostArchitecture(),
    ) ?? usable.find((m) => m.platform === undefined);
  if (!match) throw invalid(`no image for linux/${hostArchitecture()} in the index`);
  return match;
}

async function ociImages(contents: ArchiveContents): Promise<StagedImage[]> {
  const index = contents.json<OciIndex>('index.json');
  if (!Array.isArray(index?.manifests)) throw invalid('index.json has no manifests');
  const images: StagedImage[] = [];
  for (const top of index.manifests) {
    const name = ociImageName(top);
    let descriptor = top;
    for (let depth = 0; isIndex(descriptor.mediaType); depth++) {
      if (depth > 4) throw invalid('image indexes nested too deeply');
      descriptor = pickPlatform(ociJson<OciIndex>(contents, descriptor));
    }
    const manifest = ociJson<OciManifest>(contents, descriptor);
    if (!manifest?.config || !Array.isArray(manifest.layers)) {
      throw invalid(`manifest ${descriptor.digest} has no config or layers`);
    }
    ociDocument(contents, manifest.config);
    const configPath = blobPath(manifest.config.digest);
    const { config, bytes } = parseConfig(contents, configPath);
    const layers: IngestedLayer[] = [];
    for (const layerDescriptor of manifest.layers) {
      const layer = await contents.layer(blobPath(layerDescriptor.digest), layerDescriptor.digest);
      if (layer.digest !== layerDescriptor.digest) {
        throw invalid(
          `layer blob ${layerDescriptor.digest} does not match its digest (got ${layer.digest})`,
        );
      }
      layers.push(layer);
    }
    checkDiffIds(config, layers, configPath);
    const repository = name === undefined ? undefined : parseReference(name);
    images.push({
      config,
      configBytes: bytes,
      id: sha256Digest(bytes),
      layers,
      tags: name === undefined ? [] : [name],
      repoDigests:
        repository === undefined
          ? []
          : [qualifiedString({ ...repository, tag: undefined, digest: descriptor.digest })],
    });
  }
  return images;
}

/**
 * Reads an archive into `staging` (a directory the caller owns and removes) and
 * returns the images it holds, layers unpacked and verified.
 */
export async function readImageArchive(
  archive: AsyncIterable<Uint8Array>,
  staging: string,
): Promise<StagedImage[]> {
  const contents = new ArchiveContents(staging);
  await readEntries(archive, contents);
  if (contents.documents.has('manifest.json')) return dockerSaveImages(contents);
  if (contents.documents.has('index.json')) return ociImages(contents);
  throw invalid('neither manifest.json (docker save) nor index.json (OCI image layout) found');
}
