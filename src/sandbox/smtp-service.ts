/**
 * The sandbox's SMTP side, on nodemailer's smtp-server rather than a
 * home-made SMTP engine. Three flavours, as a real Postfix is set up:
 *
 * - `mx`: port-25 style. STARTTLS offered, no AUTH; mail for local users is
 *   delivered, any other domain is refused with Postfix's
 *   `554 5.7.1 <x@example.com>: Relay access denied`.
 * - `submission`: port-587 style. STARTTLS; AUTH (PLAIN, LOGIN, CRAM-MD5)
 *   only once TLS is on, and required before MAIL.
 * - `smtps`: port-465 style, implicit TLS, AUTH required.
 *
 * Authenticated mail for other domains is accepted and dropped: the
 * sandbox never relays anything off the machine.
 */
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { MailStore } from './mail-store.js';
import { rfc5322Date } from './message-text.js';

export type SmtpFlavour = 'mx' | 'submission' | 'smtps';

/** Largest message accepted (SIZE, RFC 1870). */
const MAX_MESSAGE = 10 * 1024 * 1024;

/** An smtp-server error with a reply code; the text carries the RFC 3463 code, as Postfix writes it. */
function reply(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

/** The trace fields a real MTA adds on delivery (RFC 5321 §4.4). */
function traceHeader(session: SMTPServerSession, from: string): string {
  // RFC 3848 protocol names: ESMTP, plus S for TLS and A for AUTH.
  const protocol = `ESMTP${session.secure ? 'S' : ''}${session.user ? 'A' : ''}`;
  return `Return-Path: <${from}>\r\nReceived: from ${session.hostNameAppearsAs || 'unknown'} (localhost [${session.remoteAddress}])\r\n\tby localhost (mailsh sandbox) with ${protocol}; ${rfc5322Date(new Date())}\r\n`;
}

function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** A configured, not yet listening, smtp-server for one flavour. */
export function createSmtpServer(flavour: SmtpFlavour, store: MailStore, tls: { key: string; cert: string }): SMTPServer {
  const mx = flavour === 'mx';
  const server = new SMTPServer({
    name: 'localhost',
    banner: 'mailsh sandbox ESMTP',
    key: tls.key,
    cert: tls.cert,
    secure: flavour === 'smtps',
    size: MAX_MESSAGE,
    logger: false,
    // Never ask DNS about the client: the sandbox works offline.
    disableReverseLookup: true,
    authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5'],
    authOptional: mx,
    disabledCommands: mx ? ['AUTH'] : [],
    // Submission, like Postfix's smtpd_tls_auth_only: no passwords in clear,
    // and AUTH not even advertised before STARTTLS (RFC 4954 §4 allows hiding it).
    allowInsecureAuth: false,
    onConnect(session, callback) {
      if (flavour === 'submission') session.disabledCommands = ['AUTH'];
      callback();
    },
    onSecure(_socket, session, callback) {
      if (flavour === 'submission') session.disabledCommands = undefined;
      callback();
    },
    closeTimeout: 500,
    onAuth(auth, _session, callback) {
      const user = store.user(auth.username ?? '');
      const ok = user !== undefined && (auth.method === 'CRAM-MD5' ? auth.validatePassword(user.password) : auth.password === user.password);
      if (ok) callback(null, { user: user.name });
      else callback(reply(535, '5.7.8 Error: authentication failed'));
    },
    onRcptTo(address, session, callback) {
      const rcpt = address.address;
      if (store.isLocalDomain(rcpt)) {
        if (store.localUser(rcpt)) return callback();
        return callback(reply(550, `5.1.1 <${rcpt}>: Recipient address rejected: User unknown in virtual mailbox table`));
      }
      if (session.user) return callback();
      callback(reply(554, `5.7.1 <${rcpt}>: Relay access denied`));
    },
    onData(stream, session, callback) {
      readAll(stream).then(
        (data) => {
          if (stream.sizeExceeded) return callback(reply(552, `5.3.4 Message size exceeds fixed limit of ${MAX_MESSAGE} bytes`));
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const raw = Buffer.concat([Buffer.from(traceHeader(session, from)), data]);
          const local = session.envelope.rcptTo.flatMap((r) => store.localUser(r.address) ?? []);
          for (const user of new Set(local)) user.inbox.append(raw);
          callback(null, `2.0.0 Ok: delivered to ${local.length} local mailbox${local.length === 1 ? '' : 'es'}`);
        },
        (err: Error) => callback(err),
      );
    },
  });
  // smtp-server re-emits socket errors (a client resetting, a failed TLS
  // handshake) here; they end that client only. A failed listen is reported
  // by the sandbox, which listens on server.server itself.
  server.on('error', () => undefined);
  return server;
}
