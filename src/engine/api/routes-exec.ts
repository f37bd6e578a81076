import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badParameter } from '../../errors/engine-error.js';
import { streamContentType } from '../containers/attach.js';
import type { Engine } from '../context.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export function execStartOptions(body: unknown): { detach: boolean; tty: boolean } {
  if (body === undefined || body === null) return { detach: false, tty: false };
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw badParameter('invalid exec start config: the body must be a JSON object');
  }
  const { Detach, Tty } = body as Record<string, unknown>;
  for (const [name, value] of Object.entries({ Detach, Tty })) {
    if (value !== undefined && value !== null && typeof value !== 'boolean') {
      throw badParameter(`invalid exec start config: ${name} must be a boolean`);
    }
  }
  return { detach: Detach === true, tty: Tty === true };
}

export function registerExecRoutes(app: FastifyInstance, engine: Engine): void {
  app.post('/exec/:id/start', async (request: IdRequest, reply) => {
    const { detach, tty } = execStartOptions(request.body);
    const exec = engine.execs.prepare(request.params.id);
    if (detach) {
      await engine.execs.start(exec.ID, undefined, tty);
      return reply.code(200).send();
    }
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'Content-Type': streamContentType(tty || exec.Config.Tty) });
    raw.flushHeaders();
    await engine.execs.start(
      exec.ID,
      { output: raw, closed: new Promise((resolve) => raw.on('close', () => resolve())) },
      tty,
    );
  });

  app.post('/exec/:id/resize', async (request: IdRequest, reply) => {
    engine.execs.get(request.params.id);
    return reply.code(200).send();
  });

  app.get('/exec/:id/json', async (request: IdRequest) => engine.execs.inspect(request.params.id));
}
