import { Transform, type TransformCallback } from 'node:stream';

/**
 * Docker's multiplexed stdio framing for non-TTY streams: an 8-byte header (stream type:
 * 0 stdin, 1 stdout, 2 stderr; three zero bytes; big-endian payload length) and payload.
 */
export type StdStream = 0 | 1 | 2;

export function encodeFrame(stream: StdStream, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Splits a framed byte stream back into frames, whatever chunk boundaries it arrives in. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer, onFrame: (stream: StdStream, payload: Buffer) => void): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + length) break;
      onFrame((this.pending[0] ?? 1) as StdStream, this.pending.subarray(8, 8 + length));
      this.pending = this.pending.subarray(8 + length);
    }
  }
}

/** Passes through only the frames of the wanted streams (attach with stdout but not stderr). */
export class FrameFilter extends Transform {
  private readonly decoder = new FrameDecoder();

  constructor(private readonly wanted: Set<StdStream>) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.decoder.push(chunk, (stream, payload) => {
      if (this.wanted.has(stream)) this.push(encodeFrame(stream, payload));
    });
    done();
  }
}
