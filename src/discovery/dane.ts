import { createHash, X509Certificate } from 'node:crypto';
import { queryDns, TYPES } from './dns-query.js';
import { spki } from '../transport/certificate-info.js';
import type { TlsSummary } from '../transport/tls-summary.js';

/** One TLSA record (RFC 6698 §2.1). */
export interface Tlsa {
  usage: number;
  selector: number;
  matching: number;
  data: Buffer;
}

/** `3 1 1 ab12…`, as in a zone file (the data shortened). */
function tlsaText(r: Tlsa): string {
  const hex = r.data.toString('hex');
  return `${r.usage} ${r.selector} ${r.matching} ${hex.length > 16 ? `${hex.slice(0, 16)}…` : hex}`;
}

export type TlsaLookup =
  | { kind: 'none' }
  | { kind: 'unsigned'; records: Tlsa[] }
  | { kind: 'signed'; records: Tlsa[] };

/**
 * `_PORT._tcp.HOST` TLSA records; only an answer with the AD bit counts
 * (RFC 7672 §2.2: TLSA records not validated by DNSSEC are ignored, as
 * posttls-finger does).
 */
export async function lookupTlsa(server: string | undefined, host: string, port: number, timeoutMs: number): Promise<TlsaLookup> {
  const answer = await queryDns(server, `_${port}._tcp.${host}`, TYPES.TLSA, timeoutMs);
  const records = answer.records.filter((r) => r.length >= 3).map((r) => ({ usage: r[0], selector: r[1], matching: r[2], data: r.subarray(3) }));
  if (records.length === 0) return { kind: 'none' };
  return { kind: answer.authenticated ? 'signed' : 'unsigned', records };
}

function associated(cert: X509Certificate, r: Tlsa): Buffer | undefined {
  const content = r.selector === 0 ? cert.raw : r.selector === 1 ? spki(cert) : undefined;
  if (!content) return undefined;
  if (r.matching === 0) return content;
  if (r.matching === 1) return createHash('sha256').update(content).digest();
  if (r.matching === 2) return createHash('sha512').update(content).digest();
  return undefined;
}

/**
 * The first record that matches the chain the server sent (leaf first):
 * DANE-EE (3) the leaf, whatever its name or dates (RFC 7672 §3.1.1);
 * DANE-TA (2) a certificate above the leaf that issued the chain, with
 * the leaf naming `name` (§3.1.2). PKIX usages 0/1 do not apply to SMTP
 * (§3.1.3).
 */
function matchTlsa(records: Tlsa[], chain: X509Certificate[], name: string): Tlsa | undefined {
  const [leaf] = chain;
  if (!leaf) return undefined;
  return records.find((r) => {
    if (r.usage === 3) return associated(leaf, r)?.equals(r.data) ?? false;
    if (r.usage !== 2 || !leaf.checkHost(name)) return false;
    const at = chain.findIndex((c, i) => i > 0 && associated(c, r)?.equals(r.data));
    // Every certificate below the anchor must be signed by the next one up.
    return at > 0 && chain.slice(0, at).every((c, i) => c.verify(chain[i + 1].publicKey));
  });
}

/** The verdict for one host, in words: `ok (3 1 1 …)`, `FAIL: …`, `none`. */
export function daneVerdict(lookup: TlsaLookup, chain: X509Certificate[], name: string): { level: 'ok' | 'warn' | 'fail' | 'none'; text: string } {
  if (lookup.kind === 'none') return { level: 'none', text: 'no TLSA records' };
  if (lookup.kind === 'unsigned') return { level: 'warn', text: `${lookup.records.length} TLSA record(s) ignored: not DNSSEC-authenticated (no AD bit)` };
  const usable = lookup.records.filter((r) => r.usage === 2 || r.usage === 3);
  if (usable.length === 0) return { level: 'fail', text: 'TLSA records present but none usable for SMTP (usages 0/1 only)' };
  const hit = matchTlsa(usable, chain, name);
  return hit ? { level: 'ok', text: `matched ${tlsaText(hit)}` } : { level: 'fail', text: `no TLSA record matches the chain (${usable.map(tlsaText).join(', ')})` };
}

/**
 * `--dane`: the connection's verifier (TlsSettings.verifyPeer): the
 * DNSSEC-authenticated TLSA records of `_PORT._tcp.NAME` must match the
 * chain; resolves to the record that matched, rejects with why not.
 */
export function daneVerifier(server: string | undefined, name: string, port: number, timeoutMs: number): (info: TlsSummary) => Promise<string> {
  return async (info) => {
    const lookup = await lookupTlsa(server, name, port, timeoutMs);
    if (lookup.kind === 'none') throw new Error(`no TLSA records for _${port}._tcp.${name}`);
    if (lookup.kind === 'unsigned') throw new Error(`the TLSA records of _${port}._tcp.${name} are not DNSSEC-authenticated (no AD bit)`);
    const hit = matchTlsa(lookup.records, info.chain.map((c) => new X509Certificate(c.pem)), name);
    if (!hit) throw new Error(`no TLSA record of _${port}._tcp.${name} matches the chain (${lookup.records.map(tlsaText).join(', ')})`);
    return `TLSA ${tlsaText(hit)} of _${port}._tcp.${name}`;
  };
}
