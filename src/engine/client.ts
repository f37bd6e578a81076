import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { compareVersions } from './api-version.js';
import { FrameDecoder, type StdStream } from './stdio-framing.js';

/** Where an engine listens: a unix socket or a TCP host and port. */
export interface EngineEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
}

/** An engine's error answer: its HTTP status and the `message` it sent. */
export class EngineClientError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'EngineClientError';
  }
}

/** Parses DOCKER_HOST / --host spellings: unix:///path, /path, tcp://host:port, http://host:port. */
export function parseEngineHost(url: string): EngineEndpoint {
  if (url.startsWith('unix://')) return { socketPath: url.slice('unix://'.length) };
  if (url.startsWith('/')) return { socketPath: url };
  const match = /^(?:tcp|http):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(url);
  if (!match)
    throw new EngineClientError(
      400,
      `unsupported engine host "${url}" (use unix:///path or tcp://host:port)`,
    );
  return { host: match[1], port: Number(match[2] ?? 2375) };
}

export function describeEndpoint(endpoint: EngineEndpoint): string {
  return endpoint.socketPath
    ? `unix://${endpoint.socketPath}`
    : `tcp://${endpoint.host}:${endpoint.port}`;
}

export type QueryValue =
  | string
  | number
  | boolean
  | undefined
  | string[]
  | Record<string, string[]>;

export interface RequestInit {
  query?: Record<string, QueryValue>;
  /** A JSON value, or a stream sent as is (archives). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** The newest API version this client speaks; it uses the engine's if that is older. */
export const clientApiVersion = '1.47';

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const entry of value) params.append(key, entry);
    else if (typeof value === 'object') params.set(key, JSON.stringify(value));
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * The whole body. Read by events rather than `for await`: a stream's async iterator costs
 * more than the rest of a small request's handling, for the 100 requests of `down` of 50.
 */
function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

async function errorFrom(response: IncomingMessage): Promise<EngineClientError> {
  const text = await readAll(response);
  let message = text.trim() || `engine answered ${response.statusCode}`;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    // Not JSON: the text itself is the message.
  }
  return new EngineClientError(response.statusCode ?? 500, message);
}

/**
 * A small Docker Engine API client: JSON requests, streamed responses and hijacked
 * connections, over a unix socket or TCP, speaking the version both sides support.
 */
export class EngineClient {
  private version: string | undefined;
  /** The one /_ping in flight, so that parallel first requests negotiate once. */
  private negotiation: Promise<string> | undefined;

  constructor(readonly endpoint: EngineEndpoint) {}

