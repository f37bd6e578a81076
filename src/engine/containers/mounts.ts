import { mkdir, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { badParameter } from '../../errors/engine-error.js';
import type { VolumeManager } from '../volumes.js';
import type { ContainerConfig, HostConfig, MountPoint, MountRequest } from './model.js';

const propagations = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

function checkTarget(target: string | undefined, origin: string): string {
  if (!target?.startsWith('/')) {
    throw badParameter(`invalid mount config for ${origin}: the target must be an absolute path`);
  }
  if (posix.normalize(target) === '/') {
    throw badParameter(`invalid mount config for ${origin}: cannot mount over /`);
  }
  return posix.normalize(target);
}

/** A Binds entry, `src:dst[:options]`: a host path when src is absolute, else a volume name. */
export function parseBind(bind: string): MountRequest {
  const parts = bind.split(':');
  if (parts.length < 1 || parts.length > 3 || parts.some((part) => part === '')) {
    throw badParameter(`invalid volume specification: '${bind}'`);
  }
  if (parts.length === 1) return { Type: 'volume', Target: parts[0] };
  const [source, target, options = ''] = parts as [string, string, string?];
  const flags = options.split(',').filter(Boolean);
  for (const flag of flags) {
    if (!['ro', 'rw', 'z', 'Z', 'nocopy', ...propagations].includes(flag)) {
      throw badParameter(`invalid mode: ${flag} in volume specification '${bind}'`);
    }
  }
  return {
    Type: source.startsWith('/') ? 'bind' : 'volume',
    Source: source,
    Target: target,
    ReadOnly: flags.includes('ro'),
    BindOptions: { Propagation: flags.find((flag) => propagations.includes(flag)) },
  };
}

function tmpfsOptions(options: string): string[] {
  return options.split(',').filter(Boolean);
}

/**
 * Resolves every mount a container asks for (Binds, Mounts, Tmpfs, image volumes) into
 * mount points, creating named and anonymous volumes as Docker does. Two mounts on one
 * target are refused.
 */
export async function resolveMounts(
  config: ContainerConfig,
  hostConfig: HostConfig,
  volumes: VolumeManager,
): Promise<MountPoint[]> {
  const requests: { request: MountRequest; origin: string }[] = [
    ...(hostConfig.Binds ?? []).map((bind) => ({ request: parseBind(bind), origin: bind })),
    ...(hostConfig.Mounts ?? []).map((request) => ({
      request,
      origin: `${request.Source ?? ''}:${request.Target ?? ''}`,
    })),
  ];
  const points: MountPoint[] = [];
  const targets = new Set<string>();
  const claim = (target: string, origin: string) => {
    if (targets.has(target)) throw badParameter(`duplicate mount point: ${target} (${origin})`);
    targets.add(target);
  };
  for (const { request, origin } of requests) {
    const target = checkTarget(request.Target, origin);
    claim(target, origin);
    points.push(await resolveOne(request, target, origin, volumes));
  }
  for (const [target, options] of Object.entries(hostConfig.Tmpfs ?? {})) {
    const destination = checkTarget(target, target);
    claim(destination, target);
    points.push(tmpfsPoint(destination, tmpfsOptions(options)));
  }
  for (const target of Object.keys(config.Volumes ?? {})) {
    const destination = checkTarget(target, target);
    if (targets.has(destination)) continue;
    targets.add(destination);
    points.push(
      await resolveOne({ Type: 'volume', Target: destination }, destination, target, volumes),
    );
  }
  return points;
}

function tmpfsPoint(destination: string, options: string[]): MountPoint {
  return {
    Type: 'tmpfs',
    Source: '',
    Destination: destination,
    Mode: options.join(','),
    RW: !options.includes('ro'),
    Propagation: '',
    Options: options,
  };
}

async function resolveOne(
  request: MountRequest,
  target: string,
  origin: string,
  volumes: VolumeManager,
): Promise<MountPoint> {
  const readOnly = request.ReadOnly === true;
  switch (request.Type) {
    case 'bind': {
      const source = request.Source;
      if (!source?.startsWith('/')) {
        throw badParameter(
          `invalid mount config for ${origin}: bind source must be an absolute path`,
        );
      }
      const exists = await stat(source).then(
        () => true,
        () => false,
      );
      if (!exists) {
        if (request.BindOptions?.CreateMountpoint === false) {
          throw badParameter(
            `invalid mount config for type "bind": bind source path does not exist: ${source}`,
          );
        }
        await mkdir(source, { recursive: true });
      }
      return {
        Type: 'bind',
        Source: source,
        Destination: target,
        Mode: readOnly ? 'ro' : '',
        RW: !readOnly,
        Propagation: request.BindOptions?.Propagation || 'rprivate',
      };
    }
    case 'volume': {
      const anonymous = !request.Source;
      const volume =
        (request.Source ? volumes.find(request.Source) : undefined) ??
        (await volumes.create(
          { Name: request.Source, Labels: request.VolumeOptions?.Labels },
          anonymous,
        ));
      return {
        Type: 'volume',
        Name: volume.Name,
        Source: volume.Mountpoint,
        Destination: target,
        Driver: 'local',
        Mode: readOnly ? 'ro' : 'z',
        RW: !readOnly,
        Propagation: '',
      };
    }
    case 'tmpfs': {
      const options: string[] = [];
      if (request.TmpfsOptions?.SizeBytes) options.push(`size=${request.TmpfsOptions.SizeBytes}`);
      if (request.TmpfsOptions?.Mode) options.push(`mode=${request.TmpfsOptions.Mode.toString(8)}`);
      if (readOnly) options.push('ro');
      return tmpfsPoint(target, options);
    }
    default:
      throw badParameter(
        `invalid mount config for ${origin}: unknown mount type "${String(request.Type)}"`,
      );
  }
}
