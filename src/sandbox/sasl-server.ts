/**
 * Server side of the SASL mechanisms the sandbox offers over IMAP and POP3
 * (SMTP's come with smtp-server): PLAIN (RFC 4616), LOGIN
 * (draft-murchison-sasl-login), CRAM-MD5 (RFC 2195) and SCRAM-SHA-256
 * (RFC 5802, RFC 7677). Pure: each exchange takes the decoded client data
 * and says what to send next; the protocols add their own framing.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MailStore, MailUser } from './mail-store.js';

/** The mechanisms, in the order they are advertised. */
export const SASL_MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-256'] as const;

/** What the server does next: send a challenge, accept the user, or fail. */
export type SaslStep = { challenge: Buffer } | { user: MailUser } | { failure: string };

/** One authentication exchange; `step` gets the client's data (undefined: no initial response). */
export interface SaslExchange {
  step(data: Buffer | undefined): SaslStep;
}

const FAILED: SaslStep = { failure: 'Authentication failed' };
const text = (s: string): Buffer => Buffer.from(s, 'utf8');

/** PLAIN: one message `authzid NUL authcid NUL password` (RFC 4616 §2). */
function plain(store: MailStore): SaslExchange {
  return {
    step(data) {
      if (data === undefined) return { challenge: Buffer.alloc(0) };
      const parts = data.toString('utf8').split('\0');
      if (parts.length !== 3) return { failure: 'Malformed PLAIN message' };
      const [authz, authc, password] = parts;
      // Acting as another user (a different authzid) is not offered.
      const user = authz === '' || authz === authc ? store.authenticate(authc, password) : undefined;
      return user ? { user } : FAILED;
    },
  };
}

/** LOGIN: the server asks "Username:" then "Password:"; an initial response is the user name. */
function login(store: MailStore): SaslExchange {
  let name: string | undefined;
  return {
    step(data) {
      if (name === undefined) {
        if (data === undefined || data.length === 0) return { challenge: text('Username:') };
        name = data.toString('utf8');
        return { challenge: text('Password:') };
      }
      const user = store.authenticate(name, (data ?? Buffer.alloc(0)).toString('utf8'));
      return user ? { user } : FAILED;
    },
  };
}

/** CRAM-MD5: the client answers `user SP hex(HMAC-MD5(password, challenge))` (RFC 2195 §2). */
function cramMd5(store: MailStore): SaslExchange {
  const challenge = `<${randomBytes(8).toString('hex')}.${Date.now()}@localhost>`;
  let sent = false;
  return {
    step(data) {
      if (!sent) {
        sent = true;
        return { challenge: text(challenge) };
      }
      const m = /^(.+) ([0-9a-f]{32})$/.exec((data ?? Buffer.alloc(0)).toString('utf8'));
      const user = m ? store.user(m[1]) : undefined;
      if (!m || !user) return FAILED;
      const expected = createHmac('md5', user.password).update(challenge).digest('hex');
      return timingSafeEqual(Buffer.from(expected), Buffer.from(m[2])) ? { user } : FAILED;
    },
  };
}

/** `a=1,b=2` attributes of a SCRAM message (RFC 5802 §5.1). */
function scramAttributes(message: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const part of message.split(',')) {
    if (/^[a-zA-Z]=/.test(part)) attrs.set(part[0], part.slice(2));
  }
  return attrs;
}

const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();
const hmac = (key: Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const SCRAM_ITERATIONS = 4096;

/**
 * SCRAM-SHA-256 (RFC 5802 §3, §5; RFC 7677): client-first, server-first
 * (nonce, salt, iterations), client-final with the proof, server-final with
 * the server signature (sent as a last challenge; the client answers empty).
 * No channel binding is offered (no -PLUS), so a `p=` GS2 flag fails.
 */
function scramSha256(store: MailStore): SaslExchange {
  let state: 'first' | 'final' | 'verified' = 'first';
  let user: MailUser | undefined;
  let clientFirstBare = '';
  let serverFirst = '';
  let gs2Header = '';
  const salt = randomBytes(16);
  return {
    step(data) {
      const message = (data ?? Buffer.alloc(0)).toString('utf8');
      if (state === 'first') {
        if (data === undefined) return { challenge: Buffer.alloc(0) };
        const m = /^([ny]),(?:a=[^,]*)?,(.*)$/.exec(message);
        if (!m) return { failure: 'Malformed SCRAM client-first message' };
        gs2Header = message.slice(0, message.length - m[2].length);
        clientFirstBare = m[2];
        const attrs = scramAttributes(clientFirstBare);
        const name = attrs.get('n')?.replace(/=2C/g, ',').replace(/=3D/g, '=');
        const nonce = attrs.get('r');
        if (name === undefined || !nonce) return { failure: 'Malformed SCRAM client-first message' };
        user = store.user(name);
        serverFirst = `r=${nonce}${randomBytes(18).toString('base64')},s=${salt.toString('base64')},i=${SCRAM_ITERATIONS}`;
        state = 'final';
        return { challenge: text(serverFirst) };
      }
      if (state === 'final') {
        const proofAt = message.lastIndexOf(',p=');
        const attrs = scramAttributes(message);
        const withoutProof = message.slice(0, proofAt);
        const expectedBinding = Buffer.from(gs2Header).toString('base64');
        if (proofAt < 0 || attrs.get('c') !== expectedBinding || attrs.get('r') !== scramAttributes(serverFirst).get('r') || !user) return FAILED;
        const salted = pbkdf2Sync(user.password, salt, SCRAM_ITERATIONS, 32, 'sha256');
        const clientKey = hmac(salted, 'Client Key');
        const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
        const signature = hmac(sha256(clientKey), authMessage);
        const proof = Buffer.from(attrs.get('p') ?? '', 'base64');
        if (proof.length !== clientKey.length) return FAILED;
        const recovered = Buffer.from(proof.map((b, i) => b ^ signature[i]));
        if (!timingSafeEqual(sha256(recovered), sha256(clientKey))) return FAILED;
        state = 'verified';
        const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
        return { challenge: text(`v=${serverSignature.toString('base64')}`) };
      }
      // The client acknowledges the server signature with an empty message.
      return data !== undefined && data.length === 0 && user ? { user } : FAILED;
    },
  };
}

const FACTORIES: Record<(typeof SASL_MECHANISMS)[number], (store: MailStore) => SaslExchange> = {
  PLAIN: plain,
  LOGIN: login,
  'CRAM-MD5': cramMd5,
  'SCRAM-SHA-256': scramSha256,
};

/** Starts an exchange for `mechanism` (any case), or undefined when it is not offered. */
export function startSasl(mechanism: string, store: MailStore): SaslExchange | undefined {
  const factory = FACTORIES[mechanism.toUpperCase() as keyof typeof FACTORIES];
  return factory?.(store);
}

/**
 * A client's SASL line in IMAP and POP3 (RFC 9051 §6.2.2, RFC 5034 §4):
 * `*` cancels, otherwise base64 (an initial response of `=` is empty data).
 */
export function decodeSaslLine(line: string): { cancel: true } | { data: Buffer } | { invalid: true } {
  if (line === '*') return { cancel: true };
  if (line === '=') return { data: Buffer.alloc(0) };
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(line) || line.length % 4 !== 0) return { invalid: true };
  return { data: Buffer.from(line, 'base64') };
}
