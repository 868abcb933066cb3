import { UsageError } from '../errors.js';
import { SASL_MECHANISMS } from '../sasl/mechanisms.js';
import { shellWords } from '../text/shell-words.js';
import { authenticate } from '../session/authenticate.js';
import type { MetaContext } from './meta-context.js';

export const AUTH_USAGE = `/auth MECH [USER [PASS]]`;

/**
 * `/auth MECH [USER [PASS]]` (SPEC §8): gathers what the mechanism needs (the
 * default user, a hidden prompt for the password or token), refuses to send
 * credentials in clear across a network unless the user agrees, then runs the
 * exchange. For EXTERNAL the optional argument is the authorization identity.
 */
export async function authCommand(args: string, ctx: MetaContext): Promise<void> {
  const [name = '', typedUser, typedSecret, ...extra] = shellWords(args);
  const info = SASL_MECHANISMS.get(name.toUpperCase());
  if (!info || extra.length > 0) {
    throw new UsageError(`usage: ${AUTH_USAGE}, MECH one of ${[...SASL_MECHANISMS.keys()].join(' ')}`);
  }
  const mech = name.toUpperCase();
  const user = info.secret ? (typedUser ?? ctx.defaultUser) : '';
  if (info.secret && !user) throw new UsageError(`/auth ${mech} needs a user: /auth ${mech} USER, -u USER, or a user in the URL`);
  const session = ctx.session;
  if (info.secret && session.credentialsExposed && !ctx.insecureAuth) {
    const where = session.connection!.where;
    if (!(await ctx.confirm(`the connection to ${where} is not encrypted: send ${mech} credentials across the network anyway?`))) {
      throw new UsageError(`not authenticating: the connection to ${where} is not encrypted (use TLS, or --insecure-auth)`);
    }
  }
  const secret = info.secret ? (typedSecret ?? (await ctx.askSecret(`${info.secret} for ${user}: `))) : '';
  const conn = session.connection;
  const mechanism = info.create({ user, secret, authzid: info.secret ? undefined : typedUser, host: conn?.host, port: conn?.port });
  const reply = await authenticate(session, mechanism);
  if (reply.cls === 'ok') {
    session.noteLine('info', `authenticated${user ? ` as ${user}` : ''} with ${mech}${mech.startsWith('SCRAM-') ? ', server signature verified' : ''}`);
  } else {
    session.noteLine('warn', `${mech} authentication failed: ${reply.lines.at(-1) ?? ''}`);
  }
}
