import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

export interface Upstream {
  host: string;
  port: number;
}

/** The `nameserver` lines of a resolv.conf, as upstreams on port 53. */
export function upstreamsFromResolvConf(text: string): Upstream[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([keyword, address]) => keyword === 'nameserver' && address && !address.includes(':'))
    .map(([, address]) => ({ host: address, port: 53 }));
}

/**
 * Sends a query to the upstreams in turn until one answers: over UDP first, again over TCP
 * when the UDP answer is truncated. Each attempt waits at most `timeoutMs`. Resolves with
 * the upstream's raw response, or undefined when none answered.
 */
export async function forwardQuery(
  query: Buffer,
  upstreams: Upstream[],
  timeoutMs: number,
): Promise<Buffer | undefined> {
  for (const upstream of upstreams) {
    const response = await queryUdp(query, upstream, timeoutMs).catch(() => undefined);
    if (!response) continue;
    if (!isTruncated(response)) return response;
    const full = await queryTcp(query, upstream, timeoutMs).catch(() => undefined);
    return full ?? response;
  }
  return undefined;
}

function isTruncated(response: Buffer): boolean {
  return response.length >= 4 && (response.readUInt16BE(2) & dnsPacket.TRUNCATED_RESPONSE) !== 0;
}

function queryUdp(query: Buffer, upstream: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => finish(new Error('timeout')), timeoutMs);
    const finish = (error?: Error, response?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      if (response) resolve(response);
      else reject(error);
    };
    socket.on('error', (error) => finish(error));
    socket.on('message', (message) => {
      // Only the answer to this query, by id; anything else on the socket is ignored.
      if (message.length >= 2 && message.readUInt16BE(0) === query.readUInt16BE(0)) {
        finish(undefined, message);
      }
    });
    socket.send(query, upstream.port, upstream.host);
  });
}

/** One query over TCP: a two-byte length prefix each way (RFC 1035 4.2.2). */
export function queryTcp(query: Buffer, upstream: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(upstream.port, upstream.host);
    let received: Buffer = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('timeout')));
    socket.on('error', reject);
    socket.on('connect', () => socket.write(withLength(query)));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const message = takeMessage(received);
      if (message) {
        socket.destroy();
        resolve(message.message);
      }
    });
    socket.on('close', () => reject(new Error('connection closed before an answer')));
  });
}

export function withLength(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

/** The first complete length-prefixed message in `buffer`, and what follows it. */
export function takeMessage(buffer: Buffer): { message: Buffer; rest: Buffer } | undefined {
  if (buffer.length < 2) return undefined;
  const length = buffer.readUInt16BE(0);
  if (buffer.length < 2 + length) return undefined;
  return { message: buffer.subarray(2, 2 + length), rest: buffer.subarray(2 + length) };
}
