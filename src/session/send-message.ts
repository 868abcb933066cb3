import { UsageError } from '../errors.js';
import { encodedChunks, fileSize } from './file-chunks.js';
import type { Session } from './session.js';

/** Called as bytes of the file go out: (bytes read so far, file size). */
export type Progress = (done: number, total: number) => void;

/**
 * `/send FILE` (SPEC §4): streams a message file through DATA, or through BDAT
 * when the server offers CHUNKING (RFC 3030), with CRLF line ends, dot-stuffing
 * for DATA, and backpressure so memory stays flat for any file size.
 * Resolves with the final reply's status.
 */
export async function sendMessageFile(session: Session, file: string, progress: Progress): Promise<void> {
  const adapter = session.adapter.messageData;
  if (!adapter) throw new UsageError('/send works in SMTP, Submission and LMTP sessions');
  if (!adapter.atCommand) throw new UsageError('/send needs the command mode (finish DATA or AUTH first)');
  const total = fileSize(file);
  const chunking = adapter.chunking;
  const encoder = adapter.messageEncoder();
  const chunks = encodedChunks(file, encoder, total);
  // The file is opened and read while DATA's 354 (with --pipeline, the
  // replies to the whole group) is on its way.
  const first = chunks.next();
  // Not awaited if DATA fails: its failure is the one to report.
  first.catch(() => undefined);
  /**
   * Sends message bytes, and with `end` the message's end after them (DATA's
   * ".", or BDAT … LAST); false if the server refused them. A BDAT chunk
   * waits for its reply before the next.
   */
  const send = async (bytes: Buffer, end: boolean): Promise<boolean> => {
    if (chunking && bytes.length === 0 && !end) return true;
    const { command, data } = adapter.prepareData(bytes, end, encoder);
    if (command) await session.write(command);
    await session.write(data, false);
    if (!command) return true;
    await session.settled();
    return session.lastReply?.cls === 'ok';
  };
  let ended = false;
  try {
    if (!chunking) {
      const reply = await session.command('DATA');
      if (reply?.status !== '354') return;
    }
    let done = 0;
    for (let chunk = await first; !chunk.done; chunk = await chunks.next()) {
      const { bytes, read, last } = chunk.value;
      // A message in one chunk goes out with its end: one write, and with CHUNKING one BDAT LAST.
      ended = last;
      // RFC 3030 §2: after a 4xx/5xx to a BDAT, no more BDAT segments.
      if (!(await send(bytes, last)) && !last) {
        session.noteLine('warn', `the server refused a chunk of ${file}: the rest is not sent`);
        return;
      }
      done += read;
      progress(done, total);
      if (!session.connected) return;
    }
  } finally {
    // Closes the file when the loop did not run to its end.
    await chunks.return(undefined);
  }
  if (!ended && !(await send(Buffer.alloc(0), true))) return;
  await session.settled();
  reportOutcome(session, file, `${total} bytes through ${chunking ? 'BDAT' : 'DATA'}`);
}

/**
 * Says what the server made of the message (its last reply; in LMTP one per
 * recipient, RFC 2033 §4.2): sent only when it took it, never on a refusal
 * (a `503` to a BDAT in a group whose recipients were all refused).
 */
function reportOutcome(session: Session, file: string, what: string): void {
  const reply = session.lastReply;
  const replies = reply?.group ?? (reply ? [reply] : []);
  const taken = replies.filter((r) => r.cls === 'ok');
  if (replies.length > 0 && taken.length === replies.length) {
    session.noteLine('info', `sent ${file}: ${what}`);
  } else if (taken.length > 0) {
    const refused = replies.filter((r) => r.cls !== 'ok').map((r) => r.recipient ?? '?');
    session.noteLine('info', `sent ${file}: ${what}; accepted for ${taken.length} of ${replies.length} recipients, refused for ${refused.join(', ')}`);
  } else {
    session.noteLine('info', `${file} was not accepted: ${reply ? `the server answered ${reply.status} ${reply.lines.at(-1) ?? ''}`.trimEnd() : 'no reply'}`);
  }
}
