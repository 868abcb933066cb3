import { createReadStream, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { MessageEncoder } from '../framing/dot-stuffing.js';
import { ImapAdapter } from '../protocol/imap.js';
import { canSendLiteralAtOnce, imapString, literalMarker } from '../protocol/imap-string.js';
import { rawBytes } from '../protocol/outgoing.js';
import type { Progress } from './send-message.js';
import type { Session } from './session.js';

const CHUNK = 1024 * 1024;

function imapAdapter(session: Session, what: string): ImapAdapter {
  const adapter = session.adapter;
  if (!(adapter instanceof ImapAdapter)) throw new UsageError(`${what} works in IMAP sessions`);
  if (adapter.awaitingInput) throw new UsageError(`${what} needs the command mode (finish IDLE, AUTHENTICATE or the literal first)`);
  return adapter;
}

/**
 * Sends `head` with a literal marker and waits until the server takes the
 * literal: at once with LITERAL+/LITERAL-, else after its `+`. False when the
 * server refused the command instead.
 */
async function announceLiteral(session: Session, adapter: ImapAdapter, head: string, size: number): Promise<boolean> {
  const atOnce = canSendLiteralAtOnce(adapter.capabilities, size);
  await session.send(`${head}${literalMarker(size, atOnce)}`);
  if (!atOnce) await session.whenAccepting();
  return size === 0 || adapter.literalRemaining === size;
}

/**
 * `/login USER PASS` (SPEC §5): LOGIN with each value as a quoted string, or
 * as a literal when it needs one (CR, LF, NUL, 8-bit); the password is a
 * secret in every form.
 */
export async function imapLogin(session: Session, user: string, password: string): Promise<void> {
  const adapter = imapAdapter(session, '/login');
  let head = 'LOGIN ';
  for (const [value, secret] of [[user, false], [password, true]] as const) {
    const s = imapString(value);
    if ('quoted' in s) {
      // Quoted values go on the line; the adapter masks LOGIN's password.
      head += `${s.quoted} `;
      continue;
    }
    if (!(await announceLiteral(session, adapter, head, s.literal.length))) return;
    await session.write({ pieces: [{ bytes: s.literal, secret }] });
    adapter.literalSent(s.literal.length);
    head = ' ';
  }
  await session.send(head.trimEnd());
  await session.settled();
}

/** Byte size of a file once its line ends are CRLF, as the literal will carry it. */
async function encodedSize(file: string): Promise<number> {
  const encoder = new MessageEncoder(false);
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) size += encoder.push(chunk).length;
  return size + encoder.end().length;
}

/**
 * `/append MAILBOX FILE [FLAGS]`: APPEND with a literal sized to the file's
 * CRLF form, streamed in chunks with backpressure (memory stays flat).
 */
export async function appendFile(session: Session, mailbox: string, file: string, flags: string | undefined, progress: Progress): Promise<void> {
  const adapter = imapAdapter(session, '/append');
  let total: number;
  try {
    total = statSync(file).size;
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const box = imapString(mailbox);
  if (!('quoted' in box)) throw new UsageError('/append: the mailbox name cannot contain CR, LF, NUL or 8-bit characters; type the APPEND by hand');
  const size = await encodedSize(file);
  const flagList = flags ? `${flags.startsWith('(') ? flags : `(${flags})`} ` : '';
  if (!(await announceLiteral(session, adapter, `APPEND ${box.quoted} ${flagList}`, size))) return;
  const encoder = new MessageEncoder(false);
  let done = 0;
  let sent = 0;
  const send = async (bytes: Buffer): Promise<void> => {
    if (bytes.length === 0) return;
    // The server may end the command early (BAD to a LITERAL+ APPEND).
    if (adapter.literalRemaining === undefined) throw new UsageError('the server ended the APPEND before the message was sent');
    if (sent + bytes.length > size) throw new Error(`${file} changed while it was being sent`);
    adapter.literalSent(bytes.length);
    sent += bytes.length;
    await session.write(rawBytes(bytes), false);
  };
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    await send(encoder.push(chunk));
    done += chunk.length;
    progress(done, total);
    if (!session.connected) return;
  }
  await send(encoder.end());
  if (sent !== size) throw new Error(`${file} changed while it was being sent`);
  session.noteLine('info', `sent ${file}: ${size} bytes as a literal`);
  await session.send('');
  await session.settled();
}
