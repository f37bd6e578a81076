import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badParameter, EngineError, notFound } from '../../errors/engine-error.js';
import type { Engine } from '../context.js';
import type { ImageRecordLike } from '../image-access.js';
import { checkFilterKeys, labelsMatch, parseFilters, queryFlag } from './filters.js';

type Query = Record<string, string | undefined>;
type WildcardRequest = FastifyRequest<{ Params: { '*': string }; Querystring: Query }>;

const unixSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000) || 0;

function summary(image: ImageRecordLike, containers: number): object {
  return {
    Id: image.id,
    ParentId: image.parent,
    RepoTags: image.repoTags,
    RepoDigests: image.repoDigests,
    Created: unixSeconds(image.created),
    Size: image.size,
    SharedSize: -1,
    VirtualSize: image.size,
    Labels: image.config.config?.Labels ?? {},
    Containers: containers,
  };
}

/** The empty container config Docker shows for an image that no `docker commit` made. */
const NO_CONTAINER_CONFIG = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null,
  Cmd: null,
  Image: '',
  Volumes: null,
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: null,
};

/**
 * The image as GET /images/{name}/json shows it, with Container and ContainerConfig, which
 * Docker dropped in API 1.45: docker-compose 1.x reads ContainerConfig's volumes whenever
 * it recreates a container and asks with the engine's own (newest) version, so it broke
 * on Docker 25; extra fields cost newer clients nothing.
 */
function inspect(image: ImageRecordLike): object {
  const config = image.config;
  return {
    Id: image.id,
    RepoTags: image.repoTags,
    RepoDigests: image.repoDigests,
    Parent: image.parent,
    Comment: '',
    Created: image.created,
    DockerVersion: '',
    Author: (config.author as string | undefined) ?? '',
    Config: config.config ?? {},
    Architecture: config.architecture ?? 'amd64',
    Os: config.os ?? 'linux',
    Size: image.size,
    VirtualSize: image.size,
    GraphDriver: { Name: 'overlay2', Data: null },
    RootFS: { Type: 'layers', Layers: image.layers ?? [] },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
    Container: '',
    ContainerConfig: config.container_config ?? NO_CONTAINER_CONFIG,
  };
}

/** Splits `/images/<name>/<action>` where the name itself may contain slashes. */
function splitAction(path: string, actions: string[]): { name: string; action: string } {
  for (const action of actions) {
    if (path.endsWith(`/${action}`)) return { name: path.slice(0, -action.length - 1), action };
  }
  return { name: path, action: '' };
}

async function findImage(engine: Engine, name: string): Promise<ImageRecordLike> {
  const image = await engine.images().get(name);
  if (!image) throw notFound(`No such image: ${name}`);
  return image;
}

/** Streams a JSON-lines progress body as Docker does for load, import and pull. */
function progress(reply: FastifyReply): (message: object) => void {
  reply.hijack();
  reply.raw.writeHead(200, { 'Content-Type': 'application/json' });
  return (message) => reply.raw.write(`${JSON.stringify(message)}\n`);
}

function failProgress(write: (message: object) => void, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  write({ errorDetail: { message }, error: message });
}

