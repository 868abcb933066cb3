import { statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { MessageEncoder } from '../framing/dot-stuffing.js';

/** Read size: large enough for throughput, small enough for flat memory. */
const CHUNK = 1024 * 1024;

/** The file's size on disk; an unreadable file is a usage error. */
export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** One chunk of a file as it goes on the wire. */
export interface EncodedChunk {
  /** The chunk through the encoder. */
  bytes: Buffer;
  /** Bytes of the file it came from. */
  read: number;
}

/**
 * A file through `encoder`, chunk by chunk, reading one chunk ahead. The
 * chunks live in three pairs of buffers used in turn, not in fresh memory
 * (a page fault per 4 KiB made the first ~30 MiB of an upload run at half
 * speed), so a chunk stays valid only until two more have been taken: by
 * then the caller must be done writing it, as a write that resolves once
 * the write before it has been flushed ensures.
 */
export async function* encodedChunks(file: string, encoder: MessageEncoder): AsyncGenerator<EncodedChunk> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const slots = Array.from({ length: 3 }, () => ({ read: Buffer.allocUnsafe(CHUNK), out: Buffer.allocUnsafe(MessageEncoder.maxOutput(CHUNK)) }));
  let next = handle.read(slots[0].read, 0, CHUNK, null);
  try {
    for (let k = 0; ; k++) {
      const slot = slots[k % slots.length];
      const { bytesRead } = await next;
      if (bytesRead === 0) return;
      next = handle.read(slots[(k + 1) % slots.length].read, 0, CHUNK, null);
      yield { bytes: encoder.push(slot.read.subarray(0, bytesRead), slot.out), read: bytesRead };
    }
  } finally {
    // A read ahead still under way when the caller stopped: its end no longer matters.
    await next.catch(() => undefined);
    await handle.close();
  }
}
