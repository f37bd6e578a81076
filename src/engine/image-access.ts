import type { ImageRecord, ImageStore } from './images/image-store.js';
import type { OciContainerConfig } from './images/oci-types.js';

/**
 * What the engine needs from the image store (src/engine/images/image-store.ts). The
 * engine depends on this slice only, so the store can evolve behind it.
 */
export type ImageStoreLike = Pick<
  ImageStore,
  | 'load'
  | 'importRootfs'
  | 'save'
  | 'list'
  | 'get'
  | 'tag'
  | 'remove'
  | 'prune'
  | 'createSnapshot'
  | 'mountSnapshot'
  | 'unmountSnapshot'
  | 'useSnapshot'
  | 'releaseSnapshot'
  | 'snapshotChanged'
  | 'withSnapshotMounted'
  | 'removeSnapshot'
  | 'snapshotUsers'
  | 'commitBuild'
  | 'snapshotChanges'
  | 'snapshotLayerDirectories'
>;

export type ImageRecordLike = ImageRecord;

/** The image's container config (Env, Cmd, Entrypoint, ...), merged into a container's. */
export type ImageConfigBody = OciContainerConfig;
