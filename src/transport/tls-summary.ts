import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, type DetailedPeerCertificate, type PeerCertificate, type TLSSocket } from 'node:tls';
import { certificateReason } from './tls-errors.js';
import { certificateInfo, pemBodies, type CertInfo } from './certificate-info.js';
import { groupName } from './tls-choice.js';
import { ocspInfo, type OcspInfo } from './ocsp.js';

/** What `/tls` prints and the transcript notes about a TLS session (SPEC §7, issue 19). */
export interface TlsSummary {
  protocol: string;
  cipher: string;
  /** The ephemeral key exchange: `X25519`, `P-256`, `DH 2048`, or `none`. */
  keyExchange: string;
  /** The ALPN protocol agreed, or `none`. */
  alpn: string;
  /** Whether this handshake resumed an earlier session. */
  resumed: boolean;
  /** Whether the server issued a session ticket (set when it arrives, after the handshake in TLS 1.3). */
  ticket: boolean;
  /** `ok`, or the reason verification failed (only possible with -k). */
  verify: string;
  /** How verification concluded: the trust anchor and the name, or what failed. */
  verifyDetail: string;
  /** The chain, leaf first, as the server sent it and completed from the trust store. */
  chain: CertInfo[];
  /** Whether the server sent every certificate up to a trust anchor. */
  chainComplete: boolean;
  chainNote: string;
  /** Absent: not requested (--ocsp); `stapled: false`: requested, none came. */
  ocsp?: { stapled: false } | ({ stapled: true } & OcspInfo);
  /** `--dane`: which TLSA record matched, set by the caller. */
  dane?: string;
}

/** What the handshake left besides the socket. */
export interface HandshakeExtras {
  /** The base64 bodies of the trusted certificates: the `--ca` file or Node's bundled roots. */
  trustStore: () => Set<string>;
  /** `--ocsp` was asked: the stapled response, or null when none came. */
  ocsp?: Buffer | null;
  now?: Date;
}

/** The chain Node built: the certificates sent, ordered by issuer, then any from the trust store. */
function peerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<DetailedPeerCertificate>();
  for (let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true); c?.raw && !seen.has(c); c = c.issuerCertificate) {
    seen.add(c);
    chain.push(new X509Certificate(c.raw));
  }
  return chain;
}

function keyExchange(socket: TLSSocket): string {
  const info = socket.getEphemeralKeyInfo();
  if (!info || !('type' in info) || !info.type) return 'none';
  return info.type === 'DH' ? `DH ${info.size}` : groupName(info.name ?? 'ECDH');
}

/** Whether the chain reached a trust anchor and which certificates mailsh's store supplied. */
function chainVerdict(chain: CertInfo[], inStore: boolean[]): { complete: boolean; note: string } {
  const last = chain.at(-1);
  if (!last) return { complete: false, note: 'no certificate' };
  const count = `${chain.length} certificate${chain.length === 1 ? '' : 's'}`;
  if (!last.selfSigned) {
    return { complete: false, note: `${count}, incomplete: it ends at "${last.subject}", whose issuer "${last.issuer}" the server did not send and mailsh does not have` };
  }
  // Node completes a chain from the trust store: an intermediate found there may not have been sent.
  const borrowed = chain.filter((c, i) => i > 0 && !c.selfSigned && inStore[i]);
  if (borrowed.length > 0) {
    return { complete: false, note: `${count}, complete only with the trust store's copy of ${borrowed.map((c) => `"${c.subject}"`).join(', ')} (the server may not have sent it)` };
  }
  return { complete: true, note: `${count}, complete up to "${last.subject}"${inStore.at(-1) ? ' (a trust anchor)' : ''}` };
}

/**
 * Why the server's certificate is not to be trusted for `identity`, or
 * undefined: the chain as OpenSSL verified it, then the name (RFC 6125), as
 * Node does with rejectUnauthorized. mailsh handshakes without it and
 * decides here, once, for both the refusal (connection.ts) and the verdict
 * `/tls` shows with -k; the error carries the code and the certificate.
 */
export function verificationFailure(socket: TLSSocket, identity: string): (Error & { code: string; cert: PeerCertificate }) | undefined {
  const cert = socket.getPeerCertificate();
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'CERT_UNTRUSTED');
    return Object.assign(new Error(code), { code, cert });
  }
  const mismatch = checkServerIdentity(identity, cert);
  return mismatch ? Object.assign(mismatch, { code: 'ERR_TLS_CERT_ALTNAME_INVALID', cert }) : undefined;
}

