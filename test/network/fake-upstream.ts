import dgram from 'node:dgram';
import net from 'node:net';
import type { Packet } from 'dns-packet';
import dnsPacket from 'dns-packet';
import { takeMessage, withLength } from '../../src/network/dns-forwarder.js';

/**
 * A fake upstream resolver on 127.0.0.1 (UDP and TCP on one port) so forwarding is tested
 * without contacting any real resolver: `outside.test` answers over both transports,
 * `big.test` only over TCP (its UDP answer is truncated), anything else is NXDOMAIN.
 */
export async function startFakeUpstream() {
  const queries: { name: string; transport: 'udp' | 'tcp' }[] = [];
  const answer = (message: Buffer, transport: 'udp' | 'tcp'): Buffer => {
    const query = dnsPacket.decode(message);
    const name = query.questions?.[0]?.name ?? '';
    queries.push({ name, transport });
    const a = (data: string) => ({ type: 'A' as const, class: 'IN' as const, name, ttl: 60, data });
    let flags = dnsPacket.RECURSION_AVAILABLE;
    let answers: Packet['answers'] = [];
    if (name === 'outside.test') answers = [a('10.99.0.1')];
    else if (name === 'big.test' && transport === 'udp') flags |= dnsPacket.TRUNCATED_RESPONSE;
    else if (name === 'big.test') answers = [a('10.99.0.2')];
    else flags |= 3; // NXDOMAIN
    const questions = query.questions;
    return dnsPacket.encode({ id: query.id, type: 'response', flags, questions, answers });
  };

  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const port = udp.address().port;
  udp.on('message', (message, remote) =>
    udp.send(answer(message, 'udp'), remote.port, remote.address),
  );
  const tcp = net.createServer((socket) => {
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (let taken = takeMessage(pending); taken; taken = takeMessage(pending)) {
        pending = taken.rest;
        socket.write(withLength(answer(taken.message, 'tcp')));
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, '127.0.0.1', resolve);
  });
  return {
    upstream: { host: '127.0.0.1', port },
    queries,
    close: async () => {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
