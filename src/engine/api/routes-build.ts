import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badParameter } from '../../errors/engine-error.js';
import { BuildCache } from '../build/build-cache.js';
import { BuildContext } from '../build/build-context.js';
import { removeLeftovers } from '../build/build-leftovers.js';
import { Builder, type BuildOptions } from '../build/builder.js';
import type { Engine } from '../context.js';
import { familiarString, parseReference, withDefaultTag } from '../images/reference.js';
import { queryFlag } from './filters.js';

type Query = Record<string, string | string[] | undefined>;

const list = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const single = (value: string | string[] | undefined) =>
  Array.isArray(value) ? value.at(-1) : value;

function jsonMap<T>(text: string | undefined, name: string): Record<string, T> {
  if (text === undefined || text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, T>;
  } catch {
    // Reported below.
  }
  throw badParameter(`invalid ${name}: expected a JSON object`);
}

/** Reads the query of POST /build, refusing bad tags and JSON before the build starts. */
export function buildOptions(query: Query): BuildOptions & { quiet: boolean } {
  const tags = list(query.t).map((tag) => {
    try {
      return familiarString(withDefaultTag(parseReference(tag)));
    } catch (error) {
      throw badParameter(`invalid tag "${tag}": ${(error as Error).message}`);
    }
  });
  const flag = (name: string) => queryFlag(single(query[name]));
  return {
    dockerfile: single(query.dockerfile) || 'Dockerfile',
    tags,
    buildArgs: jsonMap<string | null>(single(query.buildargs), 'buildargs'),
    target: single(query.target) || undefined,
    labels: jsonMap<string>(single(query.labels), 'labels'),
    noCache: flag('nocache'),
    quiet: flag('q'),
  };
}

/**
 * POST /build, the legacy builder's endpoint: the body is the context as a tar, the
 * answer a stream of JSON lines (`stream`, `aux` with the image ID, `errorDetail`).
 */
export function registerBuildRoutes(app: FastifyInstance, engine: Engine): void {
  const buildRoot = join(engine.paths.root, 'build');
  const cache = new BuildCache(join(buildRoot, 'cache.json'));
  // What builds an earlier engine process left unfinished still held.
  const cleared = removeLeftovers(join(buildRoot, 'tmp'), {
    container: (id) => engine.containers.remove(id, true, true),
    snapshot: (id) => engine.images().removeSnapshot(id),
  });

  // The build cache is the untagged images builds made, intermediate ones too: pruning
  // removes those no container uses. Their layers are mostly shared with other images, so
  // no space is claimed back.
  app.post('/build/prune', async () => {
    const images = engine.images();
    const made = await cache.images();
    const { deleted } = await images.prune({ among: made });
    const gone: string[] = [];
    for (const id of made) if (!(await images.get(id))) gone.push(id);
    await cache.forget(gone);
    for (const id of deleted) engine.events.publish('image', 'delete', id);
    return { CachesDeleted: deleted, SpaceReclaimed: 0 };
  });

  app.post('/build', async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
    const options = buildOptions(request.query);
    await cleared;
    const workDirectory = join(buildRoot, 'tmp', randomBytes(8).toString('hex'));
    reply.hijack();
    reply.raw.writeHead(200, { 'Content-Type': 'application/json' });
    // A client that goes away (Ctrl-C on docker build) cancels the build.
    const cancel = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) cancel.abort(new Error('the build was canceled'));
    });
    const write = (message: object) => reply.raw.write(`${JSON.stringify(message)}\n`);
    const emit = (message: object) => {
      if (!options.quiet || !('stream' in message)) write(message);
    };
    try {
      await mkdir(workDirectory, { recursive: true });
      const context = await BuildContext.extract(request.raw, join(workDirectory, 'context'));
      const builder = new Builder(context, options, {
        images: engine.images(),
        containers: engine.containers,
        cache,
        workDirectory,
        emit,
        signal: cancel.signal,
      });
      const id = await builder.build();
      if (options.quiet) write({ stream: `${id}\n` });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      write({ errorDetail: { message }, error: message });
    } finally {
      await rm(workDirectory, { recursive: true, force: true });
      reply.raw.end();
    }
  });
}
