import type { Answer, Packet, Question } from 'dns-packet';
import dnsPacket from 'dns-packet';
import { type DnsRegistry, normalizeName } from './dns-records.js';

/** What the server does with a query: reply from the registry, or hand it upstream. */
export type Decision = { kind: 'reply'; packet: Packet } | { kind: 'forward' };

export interface AnswerContext {
  registry: DnsRegistry;
  networkId: string;
  clientAddress: string;
  /** Domains answered here only (NXDOMAIN when unknown), e.g. the project name. */
  localDomains: string[];
  ttl: number;
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 } as const;

/**
 * Names of our containers are answered here: A with every address, AAAA and other types
 * empty. Unknown single-label names and names under a local domain get NXDOMAIN; any
 * other name goes to the upstream resolvers.
 */
export function decide(query: Packet, context: AnswerContext): Decision {
  const question = query.questions?.[0];
  if (query.type !== 'query' || !question || (query.questions?.length ?? 0) !== 1) {
    return { kind: 'reply', packet: reply(query, RCODE.NOTIMP) };
  }
  const name = normalizeName(question.name);
  const addresses = context.registry.resolve(context.networkId, name, context.clientAddress);
  if (addresses) {
    if (question.type !== 'A') return { kind: 'reply', packet: reply(query, RCODE.NOERROR) };
    const answers: Answer[] = addresses.map((address) => ({
      type: 'A',
      class: 'IN',
      name: question.name,
      ttl: context.ttl,
      data: address,
    }));
    return { kind: 'reply', packet: reply(query, RCODE.NOERROR, answers) };
  }
  if (isLocalName(name, context.localDomains)) {
    return { kind: 'reply', packet: reply(query, RCODE.NXDOMAIN) };
  }
  return { kind: 'forward' };
}

function isLocalName(name: string, localDomains: string[]): boolean {
  return (
    !name.includes('.') ||
    localDomains.some((domain) => {
      const local = normalizeName(domain);
      return name === local || name.endsWith(`.${local}`);
    })
  );
}

/** A response to `query` with the given rcode, echoing its id, question and RD bit. */
export function reply(query: Packet, rcode: number, answers: Answer[] = []): Packet {
  const recursionDesired = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  return {
    id: query.id ?? 0,
    type: 'response',
    flags: recursionDesired | dnsPacket.RECURSION_AVAILABLE | rcode,
    questions: (query.questions ?? []) as Question[],
    answers,
  };
}

export const servfail = (query: Packet) => reply(query, RCODE.SERVFAIL);

/** A UDP reply too big for a plain 512-byte datagram: the TC bit, no answers (RFC 1035 4.2.1). */
export function truncateForUdp(query: Packet, encoded: Buffer, limit = 512): Buffer {
  if (encoded.length <= limit) return encoded;
  const packet = reply(query, 0);
  packet.flags = (packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE;
  return dnsPacket.encode(packet);
}
