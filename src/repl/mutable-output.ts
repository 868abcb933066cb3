import { Writable } from 'node:stream';

type Screen = Writable & { columns?: number; rows?: number; isTTY?: boolean };

/**
 * The terminal as readline sees it, with a switch that mutes readline's echo
 * for hidden input (a password) while mailsh itself keeps writing server
 * lines through `direct`. Writes pass on synchronously so both stay in order.
 */
export class MutableOutput extends Writable {
  muted = false;

  constructor(readonly direct: Screen) {
    super({ decodeStrings: false });
    direct.on('resize', () => this.emit('resize'));
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
