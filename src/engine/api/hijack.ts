import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { attachContainer, type StdioEndpoint, streamContentType } from '../containers/attach.js';
import { runFiles } from '../containers/manager.js';
import type { Engine } from '../context.js';
import { attachOptions } from './routes-containers.js';
import { execStartOptions } from './routes-exec.js';
import { errorStatus, requestedVersion, stripVersion, versionProblem } from './server.js';

const statusText: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${statusText[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Reads a small request body (exec start options) that arrived with the upgrade request. */
async function readBody(
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<{ body: unknown; rest: Buffer }> {
  const length = Number(request.headers['content-length'] ?? 0);
  let buffer = head;
  while (buffer.length < length) {
    const chunk = await new Promise<Buffer>((resolve, reject) => {
      socket.once('data', resolve);
      socket.once('error', reject);
    });
    buffer = Buffer.concat([buffer, chunk]);
  }
  const text = buffer.subarray(0, length).toString('utf8');
  return { body: text.trim() ? JSON.parse(text) : undefined, rest: buffer.subarray(length) };
}

function upgraded(socket: Duplex, tty: boolean, rest: Buffer): StdioEndpoint {
  socket.write(
    `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${streamContentType(tty)}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nApi-Version: 1.47\r\n\r\n`,
  );
  if (rest.length) socket.unshift(rest);
  socket.on('error', () => socket.destroy());
  return {
    output: socket,
    input: socket,
    closed: new Promise((resolve) => socket.on('close', () => resolve())),
  };
}

const attachPath = /^\/containers\/([^/]+)\/attach$/;
const execStartPath = /^\/exec\/([^/]+)\/start$/;

/**
 * Docker's hijacked streams: `POST /containers/{id}/attach` and `POST /exec/{id}/start`
 * with `Upgrade: tcp` answer 101 and then carry raw stdio both ways on the connection.
 */
export async function handleUpgrade(
  engine: Engine,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  try {
    const problem = versionProblem(requestedVersion(request.url ?? '/'));
    if (problem) return refuse(socket, 400, problem);
    const url = new URL(stripVersion(request.url ?? '/'), 'http://engine');
    const query = Object.fromEntries(url.searchParams);
    const attach = attachPath.exec(url.pathname);
    if (request.method === 'POST' && attach) {
      const live = engine.containers.find(decodeURIComponent(attach[1] as string));
      const endpoint = upgraded(socket, live.record.Config.Tty === true, head);
      await attachContainer(
        engine.containers,
        live,
        endpoint,
        attachOptions(query),
        runFiles(engine.paths, live.record.Id).attachSocket,
      );
      return;
    }
    const exec = execStartPath.exec(url.pathname);
    if (request.method === 'POST' && exec) {
      const { body, rest } = await readBody(request, socket, head);
      const { detach, tty } = execStartOptions(body);
      const instance = engine.execs.prepare(decodeURIComponent(exec[1] as string));
      if (detach) {
        await engine.execs.start(instance.ID, undefined, tty);
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      await engine.execs.start(
        instance.ID,
        upgraded(socket, tty || instance.Config.Tty, rest),
        tty,
      );
      return;
    }
    refuse(socket, 404, `page not found: ${request.method} ${url.pathname}`);
  } catch (error) {
    const { status, message } = errorStatus(error);
    if (!socket.destroyed) refuse(socket, status, message);
  }
}
