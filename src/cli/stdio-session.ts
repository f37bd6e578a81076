import type { Socket } from 'node:net';
import { demultiplex } from '../engine/client.js';

export interface StdioSessionOptions {
  tty: boolean;
  /** Forward this process's stdin (until its end, then half-close the connection). */
  stdin: boolean;
}

/**
 * Joins this terminal to a hijacked container connection (exec, attach): output to
 * stdout/stderr (demultiplexed unless a TTY), stdin forwarded, the terminal in raw mode
 * while a TTY session lasts. Resolves when the container side closes.
 */
export async function joinStdio(socket: Socket, options: StdioSessionOptions): Promise<void> {
  const terminal = options.tty && process.stdin.isTTY === true;
  if (terminal) process.stdin.setRawMode(true);
  if (options.stdin) {
    process.stdin.pipe(socket, { end: false });
    process.stdin.once('end', () => socket.end());
  }
  try {
    if (options.tty) {
      await new Promise<void>((resolve, reject) => {
        socket.on('data', (chunk: Buffer) => process.stdout.write(chunk));
        socket.once('end', resolve);
        socket.once('close', resolve);
        socket.once('error', reject);
      });
    } else {
      await demultiplex(socket, (stream, payload) =>
        (stream === 2 ? process.stderr : process.stdout).write(payload),
      );
    }
  } finally {
    if (options.stdin) process.stdin.unpipe(socket);
    if (terminal) process.stdin.setRawMode(false);
    process.stdin.pause();
    socket.destroy();
  }
}
