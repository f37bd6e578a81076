import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { EngineError } from '../../errors/engine-error.js';
import { compareVersions } from '../api-version.js';

export const apiVersion = '1.47';
export const minApiVersion = '1.41';
export const engineVersion = '27.0.0-tcompose';

const versionPrefix = /^\/v(\d+)\.(\d+)(?=\/|$)/;

/** The API version a request asked for by its /vX.Y prefix, or undefined when unversioned. */
export function requestedVersion(url: string): string | undefined {
  const match = versionPrefix.exec(url);
  return match ? `${match[1]}.${match[2]}` : undefined;
}

/** Docker's answer to a version outside the supported range. */
export function versionProblem(version: string | undefined): string | undefined {
  if (version === undefined) return undefined;
  if (compareVersions(version, minApiVersion) < 0) {
    return `client version ${version} is too old. Minimum supported API version is ${minApiVersion}, please upgrade your client to a newer version`;
  }
  if (compareVersions(version, apiVersion) > 0) {
    return `client version ${version} is too new. Maximum supported API version is ${apiVersion}`;
  }
  return undefined;
}

export function stripVersion(url: string): string {
  return url.replace(versionPrefix, '') || '/';
}

/** Turns anything thrown by a handler into Docker's `{"message"}` body with the right status. */
export function errorStatus(error: unknown): { status: number; message: string } {
  if (error instanceof EngineError) return { status: error.statusCode, message: error.message };
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  if (fastifyError.code?.startsWith('FST_') && fastifyError.statusCode) {
    return { status: fastifyError.statusCode, message: fastifyError.message ?? 'bad request' };
  }
  return { status: 500, message: error instanceof Error ? error.message : String(error) };
}

function parseJsonBody(
  _request: FastifyRequest,
  body: string,
  done: (error: Error | null, value?: unknown) => void,
): void {
  if (body.trim() === '') {
    done(null, undefined);
    return;
  }
  try {
    done(null, JSON.parse(body));
  } catch (error) {
    done(new EngineError(400, `invalid JSON: ${(error as Error).message}`));
  }
}

/**
 * The fastify app with Docker's conventions: /vX.Y prefixes, JSON errors as `{"message"}`,
 * Docker's response headers, and raw (unparsed) bodies for archives and streams.
 */
export function createApiServer(log: Logger): FastifyInstance {
  const app = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024 * 1024,
    rewriteUrl: (request) => stripVersion(request.url ?? '/'),
    return503OnClosing: false,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Api-Version', apiVersion);
    reply.header('Docker-Experimental', 'false');
    reply.header('Ostype', 'linux');
    reply.header('Server', `Docker/${engineVersion} (linux)`);
    const problem = versionProblem(requestedVersion(request.originalUrl));
    if (problem) await reply.code(400).send({ message: problem });
  });

  // Go clients compare the content type exactly: `application/json`, no charset.
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json')) {
      reply.header('content-type', 'application/json');
    }
    return payload;
  });

  app.setErrorHandler(async (error, request, reply: FastifyReply) => {
    const { status, message } = errorStatus(error);
    if (status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    else request.log.debug({ url: request.url, status, message }, 'request refused');
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    await reply.code(status).send({ message });
  });

  app.setNotFoundHandler(async (request, reply) => {
    await reply.code(404).send({ message: `page not found: ${request.method} ${request.url}` });
  });
  return app;
}
