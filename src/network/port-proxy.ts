import dgram from 'node:dgram';
import net from 'node:net';
import { badParameter, EngineError } from '../errors/engine-error.js';

export type Protocol = 'tcp' | 'udp';

/** A port to publish: the host side is fixed (hostPort), a range (hostPort…hostPortEnd) or ephemeral. */
export interface PortRequest {
  containerPort: number;
  protocol: Protocol;
  /** Default 0.0.0.0. */
  hostIp?: string;
  hostPort?: number;
  hostPortEnd?: number;
}

export interface PublishedPort {
  containerPort: number;
  protocol: Protocol;
  hostIp: string;
  hostPort: number;
}

export interface PortProxyOptions {
  /** A UDP client session closes after this long without traffic. */
  udpIdleMs?: number;
}

/** The API's `PortBindings` ({"80/tcp": [{HostIp, HostPort}]}) as requests; HostPort may be "8000-8010" or "". */
export function requestsFromPortBindings(
  bindings: Record<string, { HostIp?: string; HostPort?: string }[] | null>,
): PortRequest[] {
  return Object.entries(bindings).flatMap(([key, hosts]) => {
    const [portText, protocolText = 'tcp'] = key.split('/');
    const containerPort = Number(portText);
    if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) {
      throw badParameter(`invalid container port ${JSON.stringify(key)} in PortBindings`);
    }
    if (protocolText !== 'tcp' && protocolText !== 'udp') {
      throw badParameter(
        `unsupported protocol ${JSON.stringify(protocolText)} in PortBindings ${key}`,
      );
    }
    return (hosts?.length ? hosts : [{}]).map((host) => {
      const [start, end] = (host.HostPort ?? '').split('-').filter(Boolean).map(Number);
      return {
        containerPort,
        protocol: protocolText,
        hostIp: host.HostIp || undefined,
        hostPort: start,
        hostPortEnd: end,
      } satisfies PortRequest;
    });
  });
}

interface Listener {
  port: PublishedPort;
  close(): Promise<void>;
}

/**
 * Published ports of one container by a userland proxy: TCP connections are piped to
 * `<container address>:<port>`, UDP datagrams relayed per client session. Every host port
 * is bound before any traffic flows, and a port that cannot be bound fails the whole open
 * with an error naming it, leaving nothing bound. close() closes every socket.
 */
export class PortProxy {
  private constructor(private readonly listeners: Listener[]) {}

  static async open(
    targetAddress: string,
    requests: PortRequest[],
    options: PortProxyOptions = {},
  ): Promise<PortProxy> {
    const listeners: Listener[] = [];
    try {
      for (const request of requests) {
        listeners.push(await bindRequest(targetAddress, request, options));
      }
    } catch (error) {
      await Promise.all(listeners.map((listener) => listener.close()));
      throw error;
    }
    return new PortProxy(listeners);
  }

  get ports(): PublishedPort[] {
    return this.listeners.map((listener) => listener.port);
  }

  /** `docker port` lines: `80/tcp -> 0.0.0.0:8080`. */
  describe(): string[] {
    return this.ports.map(
      (port) => `${port.containerPort}/${port.protocol} -> ${port.hostIp}:${port.hostPort}`,
    );
  }

  /** NetworkSettings.Ports as the API reports it. */
  toApiPorts(): Record<string, { HostIp: string; HostPort: string }[]> {
    const result: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const port of this.ports) {
      const key = `${port.containerPort}/${port.protocol}`;
      result[key] ??= [];
      result[key].push({ HostIp: port.hostIp, HostPort: String(port.hostPort) });
    }
    return result;
  }

  async close(): Promise<void> {
    await Promise.all(this.listeners.map((listener) => listener.close()));
  }
}

/** Tries the request's fixed port, each port of its range, or an ephemeral one. */
async function bindRequest(
  target: string,
  request: PortRequest,
  options: PortProxyOptions,
): Promise<Listener> {
  const hostIp = request.hostIp || '0.0.0.0';
  const first = request.hostPort ?? 0;
  const last = request.hostPortEnd ?? first;
  if (first < 0 || last > 65535 || last < first) {
    throw badParameter(`invalid host port range ${first}-${last}`);
  }
  for (let hostPort = first; hostPort <= last; hostPort++) {
    const port = { containerPort: request.containerPort, protocol: request.protocol, hostIp };
    try {
      return request.protocol === 'tcp'
        ? await bindTcp(target, { ...port, hostPort })
        : await bindUdp(target, { ...port, hostPort }, options.udpIdleMs ?? 30_000);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        throw new EngineError(
          500,
          `cannot publish port ${hostPort}/${request.protocol} on ${hostIp}: ${(error as Error).message}`,
        );
      }
    }
  }
  const ports = first === last ? `port ${first}` : `no port in ${first}-${last}`;
  const verb = first === last ? 'is already in use' : 'is free';
  throw new EngineError(409, `${ports}/${request.protocol} ${verb} on ${hostIp}`);
}

async function bindTcp(target: string, port: PublishedPort): Promise<Listener> {
  const connections = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port.containerPort, target);
    for (const socket of [client, upstream]) {
      connections.add(socket);
      socket.on('close', () => connections.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: port.hostPort, host: port.hostIp, exclusive: true }, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    port: { ...port, hostPort: address.port },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function bindUdp(target: string, port: PublishedPort, idleMs: number): Promise<Listener> {
  const listener = dgram.createSocket('udp4');
  const sessions = new Map<string, { socket: dgram.Socket; timer: NodeJS.Timeout }>();
  const endSession = (key: string) => {
    const session = sessions.get(key);
    if (!session) return;
    sessions.delete(key);
    clearTimeout(session.timer);
    session.socket.close();
  };
  const sessionFor = (client: dgram.RemoteInfo) => {
    const key = `${client.address}:${client.port}`;
    let session = sessions.get(key);
    if (!session) {
      const socket = dgram.createSocket('udp4');
      socket.on('message', (reply) => {
        listener.send(reply, client.port, client.address, () => {});
        touch(key);
      });
      socket.on('error', () => endSession(key));
      session = { socket, timer: setTimeout(() => endSession(key), idleMs) };
      sessions.set(key, session);
    }
    return { key, session };
  };
  const touch = (key: string) => {
    const session = sessions.get(key);
    if (session) session.timer.refresh();
  };
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.bind({ port: port.hostPort, address: port.hostIp, exclusive: true }, () => resolve());
  });
  listener.on('error', () => {});
  listener.on('message', (message, client) => {
    const { key, session } = sessionFor(client);
    session.socket.send(message, port.containerPort, target, () => {});
    touch(key);
  });
  return {
    port: { ...port, hostPort: listener.address().port },
    close: async () => {
      for (const key of [...sessions.keys()]) endSession(key);
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
