import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badParameter, EngineError } from '../../errors/engine-error.js';
import { createRequestFromApi } from '../../network/network-api.js';
import type { ContainerRecord, EndpointSettings } from '../containers/model.js';
import type { NetworkSummary } from '../containers/network-attach.js';
import type { Engine } from '../context.js';
import { containerNetworkMode, defaultBridge } from '../networking/container-networks.js';
import { labelsMatch, parseFilters } from './filters.js';

const predefined = new Set([defaultBridge, 'host', 'none']);

function matches(network: NetworkSummary, filters: Record<string, string[]>): boolean {
  const type = predefined.has(network.Name) ? 'builtin' : 'custom';
  return (
    (!filters.name || filters.name.some((name) => network.Name.includes(name))) &&
    (!filters.id || filters.id.some((id) => network.Id.startsWith(id))) &&
    (!filters.driver || filters.driver.includes(network.Driver)) &&
    (!filters.type || filters.type.includes(type)) &&
    (!filters.label || labelsMatch(network.Labels, filters.label))
  );
}

interface ConnectBody {
  Container?: unknown;
  EndpointConfig?: EndpointSettings | null;
}

/** The /networks endpoints: bridge networks of src/network plus the host and none modes. */
export function registerNetworkRoutes(app: FastifyInstance, engine: Engine): void {
  const { network } = engine;

  app.get('/networks', async (request: FastifyRequest<{ Querystring: { filters?: string } }>) => {
    const filters = parseFilters(request.query.filters);
    return network.listNetworks().filter((summary) => matches(summary, filters));
  });

  app.get('/networks/:id', async (request: FastifyRequest<{ Params: { id: string } }>) =>
    network.inspectNetwork(request.params.id),
  );

  app.post('/networks/create', async (request: FastifyRequest, reply: FastifyReply) => {
    const body = (request.body ?? {}) as Parameters<typeof createRequestFromApi>[0];
    if (typeof body.Name === 'string' && predefined.has(body.Name)) {
      throw new EngineError(409, `network with name ${body.Name} already exists`);
    }
    const record = await network.networks.create(createRequestFromApi(body));
    engine.events.publish('network', 'create', record.id, { name: record.name, type: 'bridge' });
    reply.code(201);
    return { Id: record.id, Warning: '' };
  });

  app.delete(
    '/networks/:id',
    async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const summary = network.inspectNetwork(request.params.id);
      if (predefined.has(summary.Name)) {
        reply.code(403);
        return { message: `${summary.Name} is a pre-defined network and cannot be removed` };
      }
      await network.networks.remove(summary.Id);
      engine.events.publish('network', 'destroy', summary.Id, {
        name: summary.Name,
        type: 'bridge',
      });
      reply.code(204);
    },
  );

  const containerOf = (body: ConnectBody) => {
    if (typeof body.Container !== 'string' || body.Container === '') {
      throw badParameter('Container is required');
    }
    return engine.containers.find(body.Container);
  };

  /**
   * connect and disconnect: change the container and save it (the attacher sends the
   * events when an endpoint of a running container comes or goes).
   */
  const membership =
    (
      change: (container: ContainerRecord, network: string, settings: EndpointSettings) => unknown,
    ) =>
    async (request: FastifyRequest<{ Params: { id: string }; Body: ConnectBody | null }>) => {
      const live = containerOf(request.body ?? {});
      await change(live.record, request.params.id, request.body?.EndpointConfig ?? {});
      await engine.containers.save(live.record);
      return '';
    };

  app.post(
    '/networks/:id/connect',
    membership((container, id, settings) => network.connect(container, id, settings)),
  );
  app.post(
    '/networks/:id/disconnect',
    membership((container, id) => network.disconnect(container, id)),
  );

  app.post(
    '/networks/prune',
    async (request: FastifyRequest<{ Querystring: { filters?: string } }>) => {
      const filters = parseFilters(request.query.filters);
      const deleted: string[] = [];
      const referenced = new Set(
        engine.containers.all().flatMap((live) => {
          const mode = containerNetworkMode(live.record);
          return mode.kind === 'bridge' ? mode.networks : [];
        }),
      );
      for (const record of network.networks.list()) {
        if (predefined.has(record.name) || referenced.has(record.name)) continue;
        if (Object.keys(record.endpoints).length > 0) continue;
        if (filters.label && !labelsMatch(record.labels, filters.label)) continue;
        await network.networks.remove(record.id);
        engine.events.publish('network', 'destroy', record.id, {
          name: record.name,
          type: 'bridge',
        });
        deleted.push(record.name);
      }
      return { NetworksDeleted: deleted };
    },
  );
}
