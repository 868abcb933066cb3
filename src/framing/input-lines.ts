import { UsageError } from '../errors.js';

/**
 * Splits typed or piped input into lines (SPEC §2): LF, CR and CRLF all end a
 * line, and a CR followed by LF is ONE line end even when a read ends between
 * the two bytes. Lines come out without their terminator; the writer adds
 * exactly one CRLF.
 */
export class InputLineSplitter {
  private partial = '';
  /** A CR ended the previous chunk: an LF starting the next one belongs to it. */
  private swallowLf = false;

  /** Feeds a chunk; returns the lines it completed. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    if (chunk === '') return lines;
    let start = 0;
    let i = 0;
    if (this.swallowLf && chunk.startsWith('\n')) {
      start = i = 1;
    }
    this.swallowLf = false;
    for (; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      lines.push(this.partial + chunk.slice(start, i));
      this.partial = '';
      if (c === 0x0d) {
        if (i + 1 === chunk.length) this.swallowLf = true;
        else if (chunk.charCodeAt(i + 1) === 0x0a) i++;
      }
      start = i + 1;
    }
    this.partial += chunk.slice(start);
    return lines;
  }

  /** End of input: a last line without a terminator still counts. */
  end(): string[] {
    const rest = this.partial;
    this.partial = '';
    this.swallowLf = false;
    return rest === '' ? [] : [rest];
  }
}

/** The lines of a whole input at once (a script file), split as typed or piped input is. */
export function inputLines(text: string): string[] {
  const splitter = new InputLineSplitter();
  return [...splitter.push(text), ...splitter.end()];
}

/**
 * Decodes script input as UTF-8 and refuses bytes that are not: mailsh sends
 * text as given, and a decoder that turned them into U+FFFD would change
 * what goes out silently (issue 21 item 11). `/bytes` sends exact bytes.
 */
export class StrictUtf8 {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  /** `where`: what the input is, for the error (`script FILE`, `standard input`). */
  constructor(private readonly where: string) {}

  /** Decodes one chunk; `more`: further chunks follow (a character may span two). */
  decode(bytes: Uint8Array, more = false): string {
    try {
      return this.decoder.decode(bytes, { stream: more });
    } catch {
      throw new UsageError(`${this.where} is not valid UTF-8: nothing is sent altered (/bytes sends exact bytes)`);
    }
  }
}
