import { UsageError } from '../errors.js';
import { MessageEncoder } from '../framing/dot-stuffing.js';
import { commandLine, rawBytes } from '../protocol/outgoing.js';
import { SmtpAdapter } from '../protocol/smtp.js';
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
  const adapter = session.adapter;
  if (!(adapter instanceof SmtpAdapter)) throw new UsageError('/send works in SMTP, Submission and LMTP sessions');
  if (adapter.inputMode !== 'command') throw new UsageError('/send needs the command mode (finish DATA or AUTH first)');
  const total = fileSize(file);
  const chunking = adapter.capabilities.has('CHUNKING');
  if (!chunking) {
    const reply = await session.command('DATA');
    if (reply?.status !== '354') return;
  }
  const encoder = new MessageEncoder(!chunking);
  let done = 0;
  for await (const { bytes, read } of encodedChunks(file, encoder)) {
    if (chunking) await sendChunk(session, adapter, bytes, false);
    else await session.write(rawBytes(bytes), false);
    done += read;
    progress(done, total);
    if (!session.connected) return;
  }
  const tail = encoder.end();
  if (chunking) {
    await sendChunk(session, adapter, tail, true);
  } else {
    adapter.dataSent('.');
    await session.write(rawBytes(tail), false);
  }
  session.noteLine('info', `sent ${file}: ${total} bytes through ${chunking ? 'BDAT' : 'DATA'}`);
  await session.settled();
}

/** One `BDAT n [LAST]` command and its chunk; waits for the reply before the next. */
async function sendChunk(session: Session, adapter: SmtpAdapter, bytes: Buffer, last: boolean): Promise<void> {
  if (bytes.length === 0 && !last) return;
  adapter.dataSent('BDAT');
  await session.write(commandLine(`BDAT ${bytes.length}${last ? ' LAST' : ''}`));
  await session.write(rawBytes(bytes), false);
  await session.settled();
}
