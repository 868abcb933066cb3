/**
 * A minimal DER reader (X.690 §8, §10) for the few structures mailsh reads
 * itself: a certificate's signature algorithm and a stapled OCSP response.
 */
export interface Der {
  /** The identifier octet: class, constructed bit and tag number (< 31). */
  tag: number;
  /** The content octets. */
  body: Buffer;
  /** The whole element, header included (what a signature covers). */
  whole: Buffer;
}

/** Reads one element at `offset`. */
export function readDer(buf: Buffer, offset = 0): Der {
  const tag = buf[offset];
  let len = buf[offset + 1];
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('DER: unsupported length');
    len = buf.readUIntBE(offset + 2, n);
    head += n;
  }
  const end = offset + head + len;
  if (tag === undefined || end > buf.length) throw new Error('DER: truncated');
  return { tag, body: buf.subarray(offset + head, end), whole: buf.subarray(offset, end) };
}

/** The elements inside a constructed element. */
export function children(el: Der): Der[] {
  const out: Der[] = [];
  for (let at = 0; at < el.body.length; at += out[out.length - 1].whole.length) out.push(readDer(el.body, at));
  return out;
}

/** An OBJECT IDENTIFIER's dotted form (X.690 §8.19). */
export function oid(el: Der): string {
  const b = el.body;
  const parts = [Math.floor(b[0] / 40), b[0] % 40];
  let n = 0;
  for (const byte of b.subarray(1)) {
    n = n * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(n);
      n = 0;
    }
  }
  return parts.join('.');
}

/** A GeneralizedTime (YYYYMMDDHHMMSS[.f]Z) as a Date. */
export function generalizedTime(el: Der): Date {
  const s = el.body.toString('latin1');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(s);
  if (!m) throw new Error('DER: bad time');
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

/** Signature algorithms by OID (RFC 3279, RFC 4055, RFC 5758, RFC 8410), with the hash crypto.verify needs. */
export const SIGNATURE_ALGORITHMS: Record<string, { name: string; hash: string | null }> = {
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'sha1' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'sha512' },
  '1.2.840.113549.1.1.10': { name: 'RSASSA-PSS', hash: null },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'sha1' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'sha512' },
  '1.3.101.112': { name: 'Ed25519', hash: null },
  '1.3.101.113': { name: 'Ed448', hash: null },
};

/** A certificate's signatureAlgorithm (RFC 5280 §4.1.1.2), by name. */
export function certificateSignatureAlgorithm(der: Buffer): string {
  const algorithm = oid(children(children(readDer(der))[1])[0]);
  return SIGNATURE_ALGORITHMS[algorithm]?.name ?? algorithm;
}
