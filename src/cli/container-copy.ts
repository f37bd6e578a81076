import { lstat, realpath, stat } from 'node:fs/promises';
import { dirname, basename as hostBasename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { EngineClientError } from '../engine/client.js';
import {
  archiveBaseName,
  extractInRoot,
  isGoDirectory,
  isGoSymlink,
  type PathStat,
  packPath,
} from '../engine/containers/archive.js';
import { ComposeLabel } from '../scheduler/compose-labels.js';
import { reportStep } from '../scheduler/progress.js';
import type { ContainerListing, ProjectEngine } from '../scheduler/project-engine.js';
import { containerName, selectContainers } from './service-containers.js';

export interface CpFlags {
  index?: string;
  all?: boolean;
  archive?: boolean;
  followLink?: boolean;
  dryRun?: boolean;
}

/** One side of `cp`: a path in a service's containers, or on the host (`-` for a tar on stdio). */
export type CopyEndpoint = { service: string; path: string } | { path: string };

/** `SERVICE:PATH` names a container path; an absolute path or one without `:` is local. */
export function parseCopyEndpoint(argument: string): CopyEndpoint {
  if (argument.startsWith('/') || argument.startsWith('.')) return { path: argument };
  const colon = argument.indexOf(':');
  if (colon <= 0) return { path: argument };
  return { service: argument.slice(0, colon), path: argument.slice(colon + 1) || '/' };
}

const inContainer = (endpoint: CopyEndpoint): endpoint is { service: string; path: string } =>
  'service' in endpoint;

/** Where a copy lands: the directory to unpack into and the name the copied entry takes there. */
export interface CopyTarget {
  directory: string;
  name: string;
}

/**
 * `docker cp`'s rules for the destination: into an existing directory under the source's
 * name (or its contents, for `dir/.`), over an existing file, or as a new path whose
 * parent exists.
 */
export function copyTarget(
  source: { path: string; isDirectory: boolean },
  destination: { path: string; exists: boolean; isDirectory: boolean },
): CopyTarget {
  const base = archiveBaseName(source.path);
  if (destination.exists && destination.isDirectory) {
    return { directory: destination.path, name: base === '.' && source.isDirectory ? '.' : base };
  }
  if (destination.exists && source.isDirectory) {
    throw new Error(`cannot copy a directory to a file: ${destination.path}`);
  }
  if (!destination.exists && !source.isDirectory && /\/\.?$/.test(destination.path)) {
    throw new Error(`destination directory ${destination.path} does not exist`);
  }
  const trimmed = destination.path.replace(/\/+\.?$/, '') || '/';
  return { directory: dirname(trimmed), name: hostBasename(trimmed) };
}

const isMissing = (error: unknown) =>
  error instanceof EngineClientError && error.statusCode === 404;

/** The engine's 404 for a path, said with the container's name. */
const missingFile = (container: ContainerListing, path: string) => (error: unknown) => {
  if (isMissing(error)) {
    throw new Error(`Could not find the file ${path} in container ${containerName(container)}`);
  }
  throw error;
};

/** The X-Docker-Container-Path-Stat header: base64 of the JSON stat. */
const decodePathStat = (header: unknown) =>
  JSON.parse(Buffer.from(String(header), 'base64').toString('utf8')) as PathStat;

/** HEAD /containers/{id}/archive: the path's stat, undefined when it does not exist. */
async function pathStat(
  engine: ProjectEngine,
  container: ContainerListing,
  path: string,
): Promise<PathStat | undefined> {
  const response = await engine.client
    .stream('HEAD', `/containers/${container.Id}/archive`, { query: { path } })
    .catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
  response?.resume();
  return response && decodePathStat(response.headers['x-docker-container-path-stat']);
}

async function resolvedContainerPath(
  engine: ProjectEngine,
  container: ContainerListing,
  path: string,
): Promise<PathStat | undefined> {
  const found = await pathStat(engine, container, path);
  if (!found || !isGoSymlink(found.mode)) return found;
  return pathStat(engine, container, found.linkTarget);
}

/** One copy between a container and this host. */
interface CopyJob {
  engine: ProjectEngine;
  container: ContainerListing;
  source: string;
  destination: string;
  flags: CpFlags;
}

async function copyFromContainer(job: CopyJob): Promise<void> {
  const { engine, container, source, destination, flags } = job;
  let path = source;
  if (flags.followLink) {
    const found = await pathStat(engine, container, source);
    if (found && isGoSymlink(found.mode)) path = found.linkTarget;
  }
  const response = await engine.client
    .stream('GET', `/containers/${container.Id}/archive`, { query: { path } })
    .catch(missingFile(container, source));
  if (destination === '-') {
    await pipeline(response, process.stdout);
    return;
  }
  const sourceStat = decodePathStat(response.headers['x-docker-container-path-stat']);
  const local = await stat(destination).catch(() => undefined);
  const target = copyTarget(
    { path, isDirectory: isGoDirectory(sourceStat.mode) },
    { path: destination, exists: local !== undefined, isDirectory: local?.isDirectory() === true },
  );
  const base = archiveBaseName(path);
  const rename = (name: string) =>
    name === base || name.startsWith(`${base}/`) ? target.name + name.slice(base.length) : name;
  await extractInRoot('/', resolve(target.directory), response, {
    rename,
    copyOwners: flags.archive,
    owner: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
  });
}

async function copyToContainer(job: CopyJob): Promise<void> {
  const { engine, container, source, destination, flags } = job;
  const query = { noOverwriteDirNonDir: 'true', copyUIDGID: flags.archive ? 'true' : undefined };
  const put = (path: string, body: Readable) =>
    engine.client
      .request('PUT', `/containers/${container.Id}/archive`, {
        query: { ...query, path },
        body,
        headers: { 'Content-Type': 'application/x-tar' },
      })
      .catch(missingFile(container, path));
  if (source === '-') {
    await put(destination, process.stdin);
    return;
  }
  const local = flags.followLink ? await realpath(source).catch(() => undefined) : resolve(source);
  const sourceStats = local && (await lstat(local).catch(() => undefined));
  if (!local || !sourceStats) throw new Error(`could not find the file ${source} on this host`);
  const found = await resolvedContainerPath(engine, container, destination);
  const target = copyTarget(
    { path: source, isDirectory: sourceStats.isDirectory() },
    {
      path: destination,
      exists: found !== undefined,
      isDirectory: found !== undefined && isGoDirectory(found.mode),
    },
  );
  await put(target.directory, Readable.from(packPath(local, target.name)));
}

/** `tcompose cp`: one side names SERVICE:PATH, the other a local path or `-`. */
export async function copy(source: string, destination: string, flags: CpFlags, command: Command) {
  const from = parseCopyEndpoint(source);
  const to = parseCopyEndpoint(destination);
  if (inContainer(from) === inContainer(to)) {
    throw new Error(
      'copying between containers or between local paths is not supported: name one SERVICE:PATH',
    );
  }
  const service = inContainer(from) ? from.service : (to as { service: string }).service;
  const { runProjectCommand } = await import('./project-command.js');
  // A tar on stdout or stdin leaves the terminal alone: no progress then.
  const stdio = source === '-' || destination === '-';
  await runProjectCommand(
    command,
    { services: [service], dryRun: flags.dryRun, progress: stdio ? 'quiet' : undefined },
    async ({ project, engine, report, dryRun }) => {
      const containers = (
        await selectContainers(engine, project, {
          services: [service],
          all: true,
          oneoff: flags.all,
        })
      ).filter(
        (container) =>
          flags.index === undefined ||
          container.Labels[ComposeLabel.containerNumber] === flags.index,
      );
      if (containers.length === 0) {
        throw new Error(
          `service "${service}" has no container${flags.index ? ` #${flags.index}` : ''}: run \`tcompose up\` or \`create\` first`,
        );
      }
      // Out of a service: its first container (or --index); into one: every container.
      const targets = inContainer(from) ? containers.slice(0, 1) : containers;
      for (const container of targets) {
        const subject = { kind: 'Container' as const, name: containerName(container) };
        await reportStep(report, subject, ['Copying', 'Copied'], async () => {
          if (dryRun) return;
          const job = { engine, container, source: from.path, destination: to.path, flags };
          await (inContainer(from) ? copyFromContainer(job) : copyToContainer(job));
        });
      }
    },
  );
}
