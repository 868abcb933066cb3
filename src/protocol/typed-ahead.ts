import type { TypedAheadData } from './adapter.js';
import { TYPED_LITERAL_RE } from './typed-literal.js';

const WHAT: Record<TypedAheadData['kind'], string> = {
  message: 'the message, up to the lone "."',
  sasl: 'SASL responses',
  literal: 'the literal and the rest of its command',
};

/**
 * The lines typed ahead as a refused command's data (SPEC §10), taken one by
 * one until the last of them: the lone "." of a message, the mechanism's
 * remaining SASL responses, or a literal's bytes (each typed line and its
 * CRLF, SPEC §5) and then the rest of its command.
 */
export class TypedAhead {
  private lines = 0;
  /** SASL responses still to come. */
  private responses: number;
  /** Literal bytes still to come; 0 with `restNext` when the next line is the rest of the command. */
  private bytes: number;
  private restNext: boolean;

  constructor(
    readonly command: string,
    private readonly data: TypedAheadData,
  ) {
    this.responses = data.kind === 'sasl' ? data.lines : 0;
    this.bytes = data.kind === 'literal' ? data.bytes : 0;
    this.restNext = data.kind === 'literal' && data.bytes === 0;
  }

  /** Whether a meta command line is data here (inside a message or literal), not between SASL responses. */
  get metaIsData(): boolean {
    return this.data.kind !== 'sasl';
  }

  /** Lines taken so far. */
  get count(): number {
    return this.lines;
  }

  /** Takes one typed line as data; true when it was the last. */
  take(line: string): boolean {
    this.lines++;
    switch (this.data.kind) {
      case 'message':
        return line === '.';
      case 'sasl':
        return --this.responses <= 0;
      case 'literal':
        return this.takeLiteral(line);
    }
  }

  private takeLiteral(line: string): boolean {
    let rest = line;
    if (!this.restNext) {
      const typed = Buffer.byteLength(line, 'utf8') + 2;
      if (typed <= this.bytes) {
        this.bytes -= typed;
        this.restNext = this.bytes === 0;
        return false;
      }
      // The literal ends inside this line: what follows is the rest of the command.
      rest = Buffer.from(line, 'utf8').subarray(this.bytes).toString('utf8');
    }
    // A rest that announces another literal carries the command on.
    const next = TYPED_LITERAL_RE.exec(rest);
    this.bytes = next ? Number(next[1]) : 0;
    this.restNext = next !== null && this.bytes === 0;
    return next === null;
  }

  /** The note for the lines dropped. */
  note(): string {
    const n = this.lines;
    return `${this.command} was refused: ${n} line${n === 1 ? '' : 's'} typed for it (${WHAT[this.data.kind]}) dropped, not sent`;
  }
}
