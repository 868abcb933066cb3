import { createReadStream, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { MessageEncoder } from '../framing/dot-stuffing.js';
import { rawBytes } from '../protocol/outgoing.js';
import type { Progress } from './send-message.js';
import type { Session } from './session.js';

/** Read size: large enough for throughput, small enough for flat memory. */
const CHUNK = 1024 * 1024;

/**
 * An adapter whose typed literal a helper may stream itself (IMAP APPEND,
 * ManageSieve PUTSCRIPT): it counts the bytes off so that after the last one
 * the input is the rest of the command.
 */
export interface LiteralSink {
  /** Bytes of the literal still to come, or undefined when none is open. */
  readonly literalRemaining: number | undefined;
  literalSent(n: number): void;
}

/** The file's size on disk; an unreadable file is a usage error. */
export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function chunks(file: string): AsyncIterable<Buffer> {
  return createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>;
}

/** Byte size of a file once its line ends are CRLF, as the literal will carry it. */
export async function encodedSize(file: string): Promise<number> {
  const encoder = new MessageEncoder(false);
  let size = 0;
  for await (const chunk of chunks(file)) size += encoder.push(chunk).length;
  return size + encoder.end().length;
}

/**
 * Streams `file` in its CRLF form as the `size`-byte literal the adapter is
 * waiting for, in chunks with backpressure (memory stays flat), then ends
 * the command with its CRLF and waits for the reply. `command` names it in
 * errors (`APPEND`, `PUTSCRIPT`).
 */
export async function streamLiteralFile(session: Session, sink: LiteralSink, file: string, size: number, command: string, progress: Progress): Promise<void> {
  const total = fileSize(file);
  const encoder = new MessageEncoder(false);
  let done = 0;
  let sent = 0;
  const send = async (bytes: Buffer): Promise<void> => {
    if (bytes.length === 0) return;
    // The server may end the command early (IMAP BAD to a LITERAL+ APPEND).
    if (sink.literalRemaining === undefined) throw new UsageError(`the server ended the ${command} before the file was sent`);
    if (sent + bytes.length > size) throw new Error(`${file} changed while it was being sent`);
    sink.literalSent(bytes.length);
    sent += bytes.length;
    await session.write(rawBytes(bytes), false);
  };
  for await (const chunk of chunks(file)) {
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
