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

/** The one-line reason for a certificate verification error code, if it is one. */
export function certificateReason(code: string | undefined, detail?: string): string | undefined {
  if (!code) return undefined;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `host name mismatch: ${detail ?? 'the certificate does not name this host'}`;
  return CERT_REASONS[code];
}

/**
 * Turns a socket or TLS error into a user-facing error with one clear line
 * (SPEC §7, issue 2): what failed, where, and what to try.
 */
export function describeConnectError(err: NodeJS.ErrnoException & { reason?: string }, where: string): Error {
  const code = err.code ?? '';
  if (code === 'ETIMEDOUT') return new TimeoutError(`${where}: connection timed out`);
  const cert = certificateReason(code, err.reason ?? err.message);
  if (cert) return new ConnectionError(`${where}: TLS certificate verification failed: ${cert} (use -k to connect anyway)`);
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || code === 'ERR_SSL_HTTP_REQUEST') {
    return new ConnectionError(`${where}: TLS handshake failed: the server did not answer in TLS (a plaintext port? try without --tls, or with --starttls)`);
  }
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
