import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine } from '../context.js';
import type { VolumeRecord } from '../volumes.js';
import { checkFilterKeys, parseFilters, queryFlag } from './filters.js';

type Query = Record<string, string | undefined>;

/** A volume as the API shows it (without engine-internal fields). */
function present(volume: VolumeRecord): object {
  const { anonymous: _anonymous, ...shown } = volume;
  return shown;
}

export function registerVolumeRoutes(app: FastifyInstance, engine: Engine): void {
  const { volumes } = engine;

  app.get('/volumes', async (request: FastifyRequest<{ Querystring: Query }>) => {
    const filters = parseFilters(request.query.filters);
    checkFilterKeys(filters, ['name', 'label', 'dangling', 'driver']);
    return { Volumes: volumes.filter(filters).map(present), Warnings: [] };
  });

  app.post('/volumes/create', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const volume = await volumes.create(
      typeof body === 'object' && !Array.isArray(body) ? body : { Name: 1 },
    );
    reply.code(201);
    return present(volume);
  });

  app.post('/volumes/prune', async (request: FastifyRequest<{ Querystring: Query }>) => {
    const filters = parseFilters(request.query.filters);
    checkFilterKeys(filters, ['label', 'label!', 'all']);
    const { deleted, reclaimed } = await volumes.prune(filters);
    return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
  });

  app.get('/volumes/:name', async (request: FastifyRequest<{ Params: { name: string } }>) =>
    present(volumes.get(request.params.name)),
  );

  app.delete(
    '/volumes/:name',
    async (request: FastifyRequest<{ Params: { name: string }; Querystring: Query }>, reply) => {
      await volumes.remove(request.params.name, queryFlag(request.query.force));
      reply.code(204).send();
    },
  );
}
