import type { SaslCredentials, SaslMechanism } from './mechanism.js';
import { AuthError } from '../errors.js';

/**
 * LOGIN (draft-murchison-sasl-login): the server asks for the user name, then
 * the password. The prompts (`Username:`, `Password:`) vary between servers,
 * so the answer follows the order, not the text.
 */
export function loginMechanism(creds: SaslCredentials): SaslMechanism {
  const answers = [creds.user, creds.secret];
  return {
    name: 'LOGIN',
    start: () => undefined,
    next: () => {
      const answer = answers.shift();
      if (answer === undefined) throw new AuthError('LOGIN: the server asked for more than a user name and a password');
      return Buffer.from(answer, 'utf8');
    },
    succeeded: () => undefined,
  };
}
