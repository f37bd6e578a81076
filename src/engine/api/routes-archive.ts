import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badParameter } from '../../errors/engine-error.js';
import {
  archiveBaseName,
  encodePathStat,
  extractInRoot,
  extractionDirectory,
  type MountedSource,
  mountPointsIn,
  packPath,
  packRootfs,
  statInRoot,
} from '../containers/archive.js';
import type { ContainerRecord } from '../containers/model.js';
import type { Engine } from '../context.js';
import { queryFlag } from './filters.js';

type ArchiveRequest = FastifyRequest<{
  Params: { id: string };
  Querystring: Record<string, string | undefined>;
}>;

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

function pathOf(request: ArchiveRequest): string {
  const path = request.query.path;
  if (!path) throw badParameter('path is required');
  return path;
}

/**
 * The volumes and bind mounts a stopped container's paths lead into, as `docker cp` sees
 * them: read from their host directories, nothing mounted. A tmpfs (a tmpfs volume too)
 * holds nothing while the container is stopped, so its rootfs directory shows.
 */
function stoppedMounts(engine: Engine, record: ContainerRecord): MountedSource[] {
  return record.Mounts.flatMap((point): MountedSource[] => {
    const readOnly = !point.RW;
    if (point.Type === 'bind')
      return [{ destination: point.Destination, source: point.Source, readOnly }];
    if (point.Type !== 'volume' || !point.Name) return [];
    const volume = engine.volumes.find(point.Name);
    if (!volume || volume.Options.type === 'tmpfs') return [];
    const source =
      volume.Options.type === 'none' ? (volume.Options.device as string) : volume.Mountpoint;
    return [{ destination: point.Destination, source, readOnly }];
  });
}

/**
 * Runs `work` on the container's root as the container sees it. A running container's
 * root is /proc/<pid>/root, which shows its volumes and bind mounts too; a stopped
 * container's rootfs is mounted on the host for the length of `work`, and its volumes and
 * bind mounts are read from their host directories.
 */
async function withContainerRoot<T>(
  engine: Engine,
  reference: string,
  work: (root: string, mounts: MountedSource[]) => Promise<T>,
): Promise<T> {
  const { record } = engine.containers.find(reference);
  if (record.State.Running && record.State.Pid > 0)
    return work(`/proc/${record.State.Pid}/root`, []);
  const mounts = stoppedMounts(engine, record);
  return engine.images().withSnapshotMounted(record.Id, (root) => work(root, mounts));
}

/**
 * Docker's event after a copy out of (`archive-path`) or into (`extract-to-dir`) a
 * container, or an export of its filesystem (`export`).
 */
function announce(
  engine: Engine,
  reference: string,
  action: 'archive-path' | 'extract-to-dir' | 'export',
) {
  const { record } = engine.containers.find(reference);
  engine.events.publish('container', action, record.Id, {
    ...record.Config.Labels,
    image: record.ImageName,
    name: record.Name.slice(1),
  });
}

/** Docker's archive endpoints, which `docker cp` and `tcompose cp` use, and `docker export`'s. */
export function registerArchiveRoutes(app: FastifyInstance, engine: Engine): void {
  app.head('/containers/:id/archive', async (request: ArchiveRequest, reply: FastifyReply) => {
    const path = pathOf(request);
    const { stat } = await withContainerRoot(engine, request.params.id, (root, mounts) =>
      statInRoot(root, path, request.params.id, mounts),
    );
    await reply.header(STAT_HEADER, encodePathStat(stat)).code(200).send();
  });

  app.get(
    '/containers/:id/archive',
    { exposeHeadRoute: false },
    async (request: ArchiveRequest, reply: FastifyReply) => {
      const path = pathOf(request);
      // The mount of a stopped container lasts until the whole archive is sent.
      await withContainerRoot(engine, request.params.id, async (root, mounts) => {
        const { host, stat } = await statInRoot(root, path, request.params.id, mounts);
        reply.raw.writeHead(200, {
          'Content-Type': 'application/x-tar',
          [STAT_HEADER]: encodePathStat(stat),
        });
        const archive = packPath(host, archiveBaseName(path), mountPointsIn(root, mounts));
        await pipeline(archive, reply.raw).catch((error: unknown) => {
          request.log.warn({ err: error, path }, 'archive stream ended early');
        });
      });
      announce(engine, request.params.id, 'archive-path');
      return reply;
    },
  );

  // `docker export`: the whole filesystem, without what is mounted over it.
  app.get('/containers/:id/export', async (request: ArchiveRequest, reply: FastifyReply) => {
    await withContainerRoot(engine, request.params.id, async (root) => {
      reply.raw.writeHead(200, { 'Content-Type': 'application/x-tar' });
      await pipeline(packRootfs(root), reply.raw).catch((error: unknown) => {
        request.log.warn({ err: error }, 'export stream ended early');
      });
    });
    announce(engine, request.params.id, 'export');
    return reply;
  });

  app.put('/containers/:id/archive', async (request: ArchiveRequest, reply: FastifyReply) => {
    const path = pathOf(request);
    await withContainerRoot(engine, request.params.id, async (root, mounts) => {
      const directory = await extractionDirectory(root, path, request.params.id, mounts);
      await extractInRoot(root, directory, request.raw, {
        noOverwriteDirNonDir: queryFlag(request.query.noOverwriteDirNonDir),
        copyOwners: queryFlag(request.query.copyUIDGID),
        mounts,
      });
    });
    announce(engine, request.params.id, 'extract-to-dir');
    await reply.code(200).send();
  });
}
