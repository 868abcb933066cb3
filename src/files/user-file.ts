import { openSync, readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/*
 * Files the user named (a script, a transcript, a message, a CA file): one
 * way to say why one cannot be read, a usage error of one line
 * (`cannot read script x.txt: ENOENT`), never a stack trace.
 */

/** The usage error for a file that cannot be read; `named` is how the message names it. */
export function unreadable(named: string, err: unknown): UsageError {
  return new UsageError(`cannot read ${named}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
}

/** A whole file the user named, or the usage error saying why not. */
export function readUserFile(file: string, named = file): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw unreadable(named, err);
  }
}

/** A file the user named opened for reading (a descriptor), or the usage error saying why not. */
export function openUserFile(file: string): number {
  try {
    return openSync(file, 'r');
  } catch (err) {
    throw unreadable(file, err);
  }
}