  private send(
    method: string,
    path: string,
    init: RequestInit,
    upgrade = false,
  ): Promise<{ response: IncomingMessage; socket?: Socket; head?: Buffer }> {
    const prefix = this.version ? `/v${this.version}` : '';
    const headers: Record<string, string> = { ...init.headers };
    const streamed = init.body instanceof Readable;
    let payload: string | undefined;
    if (init.body !== undefined && !streamed) {
      payload = JSON.stringify(init.body);
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    if (upgrade) Object.assign(headers, { Connection: 'Upgrade', Upgrade: 'tcp' });
    const options: RequestOptions & { servername: string } = {
      ...this.endpoint,
      method,
      path: `${prefix}${path}${queryString(init.query)}`,
      headers,
      // No TLS here, so no server name to work out: left unset, Node's agent tests the
      // host against its IP patterns, whose first compilation costs a short command ~8 ms.
      servername: '',
    };
    return new Promise((resolve, reject) => {
      const request = httpRequest(options);
      request.on('error', (error) =>
        reject(
          new EngineClientError(
            503,
            `cannot reach the engine at ${describeEndpoint(this.endpoint)}: ${error.message}`,
          ),
        ),
      );
      request.on('response', (response) => resolve({ response }));
      request.on('upgrade', (response, socket, head) => resolve({ response, socket, head }));
      if (streamed) (init.body as Readable).pipe(request);
      else request.end(payload);
    });
  }

  /** Asks the engine for its API version (GET /_ping) and uses the older of the two. */
  negotiate(): Promise<string> {
    this.negotiation ??= this.askVersion().catch((error: unknown) => {
      this.negotiation = undefined;
      throw error;
    });
    return this.negotiation;
  }

  private async askVersion(): Promise<string> {
    const { response } = await this.send('GET', '/_ping', {});
    await readAll(response);
    return this.settleVersion(response);
  }

  private settleVersion(pingResponse: IncomingMessage): string {
    const server = String(pingResponse.headers['api-version'] ?? clientApiVersion);
    this.version = compareVersions(server, clientApiVersion) < 0 ? server : clientApiVersion;
    this.negotiation ??= Promise.resolve(this.version);
    return this.version;
  }

  /** Whether the engine answers; an answer also settles the API version, saving a round trip. */
  async ping(): Promise<boolean> {
    try {
      const { response } = await this.send('GET', '/_ping', {});
      const alive = (await readAll(response)) === 'OK';
      if (alive) this.settleVersion(response);
      return alive;
    } catch {
      return false;
    }
  }

  /** A JSON request: resolves to the parsed body (undefined when empty), throws the engine's error. */
  async request<T>(method: string, path: string, init: RequestInit = {}): Promise<T> {
    if (!this.version) await this.negotiate();
    const { response } = await this.send(method, path, init);
    if ((response.statusCode ?? 500) >= 400) throw await errorFrom(response);
    const text = await readAll(response);
    return (text.trim() ? JSON.parse(text) : undefined) as T;
  }

  /** A streamed response (logs, events, archives): the caller reads it. */
  async stream(method: string, path: string, init: RequestInit = {}): Promise<IncomingMessage> {
    await this.negotiate();
    const { response } = await this.send(method, path, init);
    if ((response.statusCode ?? 500) >= 400) throw await errorFrom(response);
    return response;
  }

  /** A hijacked connection (attach, exec start): raw stdio both ways. */
  async hijack(method: string, path: string, init: RequestInit = {}): Promise<Socket> {
    await this.negotiate();
    const { response, socket, head } = await this.send(method, path, init, true);
    if (!socket) {
      if ((response.statusCode ?? 500) >= 400) throw await errorFrom(response);
      throw new EngineClientError(500, `the engine did not upgrade ${path}`);
    }
    if (head?.length) socket.unshift(head);
    return socket;
  }

  /**
   * POST /build: sends the context tar, hands each message to `onMessage`, and resolves
   * to the built image's ID; a build error is thrown as the engine worded it.
   */
  async build(
    context: Readable,
    query: Record<string, QueryValue>,
    onMessage: (message: BuildMessage) => void,
  ): Promise<string> {
    const response = await this.stream('POST', '/build', {
      query,
      body: context,
      headers: { 'Content-Type': 'application/x-tar' },
    });
    let id: string | undefined;
    const handle = (line: string) => {
      if (line.trim() === '') return;
      const message = JSON.parse(line) as BuildMessage;
      if (message.error !== undefined || message.errorDetail !== undefined) {
        throw new EngineClientError(400, message.errorDetail?.message ?? message.error ?? '');
      }
      id = message.aux?.ID ?? id;
      onMessage(message);
    };
    let pending = '';
    response.setEncoding('utf8');
    for await (const chunk of response as AsyncIterable<string>) {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(handle);
    }
    handle(pending);
    if (id === undefined) throw new EngineClientError(500, 'the build ended without an image ID');
    return id;
  }
}

/** One message of the stream POST /build answers with. */
export interface BuildMessage {
  stream?: string;
  aux?: { ID?: string };
  error?: string;
  errorDetail?: { message?: string };
}

/** Splits a multiplexed stdio stream into stdout and stderr chunks; resolves at its end. */
export async function demultiplex(
  stream: NodeJS.ReadableStream,
  onChunk: (stream: StdStream, payload: Buffer) => void,
): Promise<void> {
  const decoder = new FrameDecoder();
  for await (const chunk of stream as AsyncIterable<Buffer>) decoder.push(chunk, onChunk);
}
