import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { certificateSignatureAlgorithm } from './der.js';

/** One certificate of a chain as `/tls` shows it (issue 19). */
export interface CertInfo {
  subject: string;
  sans: string[];
  issuer: string;
  validFrom: string;
  validTo: string;
  /** Whole days until validTo; negative once expired. */
  daysLeft: number;
  /** `RSA 2048`, `EC P-256`, `Ed25519`. */
  key: string;
  signature: string;
  fingerprint256: string;
  /** base64 SHA-256 of the SubjectPublicKeyInfo (RFC 7469 §2.4, gnutls-cli's pin-sha256). */
  pinSha256: string;
  pem: string;
  selfSigned: boolean;
}

const DAY_MS = 86_400_000;

/** `CN=x\nO=y` → `CN=x, O=y`. */
function dn(text: string): string {
  return text.split('\n').filter(Boolean).join(', ');
}

function keyDescription(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return `${key.asymmetricKeyType.toUpperCase()} ${d.modulusLength ?? '?'}`;
    case 'ec':
      return `EC ${{ prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }[d.namedCurve ?? ''] ?? d.namedCurve}`;
    case 'ed25519':
      return 'Ed25519';
    default:
      return key.asymmetricKeyType ?? 'unknown';
  }
}

/** The SPKI pin of a certificate (RFC 7469 §2.4; also DANE selector 1, RFC 6698 §2.1.2). */
export function spki(cert: X509Certificate): Buffer {
  return cert.publicKey.export({ type: 'spki', format: 'der' });
}

export function certificateInfo(cert: X509Certificate, now: Date): CertInfo {
  let signature;
  try {
    signature = certificateSignatureAlgorithm(cert.raw);
  } catch {
    signature = 'unreadable';
  }
  return {
    subject: dn(cert.subject),
    sans: cert.subjectAltName ? cert.subjectAltName.split(/,\s*/) : [],
    issuer: dn(cert.issuer),
    validFrom: cert.validFrom,
    validTo: cert.validTo,
    daysLeft: Math.floor((Date.parse(cert.validTo) - now.getTime()) / DAY_MS),
    key: keyDescription(cert.publicKey),
    signature,
    fingerprint256: cert.fingerprint256,
    pinSha256: createHash('sha256').update(spki(cert)).digest('base64'),
    pem: cert.toString(),
    selfSigned: cert.checkIssued(cert) && cert.verify(cert.publicKey),
  };
}

/** The base64 body of every PEM certificate in `text`, for comparing certificates. */
export function pemBodies(text: string): string[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g)].map((m) => m[1].replace(/\s+/g, ''));
}
