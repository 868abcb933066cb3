import { PassThrough, type Readable } from 'node:stream';

/**
 * The terminal is mailsh's from start-up (issue 16 §4): raw mode at once, so
 * keys typed while mailsh connects and waits for a greeting are neither
 * echoed by the terminal nor left in its buffer for the shell. They wait
 * here for the line editor; whatever is left at exit is dropped. Raw mode
 * stays on until the process ends (Node restores the terminal then), so
 * keys typed while quitting are dropped too, not run by the shell.
 *
 * In raw mode the terminal sends no SIGINT: Ctrl-C while the line editor is
 * not reading (connecting, quitting) calls `interrupt`.
 */
export function holdKeys(tty: NodeJS.ReadStream, interrupt: () => void): Readable {
  const keys = new PassThrough();
  tty.setRawMode(true);
  tty.on('data', (chunk: Buffer) => {
    if (keys.readableFlowing !== true && chunk.includes(0x03)) interrupt();
    else keys.write(chunk);
  });
  // readline turns raw mode off when it closes; it stays on until exit.
  return Object.assign(keys, { isTTY: true, setRawMode: () => keys });
}
