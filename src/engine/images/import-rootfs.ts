import { join } from 'node:path';
import type { StagedImage } from './archive-load.js';
import { sha256Digest } from './blob-store.js';
import { applyChanges } from './changes.js';
import { ingestLayer } from './layer-ingest.js';
import { hostArchitecture, type OciImageConfig } from './oci-types.js';
import { normalizeReference } from './reference.js';

/**
 * `docker import`: a root filesystem tarball (plain or gzip) becomes a one-layer
 * image whose config holds the `--change` instructions.
 */
export interface ImportOptions {
  reference?: string;
  changes?: string[];
  message?: string;
}

export async function importRootfs(
  archive: AsyncIterable<Uint8Array>,
  staging: string,
  options: ImportOptions,
): Promise<StagedImage> {
  // Validate everything cheap before the tarball is read.
  const tags = options.reference === undefined ? [] : [normalizeReference(options.reference)];
  const containerConfig = applyChanges({}, options.changes ?? []);
  const layer = await ingestLayer(
    archive,
    { directory: join(staging, 'layer-0'), blobPath: join(staging, 'blob-0') },
    'rootfs',
  );
  const created = new Date().toISOString();
  const config: OciImageConfig = {
    architecture: hostArchitecture(),
    os: 'linux',
    created,
    config: containerConfig,
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [{ created, comment: options.message || 'Imported from -' }],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  return {
    config,
    configBytes,
    id: sha256Digest(configBytes),
    layers: [layer],
    tags,
    repoDigests: [],
  };
}
