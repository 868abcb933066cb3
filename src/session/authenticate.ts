import { AuthError, ConnectionError, UsageError } from '../errors.js';
import type { Reply } from '../protocol/adapter.js';
import { saslFraming, type SaslFraming } from '../protocol/sasl-framing.js';
import type { SaslMechanism } from '../sasl/mechanism.js';
import type { Session } from './session.js';

const b64 = (bytes: Buffer): string => bytes.toString('base64');

/**
 * Runs a whole SASL exchange in the session's protocol (SPEC §8): the
 * command with the initial response where allowed, one response per
 * challenge, then the final reply. Every response goes through the normal
 * write path as a secret. Resolves with the final reply: a refusal is a
 * failed command like any other; a broken exchange, or a server that says
 * yes without proving itself (SCRAM), is an AuthError.
 */
export async function authenticate(session: Session, mechanism: SaslMechanism): Promise<Reply> {
  const framing = saslFraming(session.adapter.protocol);
  if (!framing || session.raw) throw new UsageError('/auth works in SMTP, LMTP, IMAP, POP3 and ManageSieve sessions');
  // AUTH needs EHLO first (RFC 4954 §4), and again after STARTTLS.
  if (framing.hello && session.adapter.capabilities.size === 0) await session.command(framing.hello(session.ehloName));
  const offered = framing.offered(session.adapter.capabilities);
  if (offered && !offered.some((m) => m.toUpperCase() === mechanism.name)) {
    session.noteLine('warn', `the server did not announce ${mechanism.name} (it offers ${offered.join(' ') || 'none'}); trying anyway`);
  }
  const initial = mechanism.start();
  const inline = initial !== undefined && framing.initialResponse(session.adapter.capabilities);
  const ir = inline ? b64(initial) : undefined;
  await session.send(framing.command(mechanism.name, ir), ir ? [ir] : []);
  // An initial response the command could not carry answers the server's first (empty) challenge.
  let held = inline ? undefined : initial;
  for (;;) {
    await session.settled();
    if (!session.connected) throw new ConnectionError('the server closed the connection during authentication');
    if (!session.adapter.awaitingInput) return finish(session, framing, mechanism);
    let response: Buffer;
    try {
      response = held ?? mechanism.next(session.lastChallenge ?? Buffer.alloc(0));
    } catch (err) {
      await cancel(session, framing);
      throw err;
    }
    held = undefined;
    const line = b64(response);
    await session.send(framing.response(line), line ? [line] : []);
  }
}

/** The final reply: success must satisfy the mechanism too (SCRAM's server signature). */
function finish(session: Session, framing: SaslFraming, mechanism: SaslMechanism): Reply {
  const reply = session.lastReply;
  if (!reply) throw new AuthError(`${mechanism.name}: no reply from the server`);
  if (reply.cls !== 'ok') return reply;
  const data = framing.successData(reply);
  if (data) mechanism.next(Buffer.from(data, 'base64'));
  mechanism.succeeded();
  return reply;
}

/** Tells the server the exchange is off, and waits for its (failure) reply. */
async function cancel(session: Session, framing: SaslFraming): Promise<void> {
  await session.send(framing.cancel);
  await session.settled().catch(() => undefined);
}
