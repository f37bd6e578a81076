import { badParameter } from '../../errors/engine-error.js';
import type { ImageConfigBody } from '../image-access.js';
import type { ContainerConfig, HealthConfig } from './model.js';

const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function envKey(entry: string): string {
  const at = entry.indexOf('=');
  return at < 0 ? entry : entry.slice(0, at);
}

/** Image variables first; the container's replace those with the same name. */
export function mergeEnv(imageEnv: string[] = [], containerEnv: string[] = []): string[] {
  const merged = new Map<string, string>();
  for (const entry of [...imageEnv, ...containerEnv]) merged.set(envKey(entry), entry);
  return [...merged.values()];
}

function mergeHealthcheck(
  container: HealthConfig | undefined,
  image: (ImageConfigBody['Healthcheck'] & { StartInterval?: number }) | undefined,
): HealthConfig | undefined {
  if (!container?.Test?.length) return image ?? container;
  if (!image) return container;
  return {
    Test: container.Test,
    Interval: container.Interval || image.Interval,
    Timeout: container.Timeout || image.Timeout,
    Retries: container.Retries || image.Retries,
    StartPeriod: container.StartPeriod || image.StartPeriod,
    StartInterval: container.StartInterval || image.StartInterval,
  };
}

/**
 * Docker's merge of a create request with the image config. A create request that sets
 * Entrypoint drops the image's Cmd; Env and Labels merge with the container's winning.
 */
export function mergeWithImage(config: ContainerConfig, image: ImageConfigBody): ContainerConfig {
  const entrypointGiven = config.Entrypoint !== undefined && config.Entrypoint !== null;
  const entrypoint = entrypointGiven ? config.Entrypoint : image.Entrypoint;
  const cmd = config.Cmd?.length ? config.Cmd : entrypointGiven ? config.Cmd : image.Cmd;
  const env = mergeEnv(image.Env, config.Env);
  if (!env.some((entry) => envKey(entry) === 'PATH')) env.unshift(`PATH=${defaultPath}`);
  return {
    ...config,
    Env: env,
    Entrypoint: entrypoint?.length ? entrypoint : undefined,
    Cmd: cmd?.length ? cmd : undefined,
    WorkingDir: config.WorkingDir || image.WorkingDir || '',
    User: config.User || image.User || '',
    Labels: { ...image.Labels, ...config.Labels },
    ExposedPorts: { ...image.ExposedPorts, ...config.ExposedPorts },
    Volumes: { ...image.Volumes, ...config.Volumes },
    StopSignal: config.StopSignal || image.StopSignal,
    Healthcheck: mergeHealthcheck(config.Healthcheck, image.Healthcheck),
  };
}

/** The process a container runs: entrypoint followed by command. */
export function processArgs(config: ContainerConfig): { path: string; args: string[] } {
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  const [path, ...args] = argv;
  if (!path) throw badParameter('no command specified');
  return { path, args };
}
