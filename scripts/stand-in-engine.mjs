import { createServer } from 'node:http';

/**
 * A stand-in for the engine on a unix socket: just enough of the Docker Engine API, with
 * containers and networks kept in memory, for `up -d`, `ps` and `down` to run their whole
 * course while the code cache is made.
 */
export function standInEngine(socket) {
  const containers = new Map();
  const networks = new Map();
  const routes = [
    ['GET', /^\/_ping$/, () => 'OK'],
    ['GET', /^\/images\/[^/]+\/json$/, () => ({ Id: `sha256:${'0'.repeat(64)}`, Config: {} })],
    ['GET', /^\/containers\/json$/, () => [...containers.values()]],
    [
      'POST',
      /^\/containers\/create$/,
      (body, url) => {
        const Id = `${containers.size}`.padStart(64, 'c');
        const Names = [`/${url.searchParams.get('name')}`];
        const { Labels, Image } = body;
        const listing = {
          Id,
          Names,
          Labels,
          Image,
          Command: '',
          Created: 0,
          Status: '',
          Ports: [],
        };
        containers.set(Id, { ...listing, State: 'created' });
        return { Id, Warnings: [] };
      },
    ],
    [
      'POST',
      /^\/containers\/(\w+)\/start$/,
      (_, __, [id]) => {
        containers.get(id).State = 'running';
      },
    ],
    [
      'POST',
      /^\/containers\/(\w+)\/stop$/,
      (_, __, [id]) => {
        containers.get(id).State = 'exited';
      },
    ],
    ['DELETE', /^\/containers\/(\w+)$/, (_, __, [id]) => void containers.delete(id)],
    ['GET', /^\/networks$/, () => [...networks.values()]],
    ['GET', /^\/networks\/([^/]+)$/, (_, __, [name]) => networks.get(name) ?? 404],
    [
      'POST',
      /^\/networks\/create$/,
      (body) => {
        networks.set(body.Name, { Name: body.Name, Id: body.Name, Labels: body.Labels });
        return { Id: body.Name };
      },
    ],
    ['DELETE', /^\/networks\/([^/]+)$/, (_, __, [name]) => void networks.delete(name)],
  ];
  const server = createServer(async (request, response) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    const url = new URL(request.url.replace(/^\/v[\d.]+/, ''), 'http://engine');
    const route = routes.find(
      ([method, pattern]) => method === request.method && pattern.test(url.pathname),
    );
    const answer = route
      ? route[2](text ? JSON.parse(text) : {}, url, route[1].exec(url.pathname).slice(1))
      : 404;
    response.setHeader('Api-Version', '1.47');
    if (answer === 404) {
      response.writeHead(404, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ message: `no such object: ${url.pathname}` }));
    } else if (answer === undefined) response.writeHead(204).end();
    else if (typeof answer === 'string') response.end(answer);
    else
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
  });
  return new Promise((resolve) => server.listen(socket, () => resolve(server)));
}
