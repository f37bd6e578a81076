import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

export interface SpawnResult {
  /** Exit status: 128+N after signal N, 127 when the program could not run. */
  status: number;
  stdout: string;
  stderr: string;
}

/** How the helper answers a request. */
export interface SpawnOptions {
  /** The program's stdin (/dev/null without). */
  input?: string;
  /**
   * Answer once the program's stdout and stderr are closed, without waiting for it to exit
   * (status 0 unless it had exited): for a program that lives on after its answer, such as
   * `tcrun run --detach --in-place`, which becomes the container's monitor.
   */
  answerAtEndOfOutput?: boolean;
}

/** The request flag for answerAtEndOfOutput (SPAWN_ANSWER_AT_EOF in native/src/spawner.h). */
const ANSWER_AT_EOF = 1;

interface Pending {
  resolve: (result: SpawnResult) => void;
  reject: (error: Error) => void;
}

const u32 = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value >>> 0);
  return bytes;
};

/**
 * Runs short programs (tcrun commands, mount, ip...) through `tcrun spawner`, a small helper
 * process that forks them: a fork of the engine itself, tens of megabytes, costs milliseconds
 * of its main thread per program, and 50 containers starting at once pay that in a row. The
 * helper starts on first use, dies with the engine, and is started again if it fails.
 */
export class Spawner {
  private helper: ChildProcessByStdio<Writable, Readable, null> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private received: Buffer = Buffer.alloc(0);

  constructor(private readonly tcrun: string) {}

  /** Runs `program` (PATH searched). */
  run(program: string, args: string[], options: SpawnOptions = {}): Promise<SpawnResult> {
    const helper = this.helper ?? this.start();
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0 || 1;
    const stdin = Buffer.from(options.input ?? '');
    const payload = Buffer.concat([
      u32(id),
      u32(options.answerAtEndOfOutput ? ANSWER_AT_EOF : 0),
      u32(stdin.length),
      stdin,
      ...[program, ...args].map((arg) => Buffer.from(`${arg}\0`)),
    ]);
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) (helper.stdout as Socket).ref();
      this.pending.set(id, { resolve, reject });
      helper.stdin.write(Buffer.concat([u32(payload.length), payload]));
    });
  }

  private start() {
    const helper = spawn(this.tcrun, ['spawner'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.helper = helper;
    helper.unref();
    // Idle, the helper's pipes must not keep the engine's event loop alive.
    (helper.stdin as Socket).unref();
    (helper.stdout as Socket).unref();
    helper.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    const fail = (error: Error) => {
      if (this.helper !== helper) return;
      this.helper = undefined;
      this.received = Buffer.alloc(0);
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    helper.on('error', fail);
    helper.on('exit', (code, signal) =>
      fail(new Error(`tcrun spawner exited (${signal ?? code})`)),
    );
    helper.stdin.on('error', fail);
    return helper;
  }

  /** Replies: u32 length, u32 id, i32 status, u32 stdout length, stdout, stderr. */
  private receive(chunk: Buffer): void {
    this.received = this.received.length ? Buffer.concat([this.received, chunk]) : chunk;
    while (this.received.length >= 4) {
      const length = this.received.readUInt32LE(0);
      if (this.received.length < 4 + length) break;
      const frame = this.received.subarray(4, 4 + length);
      this.received = this.received.subarray(4 + length);
      const id = frame.readUInt32LE(0);
      const status = frame.readInt32LE(4);
      const stdoutLength = frame.readUInt32LE(8);
      const waiting = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0 && this.helper) (this.helper.stdout as Socket).unref();
      waiting?.resolve({
        status,
        stdout: frame.subarray(12, 12 + stdoutLength).toString('utf8'),
        stderr: frame.subarray(12 + stdoutLength).toString('utf8'),
      });
    }
  }
}
