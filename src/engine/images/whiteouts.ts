import type { Stats } from 'node:fs';

/**
 * OCI layer whiteouts and how overlayfs represents them in a lower directory:
 * `.wh.name` (remove `name` from the layers below) becomes a 0/0 character device
 * named `name`; `.wh..wh..opq` (hide everything below in this directory) becomes
 * the `trusted.overlay.opaque=y` xattr on the directory.
 */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** aufs bookkeeping entries (`.wh..wh.plnk`, `.wh..wh.aufs`) that carry no change. */
const AUFS_META_PREFIX = '.wh..wh.';

export const OPAQUE_XATTR = 'trusted.overlay.opaque';
export const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';

/** How overlayfs records a deletion in an upper or lower directory: a 0/0 character device. */
export const isOverlayWhiteout = (stats: Pick<Stats, 'isCharacterDevice' | 'rdev'>) =>
  stats.isCharacterDevice() && stats.rdev === 0;

export type WhiteoutMarker =
  | { kind: 'opaque'; directory: string }
  | { kind: 'whiteout'; target: string }
  | { kind: 'ignored' };

const joinRelative = (directory: string, name: string) =>
  directory === '.' ? name : `${directory}/${name}`;

/**
 * Classifies a normalized entry path (`a/b/.wh.c`): undefined for an ordinary
 * entry, otherwise which change the marker describes.
 */
export function whiteoutMarker(path: string): WhiteoutMarker | undefined {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const directory = slash === -1 ? '.' : path.slice(0, slash);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', directory };
  if (base.startsWith(AUFS_META_PREFIX)) return { kind: 'ignored' };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') return { kind: 'ignored' };
  return { kind: 'whiteout', target: joinRelative(directory, name) };
}
