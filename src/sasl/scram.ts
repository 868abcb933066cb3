import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { AuthError } from '../errors.js';

export type ScramHash = 'sha1' | 'sha256';

/** A hostile server could ask for billions of PBKDF2 rounds and hang the shell. */
export const MAX_SCRAM_ITERATIONS = 1_000_000;

/** `=` and `,` are escaped in SCRAM user names (RFC 5802 §5.1). */
function saslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** `r=…,s=…,i=…` → a map of the one-letter attributes (RFC 5802 §5.1). */
function attributes(message: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of message.split(',')) {
    const m = /^([A-Za-z])=(.*)$/s.exec(part);
    if (m && !map.has(m[1])) map.set(m[1], m[2]);
  }
  return map;
}

function xor(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((byte, i) => byte ^ b[i]));
}

/**
 * SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel binding:
 * client-first `n,,n=USER,r=NONCE`; the server's salt and iteration count give
 * the proof; the server's final message must carry the signature only a
 * holder of the password can compute, or the exchange fails.
 */
export function scramMechanism(hash: ScramHash, creds: SaslCredentials, clientNonce = randomBytes(18).toString('base64')): SaslMechanism {
  const name = hash === 'sha1' ? 'SCRAM-SHA-1' : 'SCRAM-SHA-256';
  const gs2Header = `n,${creds.authzid ? `a=${saslName(creds.authzid)}` : ''},`;
  const clientFirstBare = `n=${saslName(creds.user)},r=${clientNonce}`;
  const hmac = (key: Buffer, text: string): Buffer => createHmac(hash, key).update(text, 'utf8').digest();
  let expectedServerSignature: Buffer | undefined;
  let verified = false;

  const clientFinal = (serverFirst: string): Buffer => {
    const attrs = attributes(serverFirst);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (attrs.has('e')) throw new AuthError(`${name}: the server refused: ${attrs.get('e')}`);
    if (!nonce || !salt || !Number.isInteger(iterations) || iterations < 1) throw new AuthError(`${name}: malformed server-first message`);
    if (!nonce.startsWith(clientNonce) || nonce.length === clientNonce.length) throw new AuthError(`${name}: the server's nonce does not extend ours`);
    if (iterations > MAX_SCRAM_ITERATIONS) throw new AuthError(`${name}: the server asks for ${iterations} iterations (more than ${MAX_SCRAM_ITERATIONS})`);
    // RFC 5802 §2.2 wants SASLprep; NFKC is its normalisation step.
    const password = Buffer.from(creds.secret.normalize('NFKC'), 'utf8');
    const saltedPassword = pbkdf2Sync(password, Buffer.from(salt, 'base64'), iterations, hash === 'sha1' ? 20 : 32, hash);
    const clientKey = hmac(saltedPassword, 'Client Key');
    const storedKey = createHash(hash).update(clientKey).digest();
    const withoutProof = `c=${Buffer.from(gs2Header).toString('base64')},r=${nonce}`;
    const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
    const proof = xor(clientKey, hmac(storedKey, authMessage));
    expectedServerSignature = hmac(hmac(saltedPassword, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  };

  const checkServerFinal = (serverFinal: string): Buffer => {
    const attrs = attributes(serverFinal);
    if (attrs.has('e')) throw new AuthError(`${name}: the server refused: ${attrs.get('e')}`);
    const signature = Buffer.from(attrs.get('v') ?? '', 'base64');
    if (signature.length !== expectedServerSignature!.length || !timingSafeEqual(signature, expectedServerSignature!)) {
      throw new AuthError(`${name}: wrong server signature: the server does not know the password (or someone is in between)`);
    }
    verified = true;
    return Buffer.alloc(0);
  };

  return {
    name,
    start: () => Buffer.from(gs2Header + clientFirstBare, 'utf8'),
    next: (challenge) => {
      const text = challenge.toString('utf8');
      if (!expectedServerSignature) return clientFinal(text);
      if (!verified) return checkServerFinal(text);
      throw new AuthError(`${name}: the server sent a challenge after its final message`);
    },
    succeeded: () => {
      if (!verified) throw new AuthError(`${name}: the server said yes without proving it knows the password (no server signature)`);
    },
  };
}

