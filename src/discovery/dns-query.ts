import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import { ConnectionError, TimeoutError } from '../errors.js';

/**
 * A raw DNS query over UDP (RFC 1035 §4) for what c-ares does not tell:
 * whether the resolver validated the answer with DNSSEC (the AD bit, RFC
 * 4035 §3.2.3, asked for with the DO bit, RFC 3225), which DANE needs
 * (RFC 7672 §2.2). Just the record types mailsh reads: TLSA and TXT.
 */
export const TYPES = { TXT: 16, TLSA: 52 } as const;

export interface DnsAnswer {
  /** The AD bit: the resolver says the answer is DNSSEC-authenticated. */
  authenticated: boolean;
  /** NOERROR 0, NXDOMAIN 3, … (RFC 1035 §4.1.1). */
  rcode: number;
  /** The rdata of every answer record of the asked type. */
  records: Buffer[];
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean).map((l) => Buffer.from(l, 'ascii'));
  return Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])]);
}

/** The offset after a (possibly compressed) name at `at` (RFC 1035 §4.1.4). */
function skipName(msg: Buffer, at: number): number {
  for (;;) {
    const len = msg[at];
    if (len === undefined) throw new Error('truncated name');
    if ((len & 0xc0) === 0xc0) return at + 2;
    if (len === 0) return at + 1;
    at += len + 1;
  }
}

function encodeQuery(id: number, name: string, type: number): Buffer {
  // Header: RD and AD set (RFC 6840 §5.7: AD in a query asks for the AD bit in the reply), one question, one OPT.
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0120, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 10);
  const question = Buffer.concat([encodeName(name), Buffer.from([type >> 8, type & 0xff, 0, 1])]);
  // OPT RR (RFC 6891 §6.1.2): root name, type 41, UDP size 1232, DO bit (RFC 3225).
  const opt = Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0]);
  return Buffer.concat([header, question, opt]);
}

function decodeAnswer(msg: Buffer, id: number, type: number): DnsAnswer {
  if (msg.length < 12 || msg.readUInt16BE(0) !== id) throw new Error('not the answer to this query');
  const flags = msg.readUInt16BE(2);
  const qd = msg.readUInt16BE(4);
  const an = msg.readUInt16BE(6);
  let at = 12;
  for (let i = 0; i < qd; i++) at = skipName(msg, at) + 4;
  const records: Buffer[] = [];
  for (let i = 0; i < an; i++) {
    at = skipName(msg, at);
    const rtype = msg.readUInt16BE(at);
    const len = msg.readUInt16BE(at + 8);
    if (rtype === type) records.push(msg.subarray(at + 10, at + 10 + len));
    at += 10 + len;
  }
  return { authenticated: (flags & 0x0020) !== 0, rcode: flags & 0x0f, records };
}

/** `host` and `port` of a parseDnsServer result, or of the system's first resolver. */
function serverAddress(server: string | undefined): { host: string; port: number } {
  const spec = server ?? getServers()[0];
  if (!spec) throw new ConnectionError('no DNS server configured (use --dns SERVER)');
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec);
  if (v6) return { host: v6[1], port: Number(v6[2] ?? 53) };
  if (isIP(spec) === 6) return { host: spec, port: 53 };
  const [host, port] = spec.split(':');
  return { host, port: Number(port ?? 53) };
}

/** Asks `server` (or the system's resolver) for `type` records of `name`. */
export function queryDns(server: string | undefined, name: string, type: number, timeoutMs: number): Promise<DnsAnswer> {
  const { host, port } = serverAddress(server);
  const id = randomInt(0x10000);
  const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  return new Promise<DnsAnswer>((resolve, reject) => {
    const timer = setTimeout(() => done(new TimeoutError(`DNS ${name}: no answer from the DNS server (timeout)`)), timeoutMs);
    const done = (err: Error | undefined, answer?: DnsAnswer): void => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(answer!);
    };
    socket.on('error', (err) => done(new ConnectionError(`DNS ${name}: ${err.message}`)));
    socket.on('message', (msg) => {
      try {
        done(undefined, decodeAnswer(msg, id, type));
      } catch {
        // Not ours or garbled: keep waiting for the real answer until the timeout.
      }
    });
    socket.send(encodeQuery(id, name, type), port, host);
  });
}

/** TXT rdata: one or more length-prefixed strings, joined (RFC 7208 §3.3 does so too). */
export function txtText(rdata: Buffer): string {
  let out = '';
  for (let at = 0; at < rdata.length; at += rdata[at] + 1) out += rdata.subarray(at + 1, at + 1 + rdata[at]).toString('utf8');
  return out;
}
