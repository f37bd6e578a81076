import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  archiveBaseName,
  encodePathStat,
  extractInRoot,
  extractionDirectory,
  packPath,
  statInRoot,
} from '../containers/archive.js';
import type { Engine } from '../context.js';
import { badParameter } from '../errors.js';
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
 * Runs `work` on the container's root as the container sees it. A running container's
 * root is /proc/<pid>/root, which shows its volumes and bind mounts too; a stopped
 * container's rootfs is mounted on the host for the length of `work`.
 */
async function withContainerRoot<T>(
  engine: Engine,
  reference: string,
  work: (root: string) => Promise<T>,
): Promise<T> {
  const { record } = engine.containers.find(reference);
  if (record.State.Running && record.State.Pid > 0) return work(`/proc/${record.State.Pid}/root`);
  return engine.images().withSnapshotMounted(record.Id, work);
}

/** Docker's event after a copy out of (`archive-path`) or into (`extract-to-dir`) a container. */
function announce(engine: Engine, reference: string, action: 'archive-path' | 'extract-to-dir') {
  const { record } = engine.containers.find(reference);
  engine.events.publish('container', action, record.Id, {
    ...record.Config.Labels,
    image: record.ImageName,
    name: record.Name.slice(1),
  });
}

/** Docker's archive endpoints, which `docker cp` and `tcompose cp` use. */
export function registerArchiveRoutes(app: FastifyInstance, engine: Engine): void {
  app.head('/containers/:id/archive', async (request: ArchiveRequest, reply: FastifyReply) => {
    const path = pathOf(request);
    const { stat } = await withContainerRoot(engine, request.params.id, (root) =>
      statInRoot(root, path, request.params.id),
    );
    await reply.header(STAT_HEADER, encodePathStat(stat)).code(200).send();
  });

  app.get(
    '/containers/:id/archive',
    { exposeHeadRoute: false },
    async (request: ArchiveRequest, reply: FastifyReply) => {
      const path = pathOf(request);
      // The mount of a stopped container lasts until the whole archive is sent.
      await withContainerRoot(engine, request.params.id, async (root) => {
        const { host, stat } = await statInRoot(root, path, request.params.id);
        reply.raw.writeHead(200, {
          'Content-Type': 'application/x-tar',
          [STAT_HEADER]: encodePathStat(stat),
        });
        await pipeline(packPath(host, archiveBaseName(path)), reply.raw).catch((error: unknown) => {
          request.log.warn({ err: error, path }, 'archive stream ended early');
        });
      });
      announce(engine, request.params.id, 'archive-path');
      return reply;
    },
  );

  app.put('/containers/:id/archive', async (request: ArchiveRequest, reply: FastifyReply) => {
    const path = pathOf(request);
    await withContainerRoot(engine, request.params.id, async (root) => {
      const directory = await extractionDirectory(root, path, request.params.id);
      await extractInRoot(root, directory, request.raw, {
        noOverwriteDirNonDir: queryFlag(request.query.noOverwriteDirNonDir),
        copyOwners: queryFlag(request.query.copyUIDGID),
      });
    });
    announce(engine, request.params.id, 'extract-to-dir');
    await reply.code(200).send();
  });
}
