import { verify as verifySignature, X509Certificate } from 'node:crypto';
import { children, generalizedTime, oid, readDer, SIGNATURE_ALGORITHMS, type Der } from './der.js';

/** A stapled OCSP response as `/tls` shows it (RFC 6960 §4.2, RFC 6066 §8). */
export interface OcspInfo {
  /** `good`, `revoked (at …)`, `unknown`, or why there is no usable answer. */
  status: string;
  producedAt?: string;
  thisUpdate?: string;
  nextUpdate?: string;
  /** Whether the response is signed by the issuer (or a responder it certified) and names this certificate. */
  verified: boolean;
  /** Why (not) verified, in words. */
  verification: string;
}

const RESPONSE_STATUS = ['successful', 'malformedRequest', 'internalError', 'tryLater', '(4)', 'sigRequired', 'unauthorized'];
const BASIC = '1.3.6.1.5.5.7.48.1.1';

function unsigned(hex: string): string {
  return hex.toUpperCase().replace(/^(00)+(?=.)/, '');
}

/** Parses and checks a stapled response for `leaf`, issued by `issuer` (when the chain had it). */
export function ocspInfo(der: Buffer, leaf: X509Certificate, issuer: X509Certificate | undefined): OcspInfo {
  try {
    const [statusEl, bytes] = children(readDer(der));
    const responseStatus = statusEl.body[0];
    if (responseStatus !== 0 || !bytes) return { status: `no answer: responder said ${RESPONSE_STATUS[responseStatus] ?? responseStatus}`, verified: false, verification: 'nothing to verify' };
    const [type, octets] = children(children(bytes)[0]);
    if (oid(type) !== BASIC) return { status: `unsupported response type ${oid(type)}`, verified: false, verification: 'not checked' };
    const [tbs, sigAlg, signature, certs] = children(readDer(octets.body));
    const fields = children(tbs);
    const rest = fields[0].tag === 0xa0 ? fields.slice(1) : fields;
    const [, producedAt, responses] = rest;
    const single = children(responses).find((r) => unsigned(children(children(r)[0])[3].body.toString('hex')) === unsigned(leaf.serialNumber));
    if (!single) return { status: 'no answer for this certificate (serial number not in the response)', verified: false, verification: 'not checked', producedAt: generalizedTime(producedAt).toISOString() };
    const [, certStatus, thisUpdate, next] = children(single);
    const status = certStatus.tag === 0x80 ? 'good' : certStatus.tag === 0xa1 ? `revoked at ${generalizedTime(children(certStatus)[0]).toISOString()}` : 'unknown';
    const check = verifyResponse(tbs, sigAlg, signature, certs, issuer);
    return {
      status,
      producedAt: generalizedTime(producedAt).toISOString(),
      thisUpdate: generalizedTime(thisUpdate).toISOString(),
      nextUpdate: next?.tag === 0xa0 ? generalizedTime(children(next)[0]).toISOString() : undefined,
      ...check,
    };
  } catch (err) {
    return { status: `unreadable response (${(err as Error).message})`, verified: false, verification: 'not checked' };
  }
}

/** RFC 6960 §4.2.2.2: signed by the issuer itself, or by a responder certificate the issuer signed. */
function verifyResponse(tbs: Der, sigAlg: Der, signature: Der, certs: Der | undefined, issuer: X509Certificate | undefined): Pick<OcspInfo, 'verified' | 'verification'> {
  if (!issuer) return { verified: false, verification: 'not verified: the issuer certificate is not in the chain' };
  const algorithm = SIGNATURE_ALGORITHMS[oid(children(sigAlg)[0])];
  if (!algorithm || (algorithm.hash === null && !algorithm.name.startsWith('Ed'))) return { verified: false, verification: `not verified: unsupported signature algorithm ${oid(children(sigAlg)[0])}` };
  // The BIT STRING's first octet counts unused bits (0 for signatures).
  const sig = signature.body.subarray(1);
  let key = issuer.publicKey;
  let by = 'the issuer';
  const responder = certs ? children(children(certs)[0])[0] : undefined;
  if (responder) {
    const cert = new X509Certificate(responder.whole);
    if (cert.fingerprint256 !== issuer.fingerprint256) {
      if (!cert.verify(issuer.publicKey)) return { verified: false, verification: 'NOT verified: the responder certificate is not signed by the issuer' };
      key = cert.publicKey;
      by = `a responder certified by the issuer (${cert.subject.replace(/\n/g, ', ')})`;
    }
  }
  const ok = verifySignature(algorithm.hash, tbs.whole, key, sig);
  return ok ? { verified: true, verification: `signature verified: signed by ${by}` } : { verified: false, verification: `NOT verified: the signature does not match ${by}'s key` };
}
