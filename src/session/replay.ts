import { ConnectionError, UsageError } from '../errors.js';
import type { Reply } from '../protocol/adapter.js';
import { credentialCommand } from '../protocol/credentials.js';
import { imapString } from '../protocol/imap-string.js';
import { rawBytes } from '../protocol/outgoing.js';
import { apopArguments, apopTimestamp } from '../sasl/apop.js';
import { SASL_MECHANISMS } from '../sasl/mechanisms.js';
import { authenticate } from './authenticate.js';
import { waitForTurn, type Pace } from './input-queue.js';
import { inputState, type ReplayPlan, type ReplayStep, type SecretKind } from './replay-plan.js';
import type { Session } from './session.js';

/** Where credentials for masked parts come from (asked once, when first needed). */
export interface ReplayCredentials {
  user(): string;
  password(): Promise<string>;
  /** `--insecure-auth`: send them over plaintext to a host that is not loopback. */
  insecureAuth: boolean;
  /** The target asks for TLS (implicit or STARTTLS): no credential goes out without it. */
  requireTls: boolean;
}

/** Which credentials the plan's masked parts need, so they are asked for before anything is sent. */
export function credentialsNeeded(plan: ReplayPlan): { user: boolean; password: boolean } {
  let user = false;
  let password = false;
  for (const step of plan.steps) {
    if (step.kind === 'auth' && SASL_MECHANISMS.get(step.mechanism)?.secret) user = password = true;
    if (step.kind !== 'line' || !step.secret) continue;
    if (step.secret === 'user' || step.secret === 'apop') user = true;
    if (step.secret !== 'user') password = true;
  }
  return { user, password };
}

/** A step that was not sent, and why. */
export interface SkippedStep {
  at: number;
  reason: string;
}

export interface ReplayResult {
  /** The replies of the new server to the replayed lines, in order. */
  replies: Reply[];
  skipped: SkippedStep[];
}

/**
 * Sends a planned transcript's client lines to `session` with the script's
 * waiting rules (`pace`), rebuilding masked credentials, and collects the
 * server's replies. A line the recording read in another state than the new
 * session is in (DATA text after a refused DATA) is not sent: it would be
 * read as a command. Stops when the server closes the connection.
 */
export async function replaySteps(session: Session, plan: ReplayPlan, pace: Pace, creds: ReplayCredentials, greeting = session.lastReply): Promise<ReplayResult> {
  // The greeting came with the connection; every later reply is collected.
  const replies: Reply[] = greeting ? [greeting] : [];
  const collect = (reply: Reply): void => void replies.push(reply);
  session.on('reply', collect);
  const skipped: SkippedStep[] = [];
  let bdatSent = false;
  try {
    for (const step of plan.steps) {
      if (step.kind === 'chunk') {
        // RFC 3030 §2: the data follows its BDAT at once; the reply comes after it.
        if (bdatSent && session.connected) await session.write(rawBytes(step.bytes));
        else skipped.push({ at: step.at, reason: 'its BDAT command was not sent' });
        bdatSent = false;
        continue;
      }
      bdatSent = false;
      const text = step.kind === 'line' ? step.segments.map((s) => (typeof s === 'string' ? s : '')).join('') : '';
      await waitForTurn(session, pace, text, step.kind !== 'auth');
      if (!session.connected) {
        skipped.push({ at: step.at, reason: 'the server closed the connection' });
        break;
      }
      const state = inputState(session.adapter);
      if (state !== step.state) {
        skipped.push({ at: step.at, reason: `recorded in ${step.state} state, the session is in ${state} state` });
        continue;
      }
      await sendStep(session, step, creds);
      bdatSent = step.kind === 'line' && /^BDAT \d/i.test(step.segments.join(''));
    }
    if (session.connected) await session.settled();
  } finally {
    session.off('reply', collect);
  }
  return { replies, skipped };
}

async function sendStep(session: Session, step: Exclude<ReplayStep, { kind: 'chunk' }>, creds: ReplayCredentials): Promise<void> {
  if (step.kind === 'raw') return session.write(rawBytes(step.bytes));
  if (step.kind === 'auth') return replayAuth(session, step.mechanism, creds);
  if (!step.secret) {
    const line = step.segments.join('');
    // A credential recorded in clear (--log-secrets) needs the target's TLS all the same.
    if (creds.requireTls && credentialCommand('line', line)) guardPlaintext(session, creds);
    return void (await session.send(line));
  }
  guardPlaintext(session, creds);
  const value = await secretValue(session, step.secret, creds);
  const line = step.segments.map((s) => (typeof s === 'string' ? s : value)).join('');
  await session.send(line, [value]);
}

/** The stand-in for a masked segment, made as mailsh made it (SPEC §9). */
async function secretValue(session: Session, kind: SecretKind, creds: ReplayCredentials): Promise<string> {
  if (kind === 'user') return creds.user();
  const password = await creds.password();
  if (kind === 'password') return password;
  if (kind === 'apop') {
    const timestamp = apopTimestamp(session.greeting ?? '');
    if (!timestamp) throw new UsageError('cannot replay APOP: the new server\'s greeting has no timestamp');
    return apopArguments(creds.user(), password, timestamp).split(' ')[1];
  }
  const value = imapString(password);
  if (!('quoted' in value)) throw new UsageError('cannot replay LOGIN: this password needs an IMAP literal (use /login by hand)');
  return value.quoted;
}

/** The whole SASL exchange again, with fresh nonces (SCRAM) and the new server's challenges. */
async function replayAuth(session: Session, name: string, creds: ReplayCredentials): Promise<void> {
  const info = SASL_MECHANISMS.get(name);
  if (!info) throw new UsageError(`cannot replay AUTH ${name}: mailsh does not implement that mechanism`);
  if (info.secret) guardPlaintext(session, creds);
  const user = info.secret ? creds.user() : '';
  const secret = info.secret ? await creds.password() : '';
  const conn = session.connection;
  await authenticate(session, info.create({ user, secret, host: conn?.host, port: conn?.port }));
}

/**
 * As for `/auth` (SPEC §8): no credentials in clear across a network without
 * consent, and never without the TLS the target asks for (a refused STARTTLS).
 */
function guardPlaintext(session: Session, creds: ReplayCredentials): void {
  if (creds.requireTls && !session.tls) {
    throw new ConnectionError(`not sending credentials: the target asks for TLS and the connection to ${session.connection!.where} is not encrypted`);
  }
  if (session.credentialsExposed && !creds.insecureAuth) {
    throw new UsageError(`not sending credentials: the connection to ${session.connection!.where} is not encrypted (use TLS, or --insecure-auth)`);
  }
}
