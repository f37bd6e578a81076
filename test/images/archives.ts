import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { type Header, pack as tarPack } from 'tar-stream';

/**
 * Builds image archives in code, entry by entry, the way `docker save` and OCI
 * image layouts lay them out, so tests control every byte: whiteouts, links,
 * hostile paths, compression.
 */
export interface TarEntry extends Partial<Omit<Header, 'pax'>> {
  name: string;
  content?: string | Buffer;
  pax?: Record<string, string>;
}

/** A path's permission bits, owner, group and mtime, to compare in one expectation. */
export async function modeOwnerTime(path: string): Promise<number[]> {
  const stats = await stat(path);
  return [stats.mode & 0o7777, stats.uid, stats.gid, stats.mtime.getTime()];
}

/** Entry builders for the common kinds. */
export const file = (name: string, content: string | Buffer = 'x'): TarEntry => ({ name, content });
export const whiteout = (path: string): TarEntry => file(path.replace(/([^/]+)$/, '.wh.$1'), '');
export const symlink = (name: string, linkname: string): TarEntry => ({
  name,
  type: 'symlink',
  linkname,
});
export const hardLink = (name: string, linkname: string): TarEntry => ({
  name,
  type: 'link',
  linkname,
});

const EPOCH = new Date('2024-01-01T00:00:00Z');

export function tarOf(entries: TarEntry[]): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const { content, ...header } of entries) {
    const body = content === undefined ? undefined : Buffer.from(content);
    const full = { mtime: EPOCH, mode: header.type === 'directory' ? 0o755 : 0o644, ...header };
    if (body === undefined) pack.entry(full as Header);
    else pack.entry({ ...full, size: body.length } as Header, body);
  }
  pack.finalize();
  return done;
}

export const sha256Hex = (bytes: Buffer | string) =>
  createHash('sha256').update(bytes).digest('hex');

export interface TestImage {
  tags?: string[];
  /** Layer tars, uncompressed; `gzip` compresses them in the archive. */
  layers: Buffer[];
  gzip?: boolean;
  config?: Record<string, unknown>;
}

export function imageConfig(image: TestImage): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-02T03:04:05Z',
      config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
      ...image.config,
      rootfs: {
        type: 'layers',
        diff_ids: image.layers.map((layer) => `sha256:${sha256Hex(layer)}`),
      },
    }),
  );
}

const layerBytes = (image: TestImage, layer: Buffer) => (image.gzip ? gzipSync(layer) : layer);

/** A `docker save` archive: `<id>/layer.tar`, `<config hex>.json`, manifest.json, repositories. */
export function dockerSaveArchive(images: TestImage[]): Promise<Buffer> {
  const entries: TarEntry[] = [];
  const manifest = images.map((image) => {
    const config = imageConfig(image);
    const configName = `${sha256Hex(config)}.json`;
    const layerNames = image.layers.map((layer) => {
      const bytes = layerBytes(image, layer);
      const name = `${sha256Hex(bytes)}/layer.tar`;
      if (!entries.some((entry) => entry.name === name)) entries.push({ name, content: bytes });
      return name;
    });
    entries.push({ name: configName, content: config });
    return { Config: configName, RepoTags: image.tags ?? null, Layers: layerNames };
  });
  entries.push({ name: 'manifest.json', content: JSON.stringify(manifest) });
  return tarOf(entries);
}

/** An OCI image layout archive: oci-layout, index.json (with names), blobs/sha256/*. */
export function ociArchive(
  images: TestImage[],
  options: { multiPlatform?: boolean } = {},
): Promise<Buffer> {
  const blobs = new Map<string, Buffer>();
  const add = (bytes: Buffer) => {
    const digest = `sha256:${sha256Hex(bytes)}`;
    blobs.set(digest, bytes);
    return { digest, size: bytes.length };
  };
  const manifests = images.map((image) => {
    const config = add(imageConfig(image));
    const layers = image.layers.map((layer) => ({
      mediaType: `application/vnd.oci.image.layer.v1.tar${image.gzip ? '+gzip' : ''}`,
      ...add(layerBytes(image, layer)),
    }));
    const manifest = add(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers,
        }),
      ),
    );
    const name = image.tags?.[0];
    const annotations = name ? { annotations: { 'org.opencontainers.image.ref.name': name } } : {};
    const manifestDescriptor = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
    };
    if (!options.multiPlatform) return { ...manifestDescriptor, ...annotations };
    // A multi-platform index: another platform first, whose manifest the archive lacks.
    const other = { ...manifestDescriptor, digest: `sha256:${'0'.repeat(64)}` };
    const index = add(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          manifests: [
            { ...other, platform: { os: 'linux', architecture: 'arm64' } },
            { ...manifestDescriptor, platform: { os: 'linux', architecture: 'amd64' } },
          ],
        }),
      ),
    );
    return { mediaType: 'application/vnd.oci.image.index.v1+json', ...index, ...annotations };
  });
  return tarOf([
    { name: 'oci-layout', content: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { name: 'index.json', content: JSON.stringify({ schemaVersion: 2, manifests }) },
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    ...[...blobs].map(([digest, content]) => ({
      name: `blobs/sha256/${digest.slice(7)}`,
      content,
    })),
  ]);
}

export const streamOf = (bytes: Buffer) => Readable.from([bytes]);

/** Overlay mounts whose mount point lies under `root`. */
export async function overlayMountsUnder(root: string): Promise<string[]> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  return mounts
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([type, point]) => type === 'overlay' && point?.startsWith(root))
    .map(([, point]) => point as string);
}
