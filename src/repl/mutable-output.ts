import { Writable } from 'node:stream';

type Screen = Writable & { columns?: number; rows?: number; isTTY?: boolean };

/** How long the window size must stay put before the input is redrawn for it. */
const RESIZE_SETTLE_MS = 60;

/**
 * The terminal as readline sees it, with a switch that mutes readline's echo
 * for hidden input (a password) while mailsh itself keeps writing server
 * lines through `direct`. Writes pass on synchronously so both stay in order.
 */
export class MutableOutput extends Writable {
  muted = false;

  constructor(readonly direct: Screen) {
    super({ decodeStrings: false });
    // A window being dragged sends SIGWINCH after SIGWINCH. A redraw made for
    // one width that reaches the terminal after the next resize goes up the
    // wrong number of rows and erases lines above the prompt (seen: the
    // greeting vanished). So readline redraws once, when the size has settled.
    let settling: NodeJS.Timeout | undefined;
    direct.on('resize', () => {
      clearTimeout(settling);
      settling = setTimeout(() => this.emit('resize'), RESIZE_SETTLE_MS).unref();
    });
  }

  get columns(): number | undefined {
    return this.direct.columns;
  }

  get rows(): number | undefined {
    return this.direct.rows;
  }

  get isTTY(): boolean {
    return this.direct.isTTY === true;
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.muted) this.direct.write(chunk);
    callback();
  }
}
