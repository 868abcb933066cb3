import { createHmac } from 'node:crypto';
import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { AuthError } from '../errors.js';

/** The CRAM-MD5 response (RFC 2195 §2): `user SP hex(HMAC-MD5(password, challenge))`. */
export function cramMd5Response(user: string, password: string, challenge: Buffer): Buffer {
  const digest = createHmac('md5', Buffer.from(password, 'utf8')).update(challenge).digest('hex');
  return Buffer.from(`${user} ${digest}`, 'utf8');
}

/** CRAM-MD5: one challenge (a msg-id such as `<1896.697170952@host>`), one answer. */
export function cramMd5Mechanism(creds: SaslCredentials): SaslMechanism {
  let answered = false;
  return {
    name: 'CRAM-MD5',
    start: () => undefined,
    next: (challenge) => {
      if (answered) throw new AuthError('CRAM-MD5: the server sent a second challenge');
      answered = true;
      return cramMd5Response(creds.user, creds.secret, challenge);
    },
    succeeded: () => undefined,
  };
}
