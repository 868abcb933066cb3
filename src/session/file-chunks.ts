import { closeSync, fstatSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { MessageEncoder } from '../framing/dot-stuffing.js';
import { openUserFile, unreadable } from '../files/user-file.js';

/** Read size: large enough for throughput, small enough for flat memory. */
const CHUNK = 1024 * 1024;

/**
 * The file's size on disk. A file that cannot be opened for reading, or a
 * directory, is a usage error here, before a command announces its bytes.
 */
export function fileSize(file: string): number {
  const fd = openUserFile(file);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UsageError(`cannot read ${file}: it is a directory`);
    return st.size;
  } finally {
    closeSync(fd);
  }
}

/** One chunk of a file as it goes on the wire. */
export interface EncodedChunk {
  /** The chunk through the encoder. */
  bytes: Buffer;
  /** Bytes of the file it came from. */
  read: number;
  /**
   * The file ends with this chunk. Known only for a file read whole in its
   * first chunk (most messages): the caller can send the message's end with it.
   */
  last: boolean;
}

/**
 * A file through `encoder`, chunk by chunk, reading one chunk ahead. The
 * chunks live in three pairs of buffers used in turn, not in fresh memory
 * (a page fault per 4 KiB made the first ~30 MiB of an upload run at half
 * speed), so a chunk stays valid only until two more have been taken: by
 * then the caller must be done writing it, as a write that resolves once
 * the write before it has been flushed ensures.
 */
export async function* encodedChunks(file: string, encoder: MessageEncoder, size: number): AsyncGenerator<EncodedChunk> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw unreadable(file, err);
  }
  // Buffers as large as the file (`size`, from fileSize) up to CHUNK: a small
  // message needs no megabytes. A file that grew is read in more chunks.
  const chunk = Math.min(CHUNK, Math.max(1, size));
  const slots = Array.from({ length: 3 }, () => ({ read: Buffer.allocUnsafe(chunk), out: Buffer.allocUnsafe(MessageEncoder.maxOutput(chunk)) }));
  let next = handle.read(slots[0].read, 0, chunk, null);
  try {
    for (let k = 0; ; k++) {
      const slot = slots[k % slots.length];
      const { bytesRead } = await next;
      if (bytesRead === 0) return;
      next = handle.read(slots[(k + 1) % slots.length].read, 0, chunk, null);
      // All that fileSize saw, in one chunk: the read ahead (into a free
      // buffer) tells at once whether the file ends here.
      const last = k === 0 && bytesRead >= size && (await next).bytesRead === 0;
      yield { bytes: encoder.push(slot.read.subarray(0, bytesRead), slot.out), read: bytesRead, last };
    }
  } finally {
    // A read ahead still under way when the caller stopped: its end no longer matters.
    await next.catch(() => undefined);
    await handle.close();
  }
}
