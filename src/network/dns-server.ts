import dgram from 'node:dgram';
import net from 'node:net';
import type { Packet } from 'dns-packet';
import dnsPacket from 'dns-packet';
import { decide, servfail, truncateForUdp } from './dns-answer.js';
import { forwardQuery, takeMessage, type Upstream, withLength } from './dns-forwarder.js';
import type { DnsRegistry } from './dns-records.js';

export interface DnsServerOptions {
  networkId: string;
  /** The network's gateway: the address containers have as nameserver. */
  address: string;
  port?: number;
  registry: DnsRegistry;
  upstreams: Upstream[];
  /** Per upstream attempt. */
  timeoutMs?: number;
  localDomains?: string[];
  ttl?: number;
}

/**
 * One network's DNS server, on its gateway address, UDP and TCP: container names answered
 * from the registry, other names forwarded upstream (see dns-answer.ts for the rules).
 */
export class DnsServer {
  private readonly udp: dgram.Socket;
  private readonly tcp: net.Server;
  private readonly connections = new Set<net.Socket>();

  private constructor(private readonly options: DnsServerOptions) {
    this.udp = dgram.createSocket('udp4');
    this.tcp = net.createServer((socket) => this.serveTcp(socket));
  }

  /** Binds both sockets; rejects (with nothing left bound) when either cannot be bound. */
  static async start(options: DnsServerOptions): Promise<DnsServer> {
    const server = new DnsServer(options);
    const port = options.port ?? 53;
    try {
      await new Promise<void>((resolve, reject) => {
        server.udp.once('error', reject);
        server.udp.bind(port, options.address, () => resolve());
      });
      await new Promise<void>((resolve, reject) => {
        server.tcp.once('error', reject);
        server.tcp.listen(port, options.address, () => resolve());
      });
    } catch (error) {
      await server.close();
      throw error;
    }
    server.udp.on('message', (message, remote) => void server.serveUdp(message, remote));
    server.udp.on('error', () => {});
    return server;
  }

  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve) => {
      try {
        this.udp.close(() => resolve());
      } catch {
        resolve();
      }
    });
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }

  private async serveUdp(message: Buffer, remote: dgram.RemoteInfo): Promise<void> {
    const response = await this.answer(message, remote.address, 'udp');
    if (response) this.udp.send(response, remote.port, remote.address, () => {});
  }

  private serveTcp(socket: net.Socket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(10_000, () => socket.destroy());
    let pending: Buffer = Buffer.alloc(0);
    // Answers go back in query order: each waits for the one before it.
    let previous = Promise.resolve();
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (let taken = takeMessage(pending); taken; taken = takeMessage(pending)) {
        pending = taken.rest;
        const answered = this.answer(taken.message, socket.remoteAddress ?? '', 'tcp');
        previous = previous.then(async () => {
          const response = await answered;
          if (response && !socket.destroyed) socket.write(withLength(response));
        });
      }
    });
  }

  /** The raw response to one raw query; undefined for garbage that is not worth a reply. */
  private async answer(
    message: Buffer,
    clientAddress: string,
    transport: 'udp' | 'tcp',
  ): Promise<Buffer | undefined> {
    let query: Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return undefined;
    }
    const decision = decide(query, {
      registry: this.options.registry,
      networkId: this.options.networkId,
      clientAddress,
      localDomains: this.options.localDomains ?? [],
      ttl: this.options.ttl ?? 0,
    });
    const encoded =
      decision.kind === 'reply'
        ? dnsPacket.encode(decision.packet)
        : await this.forward(message, query);
    return transport === 'udp' ? truncateForUdp(query, encoded, udpLimit(query)) : encoded;
  }

  private async forward(message: Buffer, query: Packet): Promise<Buffer> {
    const upstreams = this.options.upstreams.filter(
      (upstream) => upstream.host !== this.options.address,
    );
    const forwarded = await forwardQuery(message, upstreams, this.options.timeoutMs ?? 2000);
    return forwarded ?? dnsPacket.encode(servfail(query));
  }
}

/** The largest UDP reply the client takes: 512, or what its EDNS OPT record advertises. */
export function udpLimit(query: Packet): number {
  const opt = query.additionals?.find((record) => record.type === 'OPT');
  const advertised = opt && 'udpPayloadSize' in opt ? opt.udpPayloadSize : 0;
  return Math.max(512, advertised);
}
