import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { AuthError } from '../errors.js';

/** The PLAIN message (RFC 4616 §2): `authzid NUL authcid NUL passwd`. */
export function plainMessage(user: string, password: string, authzid = ''): Buffer {
  return Buffer.from(`${authzid}\0${user}\0${password}`, 'utf8');
}

/** PLAIN: everything in the initial response; a challenge after it is an error. */
export function plainMechanism(creds: SaslCredentials): SaslMechanism {
  return {
    name: 'PLAIN',
    start: () => plainMessage(creds.user, creds.secret, creds.authzid),
    next: () => {
      throw new AuthError('PLAIN: the server sent a challenge after the credentials');
    },
    succeeded: () => undefined,
  };
}
