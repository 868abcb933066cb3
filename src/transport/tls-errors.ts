import { ConnectionError, TimeoutError } from '../errors.js';

/** Certificate problems that `-k` lets the user go past. */
const CERT_REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  CERT_NOT_YET_VALID: 'the server certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain ends in a self-signed certificate that is not trusted (unknown CA)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate was issued by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT: 'the server certificate was issued by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the server certificate was issued by an unknown CA',
  CERT_UNTRUSTED: 'the server certificate is not trusted',
  CERT_REVOKED: 'the server certificate has been revoked',
  CERT_SIGNATURE_FAILURE: 'the server certificate signature is invalid',
};

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  EPIPE: 'the server closed the connection',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'temporary DNS failure',
  ENODATA: 'the name has no address of that family',
};

/** What was under way: TCP connect, a TLS handshake at connect, or one after STARTTLS. */
export type ConnectPhase = 'connect' | 'handshake' | 'starttls';

/** Handshakes that fail because the two sides have nothing in common. */
const HANDSHAKE_REASONS: Record<string, string> = {
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'no TLS version in common (the server may offer only TLS 1.0/1.1, which are disabled)',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'no TLS version in common (the server may offer only TLS 1.0/1.1, which are disabled)',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'no TLS version in common',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'the server refused the handshake: no cipher suite (or TLS version) in common',
  ERR_SSL_NO_SHARED_CIPHER: 'no cipher suite in common with the server',
  ERR_SSL_NO_CIPHERS_AVAILABLE: 'no cipher suite in common with the server',
};

/** Codes OpenSSL gives when the peer's bytes are not TLS records at all. */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST']);

/**
 * Whether the first bytes from a server are a TLS record (RFC 8446 §5.1:
 * type 21 alert or 22 handshake, then version 3.x): a TLS port spoken to
 * in plaintext.
 */
export function looksLikeTls(chunk: Buffer): boolean {
  return chunk.length >= 3 && (chunk[0] === 0x15 || chunk[0] === 0x16) && chunk[1] === 0x03 && chunk[2] <= 0x04;
}

/** Codes for a chain that ends at a CA mailsh does not know: `--ca FILE` is the fix, `-k` the last resort. */
const UNKNOWN_CA = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** What the server's certificate says, where Node has it (a failed verification). */
export interface PeerCertificate {
  valid_from?: string;
  valid_to?: string;
  subjectaltname?: string;
  subject?: { CN?: string | string[] };
}

/** The names a certificate holds: its subjectAltName entries, else its CN. */
function certificateNames(cert: PeerCertificate | undefined): string | undefined {
  const sans = cert?.subjectaltname?.split(/,\s*/).filter(Boolean);
  if (sans?.length) return sans.join(', ');
  const cn = cert?.subject?.CN;
  return cn === undefined ? undefined : `CN=${[cn].flat().join(', CN=')}`;
}

/** A date as `2001-01-01 00:00 UTC`, or the certificate's own wording. */
function when(date: string | undefined): string | undefined {
  if (!date) return undefined;
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? date : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The one-line reason for a certificate verification error code, if it is
 * one, with what the certificate says where it helps (issue 17 item 12):
 * when it expired, which names it holds.
 */
export function certificateReason(code: string | undefined, detail?: string, cert?: PeerCertificate): string | undefined {
  if (!code) return undefined;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = certificateNames(cert);
    // Node's reason may end in "list: " with nothing after it.
    if (!names) return `host name mismatch: ${detail?.replace(/[:\s]+$/, '') || 'the certificate does not name this host'}`;
    const host = /^Host: (\S+?)\.? is not|^IP: (\S+) is not/.exec(detail ?? '');
    return `host name mismatch: the certificate names ${names}${host ? `, not ${host[1] ?? host[2]}` : ''}`;
  }
  const reason = CERT_REASONS[code];
  if (code === 'CERT_HAS_EXPIRED' && when(cert?.valid_to)) return `${reason} (on ${when(cert?.valid_to)})`;
  if (code === 'CERT_NOT_YET_VALID' && when(cert?.valid_from)) return `${reason} (until ${when(cert?.valid_from)})`;
  return reason;
}

/** What to try after a certificate failure, most fitting first. */
function certificateAdvice(code: string): string {
  if (UNKNOWN_CA.has(code)) return 'give the CA that signed it with --ca FILE, or use -k to connect anyway';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'connect by one of those names, or verify another one with --sni NAME; -k connects anyway';
  return 'use -k to connect anyway';
}

/**
 * Turns a socket or TLS error into a user-facing error with one clear line
 * (SPEC §7, issue 2): what failed, where, and what to try.
 */
export interface ConnectErrorContext {
  /** What to try when the server turns out to speak plaintext, worded after what the user typed. */
  plaintextHint?: string;
}

export function describeConnectError(err: NodeJS.ErrnoException & { reason?: string; cert?: PeerCertificate }, where: string, phase: ConnectPhase = 'connect', context: ConnectErrorContext = {}): Error {
  const code = err.code ?? '';
  if (code === 'ETIMEDOUT') return new TimeoutError(`${where}: ${phase === 'connect' ? 'connection' : 'TLS handshake'} timed out`);
  const cert = certificateReason(code, err.reason ?? err.message, err.cert);
  if (cert) return new ConnectionError(`${where}: TLS certificate verification failed: ${cert} (${certificateAdvice(code)})`);
  if (NOT_TLS.has(code)) {
    // After STARTTLS, plaintext where TLS belongs is injected or buggy bytes.
    const why = phase === 'starttls'
      ? 'the server sent plaintext after its STARTTLS reply instead of TLS (STARTTLS injection or a broken server)'
      : `the server did not answer in TLS (a plaintext port? ${context.plaintextHint ?? 'try without --tls, or with --starttls'})`;
    return new ConnectionError(`${where}: TLS handshake failed: ${why}`);
  }
  if (HANDSHAKE_REASONS[code]) return new ConnectionError(`${where}: TLS handshake failed: ${HANDSHAKE_REASONS[code]}`);
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    const what = code.replace(/^ERR_(SSL|TLS)_/, '').replace(/^(SSLV3|TLSV1)_ALERT_/, 'alert ').toLowerCase().replace(/_/g, ' ');
    return new ConnectionError(`${where}: TLS handshake failed: ${what}`);
  }
  const reason = SOCKET_REASONS[code];
  if (reason) return new ConnectionError(`${where}: ${reason}`);
  if (/socket hang up|disconnected before/i.test(err.message)) {
    return new ConnectionError(`${where}: the server closed the connection during the TLS handshake`);
  }
  return new ConnectionError(`${where}: ${err.message}`);
}
