import { isAbsolute, resolve } from 'node:path';
import type { FieldPath } from './errors.js';
import { errorAt, type SourceLookup } from './located-error.js';
import type { VolumeMount, VolumeMountType } from './model.js';
import { parseByteSize } from './units.js';

const PROPAGATIONS = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);

export interface VolumePathContext {
  workingDir: string;
  home?: string;
  lookup: SourceLookup;
}

/** Host paths are written as ./x, ../x, /x or ~/x; anything else names a volume. */
function isHostPath(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
}

function absoluteHostPath(source: string, context: VolumePathContext): string {
  if (source === '~' || source.startsWith('~/')) {
    return resolve(context.home ?? context.workingDir, `.${source.slice(1)}`);
  }
  return isAbsolute(source) ? source : resolve(context.workingDir, source);
}

/** Service volumes in canonical long form, one entry per entry written. */
export function normalizeServiceVolumes(
  raw: unknown[],
  path: FieldPath,
  context: VolumePathContext,
): VolumeMount[] {
  return raw.map((entry, index) =>
    typeof entry === 'string'
      ? parseShortVolume(entry, [...path, index], context)
      : normalizeLongVolume(entry as Record<string, unknown>, [...path, index], context),
  );
}

function applyShortOption(
  mount: VolumeMount,
  option: string,
  path: FieldPath,
  context: VolumePathContext,
): void {
  if (option === 'ro' || option === 'rw') {
    if (option === 'ro') mount.read_only = true;
  } else if (option === 'z' || option === 'Z') {
    if (mount.bind) mount.bind.selinux = option;
  } else if (option === 'nocopy' && mount.volume) {
    mount.volume.nocopy = true;
  } else if (PROPAGATIONS.has(option) && mount.bind) {
    mount.bind.propagation = option;
  } else {
    throw errorAt(
      context.lookup,
      path,
      `invalid volume option "${option}"`,
      'use ro, rw, z, Z, nocopy or a bind propagation mode',
    );
  }
}

/** SOURCE:TARGET[:OPTIONS] or TARGET alone (an anonymous volume). */
function parseShortVolume(spec: string, path: FieldPath, context: VolumePathContext): VolumeMount {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((part) => part === '')) {
    throw errorAt(
      context.lookup,
      path,
      `invalid volume "${spec}"`,
      'expected [SOURCE:]TARGET[:MODE]',
    );
  }
  if (parts.length === 1) return { type: 'volume', target: parts[0], volume: {} };
  const [source, target, options] = parts;
  const mount: VolumeMount = isHostPath(source)
    ? {
        type: 'bind',
        source: absoluteHostPath(source, context),
        target,
        bind: { create_host_path: true },
      }
    : { type: 'volume', source, target, volume: {} };
  for (const option of options ? options.split(',') : []) {
    applyShortOption(mount, option, path, context);
  }
  return mount;
}

function normalizeLongVolume(
  raw: Record<string, unknown>,
  path: FieldPath,
  context: VolumePathContext,
): VolumeMount {
  const mount = { ...raw } as unknown as VolumeMount;
  const type = String(raw.type) as VolumeMountType;
  if (type === 'bind') {
    if (typeof raw.source === 'string') mount.source = absoluteHostPath(raw.source, context);
    mount.bind = { create_host_path: true, ...(raw.bind as object | undefined) };
  }
  if (type === 'volume') mount.volume = { ...(raw.volume as object | undefined) };
  if (type === 'tmpfs' && raw.tmpfs && typeof raw.tmpfs === 'object') {
    const tmpfs = { ...(raw.tmpfs as { size?: string | number; mode?: string | number }) };
    const out: { size?: number; mode?: number } = {};
    if (tmpfs.size !== undefined) {
      const size = parseByteSize(tmpfs.size);
      if (size === undefined) {
        throw errorAt(context.lookup, [...path, 'tmpfs', 'size'], `invalid size "${tmpfs.size}"`);
      }
      out.size = size;
    }
    if (tmpfs.mode !== undefined) {
      out.mode = typeof tmpfs.mode === 'number' ? tmpfs.mode : Number.parseInt(tmpfs.mode, 8);
    }
    mount.tmpfs = out;
  }
  if (mount.read_only === false) delete mount.read_only;
  return mount;
}
