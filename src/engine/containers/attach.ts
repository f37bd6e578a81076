import { once } from 'node:events';
import { connect } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { FrameFilter, type StdStream } from '../stdio-framing.js';
import { readLog, renderLine } from './logs.js';
import type { ContainerManager, LiveContainer } from './manager.js';

/** Where a client's stdio goes: a hijacked connection or a streamed HTTP response. */
export interface StdioEndpoint {
  output: Writable;
  /** The client's stdin, when the connection carries it. */
  input?: Readable;
  /** Resolves when the client goes away. */
  closed: Promise<void>;
}

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  stream: boolean;
  logs: boolean;
}

/** The content type Docker announces: raw for a TTY, multiplexed otherwise. */
export function streamContentType(tty: boolean): string {
  return tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream';
}

/**
 * Relays a client to the container's monitor attach socket: output as the monitor frames
 * it (filtered to the requested streams), client bytes to the container's stdin.
 */
async function relay(
  attachSocket: string,
  endpoint: StdioEndpoint,
  options: AttachOptions,
  tty: boolean,
): Promise<void> {
  const monitor = connect(attachSocket);
  await once(monitor, 'connect');
  const wanted = new Set<StdStream>([
    ...(options.stdout ? [1 as const] : []),
    ...(options.stderr ? [2 as const] : []),
  ]);
  const output: Readable =
    tty || wanted.size === 2 ? monitor : monitor.pipe(new FrameFilter(wanted));
  output.pipe(endpoint.output);
  if (options.stdin && endpoint.input) endpoint.input.pipe(monitor);
  monitor.on('error', () => endpoint.output.end());
  void endpoint.closed.then(() => monitor.destroy());
}

export async function attachContainer(
  manager: ContainerManager,
  live: LiveContainer,
  endpoint: StdioEndpoint,
  options: AttachOptions,
  attachSocket: string,
): Promise<void> {
  const tty = live.record.Config.Tty === true;
  if (options.logs) {
    const { lines } = await readLog(live.record.LogPath, {
      stdout: options.stdout,
      stderr: options.stderr,
      timestamps: false,
      tty,
    });
    for (const line of lines)
      endpoint.output.write(
        renderLine(line, { stdout: true, stderr: true, timestamps: false, tty }),
      );
  }
  if (!options.stream) {
    endpoint.output.end();
    return;
  }
  if (live.record.State.Running) {
    await relay(attachSocket, endpoint, options, tty).catch(() => endpoint.output.end());
    return;
  }
  const cancel = manager.onNextStart(live, async (socket) => {
    if (socket === undefined) endpoint.output.end();
    else await relay(socket, endpoint, options, tty);
  });
  void endpoint.closed.then(cancel);
}
