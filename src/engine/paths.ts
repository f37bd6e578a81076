import { join } from 'node:path';

/** Where an engine keeps everything, all derived from its data root so engines never collide. */
export interface EnginePaths {
  root: string;
  socket: string;
  lockFile: string;
  images: string;
  containers: string;
  volumes: string;
  /** Runtime state (tcrun root, attach sockets, exit files): short paths, cleared at boot. */
  run: string;
  tcrunRoot: string;
}

export const defaultRoot = '/var/lib/tcompose';
export const defaultSocket = '/run/tcompose/engine.sock';

/** TCOMPOSE_HOST names the socket either as a path or as a unix:// URL. */
export function socketFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.TCOMPOSE_HOST;
  if (!host) return defaultSocket;
  return host.startsWith('unix://') ? host.slice('unix://'.length) : host;
}

export function rootFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.TCOMPOSE_ROOT || defaultRoot;
}

export function enginePaths(root: string, socket: string): EnginePaths {
  const run = join(root, 'run');
  return {
    root,
    socket,
    lockFile: join(root, 'engine.lock'),
    images: join(root, 'images'),
    containers: join(root, 'containers'),
    volumes: join(root, 'volumes'),
    run,
    tcrunRoot: join(run, 'tcrun'),
  };
}

/** The per-container runtime directory; kept short because unix socket paths are limited to 107 bytes. */
export function containerRunDir(paths: EnginePaths, id: string): string {
  return join(paths.run, id.slice(0, 12));
}