/** Summarises a connected TLS socket; `identity` is the name that was verified. */
export function summarizeTls(socket: TLSSocket, identity: string, extras: HandshakeExtras): TlsSummary {
  const now = extras.now ?? new Date();
  const certs = peerChain(socket);
  const chain = certs.map((c) => certificateInfo(c, now));
  const store = chain.length > 1 ? extras.trustStore() : new Set<string>();
  const inStore = chain.map((c) => store.has(pemBodies(c.pem)[0]));
  const failure = verificationFailure(socket, identity);
  let verify = 'ok';
  if (failure?.code === 'ERR_TLS_CERT_ALTNAME_INVALID') verify = `host name mismatch: ${failure.message}`;
  else if (failure) verify = certificateReason(failure.code) ?? failure.code;
  const anchor = chain.at(-1);
  const verifyDetail = verify === 'ok' ? `ok: the chain ends at the trusted "${anchor?.subject}" and the certificate names ${identity}` : `failed: ${verify}`;
  const { complete, note } = chainVerdict(chain, inStore);
  const cipher = socket.getCipher();
  let ocsp: TlsSummary['ocsp'];
  if (extras.ocsp === null) ocsp = { stapled: false };
  else if (extras.ocsp) ocsp = { stapled: true, ...ocspInfo(extras.ocsp, certs[0], certs[1]) };
  return {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: cipher?.standardName ?? cipher?.name ?? 'unknown',
    keyExchange: keyExchange(socket),
    alpn: socket.alpnProtocol || 'none',
    resumed: socket.isSessionReused(),
    ticket: false,
    verify,
    verifyDetail,
    chain,
    chainComplete: complete,
    chainNote: note,
    ocsp,
  };
}

/** The transcript note for a new TLS session, e.g. `tls TLSv1.3 … verify=ok subject=CN=x key=X25519`. */
export function tlsNote(s: TlsSummary): string {
  const leaf = s.chain[0];
  const days = leaf ? ` days=${leaf.daysLeft}` : '';
  return `tls ${s.protocol} ${s.cipher} verify=${s.verify === 'ok' ? 'ok' : `failed(${s.verify})`} subject=${(leaf?.subject ?? '').replace(/, /g, ',')} key=${s.keyExchange} alpn=${s.alpn}${days}`;
}

/** The connect note: `TLS TLSv1.3 TLS_AES_256_GCM_SHA384, X25519, certificate verified (…)`. */
export function tlsConnectNote(s: TlsSummary): string {
  const alpn = s.alpn === 'none' ? '' : `, ALPN ${s.alpn}`;
  const leaf = s.chain[0] ? ` (${s.chain[0].subject}, ${s.chain[0].daysLeft} days left${s.chainComplete ? '' : ', chain incomplete'})` : '';
  const verified = s.verify === 'ok' ? `certificate verified${s.dane ? ` by DANE: ${s.dane}` : ''}` : `certificate NOT verified: ${s.verify}`;
  return `TLS ${s.protocol} ${s.cipher}, ${s.keyExchange}${alpn}, ${verified}${leaf}`;
}

function ocspLines(o: NonNullable<TlsSummary['ocsp']>): string[] {
  if (!o.stapled) return ['OCSP      no response stapled'];
  return [
    `OCSP      stapled: ${o.status}`,
    ...(o.thisUpdate ? [`  updated   ${o.thisUpdate}${o.nextUpdate ? `, next ${o.nextUpdate}` : ''}`] : []),
    `  check     ${o.verification}`,
  ];
}

/** The multi-line report printed by `/tls`. */
export function formatTlsSummary(s: TlsSummary): string[] {
  return [
    `protocol  ${s.protocol}`,
    `cipher    ${s.cipher}`,
    `key exch  ${s.keyExchange}`,
    `ALPN      ${s.alpn}`,
    `resumed   ${s.resumed ? 'yes' : 'no'}${s.ticket ? ' (the server issued a session ticket)' : ''}`,
    `verified  ${s.dane ? `ok by DANE: ${s.dane}` : s.verifyDetail}`,
    `chain     ${s.chainNote}`,
    ...s.chain.flatMap((c, i) => [
      `cert ${i}    ${i === 0 ? 'leaf' : c.selfSigned ? 'root' : 'intermediate'}`,
      `  subject   ${c.subject}`,
      `  SANs      ${c.sans.join(', ') || '(none)'}`,
      `  issuer    ${c.issuer}`,
      `  valid     ${c.validFrom} — ${c.validTo} (${c.daysLeft < 0 ? `expired ${-c.daysLeft} days ago` : `${c.daysLeft} days left`})`,
      `  key       ${c.key}, signed with ${c.signature}`,
      `  sha256    ${c.fingerprint256}`,
      `  pin       pin-sha256:${c.pinSha256}`,
    ]),
    ...(s.ocsp ? ocspLines(s.ocsp) : []),
  ];
}

/** The summary as transcript fields (jsonl): everything but the PEM. */
export function tlsFields(s: TlsSummary): Record<string, unknown> {
  const { chain, ...rest } = s;
  return { ...rest, chain: chain.map(({ pem: _pem, ...c }) => c) };
}

/** The chain as PEM, leaf first (`--showcerts`, `/tls save`). */
export function chainPem(s: TlsSummary): string {
  return s.chain.map((c) => c.pem).join('');
}
