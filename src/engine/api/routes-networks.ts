import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine } from '../context.js';
import { notFound, notImplemented } from '../errors.js';
import { labelsMatch, parseFilters } from './filters.js';

/**
 * The /networks endpoints over whatever the network attacher offers. Until bridge
 * networking lands that is the built-in bridge, host and none.
 */
export function registerNetworkRoutes(app: FastifyInstance, engine: Engine): void {
  const find = (reference: string) => {
    const network = engine.network
      .listNetworks()
      .find(
        (candidate) =>
          candidate.Name === reference ||
          candidate.Id === reference ||
          candidate.Id.startsWith(reference),
      );
    if (!network) throw notFound(`network ${reference} not found`);
    return network;
  };

  app.get('/networks', async (request: FastifyRequest<{ Querystring: { filters?: string } }>) => {
    const filters = parseFilters(request.query.filters);
    return engine.network
      .listNetworks()
      .filter(
        (network) =>
          (!filters.name || filters.name.some((name) => network.Name.includes(name))) &&
          (!filters.id || filters.id.some((id) => network.Id.startsWith(id))) &&
          (!filters.driver || filters.driver.includes(network.Driver)) &&
          (!filters.label || labelsMatch(network.Labels, filters.label)),
      );
  });

  app.get('/networks/:id', async (request: FastifyRequest<{ Params: { id: string } }>) =>
    find(request.params.id),
  );

  app.post('/networks/create', async () => {
    throw notImplemented(
      'creating networks is not available yet: only bridge, host and none exist',
    );
  });

  app.delete('/networks/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const network = find(request.params.id);
    throw notImplemented(`${network.Name} is a pre-defined network and cannot be removed`);
  });

  app.post('/networks/prune', async () => ({ NetworksDeleted: [] }));
}
