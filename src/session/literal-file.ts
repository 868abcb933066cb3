import { UsageError } from '../errors.js';
import { MessageEncoder } from '../framing/dot-stuffing.js';
import type { LiteralData } from '../protocol/adapter.js';
import { encodedChunks, fileSize } from './file-chunks.js';
import type { Progress } from './send-message.js';
import type { Session } from './session.js';

/** Byte size of a file once its line ends are CRLF, as the literal will carry it. */
export async function encodedSize(file: string): Promise<number> {
  const encoder = new MessageEncoder(false);
  let size = 0;
  for await (const { bytes } of encodedChunks(file, encoder, fileSize(file))) size += bytes.length;
  return size + encoder.end().length;
}

/**
 * Streams `file` in its CRLF form as the `size`-byte literal the adapter is
 * waiting for, in chunks with backpressure (memory stays flat), then ends
 * the command with its CRLF and waits for the reply. `command` names it in
 * errors (`APPEND`, `PUTSCRIPT`).
 */
export async function streamLiteralFile(session: Session, literal: LiteralData, file: string, size: number, command: string, progress: Progress): Promise<void> {
  const total = fileSize(file);
  const encoder = new MessageEncoder(false);
  let done = 0;
  let sent = 0;
  const send = async (bytes: Buffer): Promise<void> => {
    if (bytes.length === 0) return;
    // The server may end the command early (IMAP BAD to a LITERAL+ APPEND).
    if (literal.literalRemaining === undefined) throw new UsageError(`the server ended the ${command} before the file was sent`);
    if (sent + bytes.length > size) throw new Error(`${file} changed while it was being sent`);
    const out = literal.prepareLiteral(bytes, false);
    sent += bytes.length;
    await session.write(out, false);
  };
  for await (const { bytes, read } of encodedChunks(file, encoder, total)) {
    await send(bytes);
    done += read;
    progress(done, total);
    if (!session.connected) return;
  }
  await send(encoder.end());
  if (sent !== size) throw new Error(`${file} changed while it was being sent`);
  session.noteLine('info', `sent ${file}: ${size} bytes as a literal`);
  await session.send('');
  await session.settled();
}
