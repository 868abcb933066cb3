/**
 * Parses a whole IMAP command, its literals already received, into a tag, a
 * command name and arguments (RFC 9051 §4, §9 formal syntax): atoms,
 * quoted strings, literals and parenthesized lists. Semantics (which
 * arguments a command takes) are the session's; this only knows the shapes.
 */

/** An argument: NIL, numbers, flags, sequence sets and fetch items are atoms. */
export type ImapArg =
  | { type: 'atom'; value: string }
  | { type: 'string'; value: Buffer }
  | { type: 'list'; items: ImapArg[] };

/** A command as received: `tag SP name [SP args]`. */
export interface ImapCommand {
  tag: string;
  /** Upper case; `UID FETCH` and the like keep the UID prefix: `UID FETCH`. */
  name: string;
  args: ImapArg[];
}

/** The text before, between and after literals: `text0 {n}` literal0 `text1` …. */
export interface CommandParts {
  texts: string[];
  literals: Buffer[];
}

/** A malformed command: the session answers BAD with the message. */
export class ImapSyntaxError extends Error {
  constructor(
    message: string,
    /** The tag, when the command got that far (else the BAD is untagged). */
    readonly tag?: string,
  ) {
    super(message);
  }
}

/** Characters that end an atom (RFC 9051 §9 atom-specials, less `]` `%` `*` which lenient atoms keep). */
const ATOM_END = new Set([' ', '(', ')', '"', '\r', '\n']);
const LITERAL_AT_END = /\{(\d+)\+?\}$/;

class Tokenizer {
  private part = 0;
  private pos = 0;

  constructor(private readonly parts: CommandParts) {}

  private get text(): string {
    return this.parts.texts[this.part];
  }

  atEnd(): boolean {
    return this.pos >= this.text.length && this.part === this.parts.texts.length - 1;
  }

  /** Skips the single space between arguments; at a list end or the command end there is none. */
  space(): void {
    if (this.text[this.pos] === ' ') this.pos++;
    else if (!this.atEnd() && this.text[this.pos] !== ')') throw new ImapSyntaxError('Missing space between arguments');
  }

  /** Reads arguments until the end of the command or, inside a list, the closing parenthesis. */
  args(inList: boolean): ImapArg[] {
    const out: ImapArg[] = [];
    for (;;) {
      if (this.atEnd()) {
        if (inList) throw new ImapSyntaxError('Missing )');
        return out;
      }
      if (this.text[this.pos] === ')') {
        if (!inList) throw new ImapSyntaxError('Unexpected )');
        this.pos++;
        return out;
      }
      out.push(this.arg());
      this.space();
    }
  }

  private arg(): ImapArg {
    const c = this.text[this.pos];
    if (c === '(') {
      this.pos++;
      return { type: 'list', items: this.args(true) };
    }
    if (c === '"') return { type: 'string', value: this.quoted() };
    if (c === '{' && /^\{\d+\+?\}$/.test(this.text.slice(this.pos)) && this.part < this.parts.literals.length) {
      const literal = this.parts.literals[this.part];
      this.part++;
      this.pos = 0;
      return { type: 'string', value: literal };
    }
    return { type: 'atom', value: this.atom() };
  }

  private quoted(): Buffer {
    let value = '';
    for (let i = this.pos + 1; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === '"') {
        this.pos = i + 1;
        return Buffer.from(value, 'utf8');
      }
      if (c === '\\') {
        const next = this.text[++i];
        // Only \" and \\ are quoted-specials (RFC 9051 §9).
        if (next !== '"' && next !== '\\') throw new ImapSyntaxError('Invalid escape in quoted string');
        value += next;
      } else {
        value += c;
      }
    }
    throw new ImapSyntaxError('Missing closing " of quoted string');
  }

  /** An atom; a `[` opens a section (`BODY[HEADER.FIELDS (A B)]<0.10>`) that runs to its `]`. */
  atom(): string {
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '[') depth++;
      else if (c === ']') depth = Math.max(0, depth - 1);
      else if (depth === 0 && ATOM_END.has(c)) break;
      this.pos++;
    }
    if (depth > 0) throw new ImapSyntaxError('Missing ]');
    if (this.pos === start) throw new ImapSyntaxError(`Unexpected ${JSON.stringify(this.text[this.pos] ?? 'end of command')}`);
    return this.text.slice(start, this.pos);
  }
}

/** A tag: ASTRING-CHARs except `+` (RFC 9051 §9). */
const TAG_RE = /^[^\x00-\x20\x7f(){%*"\\+]+$/;

/** Parses one command; throws ImapSyntaxError (with the tag once known) for BAD. */
export function parseImapCommand(parts: CommandParts): ImapCommand {
  const t = new Tokenizer(parts);
  if (t.atEnd()) throw new ImapSyntaxError('Empty command');
  const tag = t.atom();
  if (!TAG_RE.test(tag)) throw new ImapSyntaxError('Invalid tag');
  t.space();
  if (t.atEnd()) throw new ImapSyntaxError('Missing command', tag);
  try {
    let name = t.atom().toUpperCase();
    t.space();
    if (name === 'UID') {
      if (t.atEnd()) throw new ImapSyntaxError('Missing command after UID');
      name = `UID ${t.atom().toUpperCase()}`;
      t.space();
    }
    return { tag, name, args: t.args(false) };
  } catch (err) {
    if (err instanceof ImapSyntaxError) throw new ImapSyntaxError(err.message, tag);
    throw err;
  }
}

/** The literal a command line ends with: its size and whether the client waits for `+` (RFC 7888). */
export function trailingLiteral(line: string): { size: number; synchronizing: boolean } | undefined {
  const m = LITERAL_AT_END.exec(line);
  return m ? { size: Number(m[1]), synchronizing: !m[0].endsWith('+}') } : undefined;
}

/** An argument as text: atoms as they are, strings decoded as UTF-8; lists are not text. */
export function argText(arg: ImapArg | undefined): string | undefined {
  if (!arg || arg.type === 'list') return undefined;
  return arg.type === 'atom' ? arg.value : arg.value.toString('utf8');
}
