import { UsageError } from '../errors.js';
import type { LiteralData, ProtocolAdapter } from '../protocol/adapter.js';
import { canSendLiteralAtOnce, imapString, literalMarker } from '../protocol/imap-string.js';
import { fileSize } from './file-chunks.js';
import { encodedSize, streamLiteralFile } from './literal-file.js';
import type { Progress } from './send-message.js';
import type { Session } from './session.js';

/** An IMAP session's adapter and the literals it takes. */
interface Imap {
  adapter: ProtocolAdapter;
  literal: LiteralData;
}

/** The IMAP adapter in command mode, or a usage error for `what` (a helper). */
function imapAdapter(session: Session, what: string): Imap {
  const adapter = session.adapter;
  const literal = adapter.literalData;
  if (adapter.protocol !== 'imap' || !literal) throw new UsageError(`${what} works in IMAP sessions`);
  if (adapter.awaitingInput) throw new UsageError(`${what} needs the command mode (finish IDLE, AUTHENTICATE or the literal first)`);
  return { adapter, literal };
}

/**
 * Sends `head` with a literal marker and waits until the server takes the
 * literal: at once with LITERAL+/LITERAL-, else after its `+`. False when the
 * server refused the command instead.
 */
async function announceLiteral(session: Session, imap: Imap, head: string, size: number): Promise<boolean> {
  const atOnce = canSendLiteralAtOnce(imap.adapter.capabilities, size);
  await session.send(`${head}${literalMarker(size, atOnce)}`);
  if (!atOnce) await session.whenAccepting(true);
  return size === 0 || imap.literal.literalRemaining === size;
}

/**
 * `/login USER PASS` (SPEC §5): LOGIN with each value as a quoted string, or
 * as a literal when it needs one (CR, LF, NUL, 8-bit); the password is a
 * secret in every form.
 */
export async function imapLogin(session: Session, user: string, password: string): Promise<void> {
  const imap = imapAdapter(session, '/login');
  let head = 'LOGIN ';
  for (const [value, secret] of [[user, false], [password, true]] as const) {
    const s = imapString(value);
    if ('quoted' in s) {
      // Quoted values go on the line; the adapter masks LOGIN's password.
      head += `${s.quoted} `;
      continue;
    }
    if (!(await announceLiteral(session, imap, head, s.literal.length))) return;
    await session.write(imap.literal.prepareLiteral(s.literal, secret));
    head = ' ';
  }
  await session.send(head.trimEnd());
  await session.settled();
}

/**
 * `/append MAILBOX FILE [FLAGS]`: APPEND with a literal sized to the file's
 * CRLF form, streamed in chunks with backpressure (memory stays flat).
 */
export async function appendFile(session: Session, mailbox: string, file: string, flags: string | undefined, progress: Progress): Promise<void> {
  const imap = imapAdapter(session, '/append');
  fileSize(file);
  const box = imapString(mailbox);
  if (!('quoted' in box)) throw new UsageError('/append: the mailbox name cannot contain CR, LF, NUL or 8-bit characters; type the APPEND by hand');
  const size = await encodedSize(file);
  const flagList = flags ? `${flags.startsWith('(') ? flags : `(${flags})`} ` : '';
  if (!(await announceLiteral(session, imap, `APPEND ${box.quoted} ${flagList}`, size))) return;
  await streamLiteralFile(session, imap.literal, file, size, 'APPEND', progress);
}
