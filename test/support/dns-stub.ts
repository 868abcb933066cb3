/**
 * A DNS server on 127.0.0.1 for discovery tests: answers from a fixed zone
 * over UDP, so no test ever asks a real resolver. Packets are encoded and
 * decoded with dns-packet (names, compression, MX/SRV/AAAA rdata, EDNS).
 */
import dgram from 'node:dgram';
import dnsPacket, { AUTHENTIC_DATA, RECURSION_AVAILABLE, RECURSION_DESIRED, type Answer } from 'dns-packet';

export interface StubName {
  MX?: [preference: number, exchange: string][];
  A?: string[];
  AAAA?: string[];
  SRV?: [priority: number, weight: number, port: number, target: string][];
  TXT?: string[];
  TLSA?: [usage: number, selector: number, matchingType: number, data: Buffer][];
  /** Set the AD bit (RFC 4035 §3.2.3): the answer claims DNSSEC validation. */
  ad?: boolean;
  /** Answer every query for this name with SERVFAIL, or never answer. */
  fail?: 'SERVFAIL' | 'silent';
}

/** Names (lower case, no final dot) → records; a name not listed is NXDOMAIN. */
export type StubZone = Record<string, StubName>;

export interface DnsStub {
  /** `127.0.0.1:PORT`, for `--dns`. */
  server: string;
  /** Every query received, as `TYPE name`. */
  queries: string[];
  close(): Promise<void>;
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

function answers(name: string, type: string, entry: StubName): Answer[] {
  const ttl = 60;
  switch (type) {
    case 'MX':
      return (entry.MX ?? []).map(([preference, exchange]) => ({ type: 'MX', name, ttl, data: { preference, exchange } }));
    case 'A':
      return (entry.A ?? []).map((data) => ({ type: 'A', name, ttl, data }));
    case 'AAAA':
      return (entry.AAAA ?? []).map((data) => ({ type: 'AAAA', name, ttl, data }));
    case 'SRV':
      return (entry.SRV ?? []).map(([priority, weight, port, target]) => ({ type: 'SRV', name, ttl, data: { priority, weight, port, target } }));
    case 'TXT':
      return (entry.TXT ?? []).map((data) => ({ type: 'TXT', name, ttl, data }));
    case 'TLSA':
      return (entry.TLSA ?? []).map(([usage, selector, matchingType, certificate]) => ({ type: 'TLSA', name, ttl, data: { usage, selector, matchingType, certificate } }) as unknown as Answer);
    default:
      return [];
  }
}

export async function startDnsStub(zone: StubZone): Promise<DnsStub> {
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, peer) => {
    const query = dnsPacket.decode(msg);
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    queries.push(`${question.type} ${name}`);
    const entry = zone[name];
    if (entry?.fail === 'silent') return;
    const rcode = !entry ? RCODE.NXDOMAIN : entry.fail === 'SERVFAIL' ? RCODE.SERVFAIL : RCODE.NOERROR;
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id,
      // The rcode is the low four bits of the flags word (RFC 1035 §4.1.1).
      flags: RECURSION_DESIRED | RECURSION_AVAILABLE | (entry?.ad ? AUTHENTIC_DATA : 0) | rcode,
      questions: [question],
      answers: entry && rcode === RCODE.NOERROR ? answers(question.name, question.type, entry) : [],
    });
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
