import type { LiteralData, Unfinished } from './adapter.js';
import type { Outgoing, Piece } from './outgoing.js';

/**
 * A literal the user declared with `{N}` at the end of a typed line
 * (IMAP, RFC 9051 §4.3; ManageSieve `{N+}`, RFC 5804 §4).
 */
export interface TypedLiteral {
  /** Bytes of the literal still to come. */
  remaining: number;
  /** The literal carries a credential (IMAP LOGIN, AUTHENTICATE). */
  secret: boolean;
}

/** `{12}`, `{12+}` (LITERAL+) or `{12-}` (LITERAL-) at the end of a typed line. */
export const TYPED_LITERAL_RE = /\{(\d+)([+-]?)\}$/;

const CRLF = Buffer.from('\r\n');

/** One typed line's share of a literal, and what follows the literal on it. */
export interface LiteralStep {
  pieces: Piece[];
  /**
   * The literal ended inside this line: the rest of the command typed after
   * it (its text and the CRLF that ends it are already in `pieces`).
   * Undefined while the literal goes on or when it ended with the line.
   */
  rest?: string;
}

/**
 * Typed input is a byte stream in which Enter is CRLF (SPEC §5): the literal
 * is exactly its next `remaining` bytes, and what follows is the rest of the
 * command. Counts the bytes taken off `literal.remaining`.
 */
export function typedLiteralStep(literal: TypedLiteral, line: string, restSecret: boolean): LiteralStep {
  const typed = Buffer.concat([Buffer.from(line, 'utf8'), CRLF]);
  const part = typed.subarray(0, literal.remaining);
  literal.remaining -= part.length;
  const pieces: Piece[] = [{ bytes: part, secret: literal.secret }];
  const after = typed.subarray(part.length);
  if (after.length === 0) return { pieces };
  // The rest of the command, then the CRLF that ends it (never secret).
  const text = after.subarray(0, Math.max(0, after.length - 2));
  if (text.length > 0) pieces.push({ bytes: text, secret: restSecret });
  pieces.push({ bytes: after.subarray(text.length), secret: false });
  return { pieces, rest: text.toString('utf8') };
}

/**
 * What IMAP and ManageSieve adapters share about typed literals: the literal
 * being typed, the bytes of it still to come (for the prompt and helpers),
 * and helpers (`/append`, `/putscript`) that stream its bytes themselves.
 * After the literal the input is the rest of the command (mode `rest`).
 */
export abstract class TypedLiteralInput<Mode extends string> implements LiteralData {
  protected abstract mode: Mode | 'literal' | 'rest';
  /** The literal being typed. */
  protected literal: TypedLiteral | undefined;

  /** A literal being typed, or the rest of its command: a goodbye now would be read as part of it. */
  get unfinished(): Unfinished | undefined {
    const lost = 'the command was not finished';
    if (this.mode === 'literal') return { state: `inside a literal (${this.literal!.remaining} bytes to go)`, finish: 'type them to finish it', lost };
    if (this.mode === 'rest') return { state: 'after a literal', finish: 'Enter finishes its command', lost };
    return undefined;
  }

  /** Bytes of the literal being sent still to come, or undefined outside one. */
  get literalRemaining(): number | undefined {
    return this.mode === 'literal' ? this.literal!.remaining : undefined;
  }

  /** Whether the literal being sent carries a credential (undefined outside one). */
  get literalSecret(): boolean | undefined {
    return this.mode === 'literal' ? this.literal!.secret : undefined;
  }

  get literalData(): LiteralData {
    return this;
  }

  /**
   * Literal bytes a helper streams (not typed lines) or a tunnel passes on:
   * counted off, so that after the last one the input is the rest of the command.
   */
  prepareLiteral(bytes: Buffer, secret: boolean): Outgoing {
    const literal = this.literal;
    if (!literal || bytes.length > literal.remaining) throw new Error('more literal bytes than announced');
    literal.remaining -= bytes.length;
    if (literal.remaining === 0) {
      this.literal = undefined;
      this.mode = 'rest';
    }
    return { pieces: [{ bytes, secret }] };
  }
}
