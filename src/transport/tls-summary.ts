import { checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';
import { certificateReason } from './tls-errors.js';

/** What `/tls` prints and the transcript notes about a TLS session (SPEC §7). */
export interface TlsSummary {
  protocol: string;
  cipher: string;
  /** `ok`, or the reason verification failed (only possible with -k). */
  verify: string;
  subject: string;
  issuer: string;
  sans: string[];
  validFrom: string;
  validTo: string;
  fingerprint256: string;
}

function dn(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

/** Summarises a connected TLS socket; `identity` is the name that was verified. */
export function summarizeTls(socket: TLSSocket, identity: string): TlsSummary {
  const cert = socket.getPeerCertificate();
  let verify = 'ok';
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'unknown error');
    verify = certificateReason(code) ?? code;
  }
  // Node checks the host name only when it rejects unauthorized peers, so
  // with -k the check is repeated here to report it.
  if (verify === 'ok' && cert && Object.keys(cert).length > 0) {
    const mismatch = checkServerIdentity(identity, cert);
    if (mismatch) verify = `host name mismatch: ${mismatch.message}`;
  }
  return {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: socket.getCipher()?.standardName ?? socket.getCipher()?.name ?? 'unknown',
    verify,
    subject: dn(cert?.subject),
    issuer: dn(cert?.issuer),
    sans: cert?.subjectaltname ? cert.subjectaltname.split(/,\s*/) : [],
    validFrom: cert?.valid_from ?? '',
    validTo: cert?.valid_to ?? '',
    fingerprint256: cert?.fingerprint256 ?? '',
  };
}

/** The transcript note for a new TLS session, e.g. `tls TLSv1.3 … verify=ok subject=CN=x`. */
export function tlsNote(s: TlsSummary): string {
  return `tls ${s.protocol} ${s.cipher} verify=${s.verify === 'ok' ? 'ok' : `failed(${s.verify})`} subject=${s.subject.replace(/, /g, ',')}`;
}

/** The multi-line report printed by `/tls`. */
export function formatTlsSummary(s: TlsSummary): string[] {
  return [
    `protocol  ${s.protocol}`,
    `cipher    ${s.cipher}`,
    `verified  ${s.verify}`,
    `subject   ${s.subject}`,
    `SANs      ${s.sans.join(', ') || '(none)'}`,
    `issuer    ${s.issuer}`,
    `valid     ${s.validFrom} — ${s.validTo}`,
    `sha256    ${s.fingerprint256}`,
  ];
}