export function registerImageRoutes(app: FastifyInstance, engine: Engine): void {
  const usage = (id: string) =>
    engine.containers.all().filter((live) => live.record.Image === id).length;

  app.get('/images/json', async (request: FastifyRequest<{ Querystring: Query }>) => {
    const filters = parseFilters(request.query.filters);
    checkFilterKeys(filters, ['reference', 'label', 'dangling', 'before', 'since']);
    const intermediates = queryFlag(request.query.all);
    const images = await engine.images().list({ intermediates });
    return images
      .filter((image) => {
        if (filters.dangling) {
          const dangling = filters.dangling.includes('true') || filters.dangling.includes('1');
          if (dangling !== (image.repoTags.length === 0)) return false;
        }
        if (filters.label && !labelsMatch(image.config.config?.Labels, filters.label)) return false;
        if (filters.reference) {
          const matches = filters.reference.some((pattern) =>
            image.repoTags.some(
              (tag) => tag === pattern || tag.startsWith(`${pattern}:`) || globMatch(pattern, tag),
            ),
          );
          if (!matches) return false;
        }
        return true;
      })
      .map((image) => summary(image, usage(image.id)));
  });

  app.post('/images/load', async (request, reply) => {
    const write = progress(reply);
    try {
      const { images } = await engine.images().load(request.raw);
      for (const image of images) {
        const names = image.tags.length ? image.tags : [image.id];
        for (const name of names) {
          write({ stream: `Loaded image${image.tags.length ? '' : ' ID'}: ${name}\n` });
          engine.events.publish('image', 'load', image.id, { name });
        }
      }
    } catch (error) {
      failProgress(write, error);
    }
    reply.raw.end();
  });

  app.post('/images/create', async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
    const { fromSrc, fromImage, repo, tag, message } = request.query;
    if (fromImage !== undefined) {
      throw new EngineError(
        404,
        `pull access for ${fromImage}${tag ? `:${tag}` : ''} is not available: this engine works offline; load the image with \`docker load\``,
      );
    }
    if (fromSrc !== '-')
      throw badParameter('fromSrc must be "-" (the archive in the request body)');
    const changes = ([] as string[]).concat(
      (request.query as Record<string, string | string[] | undefined>).changes ?? [],
    );
    const reference = repo ? (tag ? `${repo}:${tag}` : repo) : undefined;
    const write = progress(reply);
    try {
      const image = await engine
        .images()
        .importRootfs(request.raw, { reference, changes, message });
      write({ status: image.id });
      engine.events.publish('image', 'import', image.id, reference ? { name: reference } : {});
    } catch (error) {
      failProgress(write, error);
    }
    reply.raw.end();
  });

  const sendArchive = async (names: string[], reply: FastifyReply) => {
    for (const name of names) await findImage(engine, name);
    reply.hijack();
    reply.raw.writeHead(200, { 'Content-Type': 'application/x-tar' });
    await engine.images().save(names, reply.raw);
    reply.raw.end();
  };

  app.get(
    '/images/get',
    async (request: FastifyRequest<{ Querystring: Record<string, string | string[]> }>, reply) => {
      const names = ([] as string[]).concat(request.query.names ?? []);
      if (names.length === 0) throw badParameter('no image names given');
      await sendArchive(names, reply);
    },
  );

  app.post('/images/prune', async (request: FastifyRequest<{ Querystring: Query }>) => {
    const filters = parseFilters(request.query.filters);
    checkFilterKeys(filters, ['dangling', 'label', 'until']);
    const all = filters.dangling?.some((value) => value === 'false' || value === '0') ?? false;
    const { deleted, spaceReclaimed } = await engine.images().prune({ all });
    for (const id of deleted) engine.events.publish('image', 'delete', id);
    return {
      ImagesDeleted: deleted.map((id) => ({ Deleted: id })),
      SpaceReclaimed: spaceReclaimed,
    };
  });

  app.get('/images/*', async (request: WildcardRequest, reply) => {
    const { name, action } = splitAction(request.params['*'], ['json', 'get', 'history']);
    const image = await findImage(engine, name);
    if (action === 'json') return inspect(image);
    if (action === 'get') return sendArchive([name], reply);
    if (action === 'history') {
      return (
        (image.config.history as
          | { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[]
          | undefined) ?? []
      )
        .slice()
        .reverse()
        .map((entry, index) => ({
          Id: index === 0 ? image.id : '<missing>',
          Created: unixSeconds(entry.created ?? ''),
          CreatedBy: entry.created_by ?? '',
          Tags: index === 0 ? image.repoTags : null,
          Size: 0,
          Comment: entry.comment ?? '',
        }));
    }
    throw notFound(`page not found: GET /images/${request.params['*']}`);
  });

  app.post('/images/*', async (request: WildcardRequest, reply) => {
    const { name, action } = splitAction(request.params['*'], ['tag', 'push']);
    if (action === 'push')
      throw new EngineError(501, 'pushing images is not available: this engine works offline');
    if (action !== 'tag') throw notFound(`page not found: POST /images/${request.params['*']}`);
    const { repo, tag } = request.query;
    if (!repo) throw badParameter('repository name (repo) is required');
    const image = await findImage(engine, name);
    const target = tag ? `${repo}:${tag}` : repo;
    await engine.images().tag(name, target);
    engine.events.publish('image', 'tag', image.id, { name: target });
    reply.code(201).send();
  });

  app.delete('/images/*', async (request: WildcardRequest) => {
    const name = request.params['*'];
    const result = await engine.images().remove(name, { force: queryFlag(request.query.force) });
    for (const item of result) {
      if (item.Untagged)
        engine.events.publish('image', 'untag', item.Untagged, { name: item.Untagged });
      if (item.Deleted) engine.events.publish('image', 'delete', item.Deleted);
    }
    return result;
  });
}

function globMatch(pattern: string, text: string): boolean {
  const expression = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '.');
  return new RegExp(`^${expression}(:.*)?$`).test(text);
}
