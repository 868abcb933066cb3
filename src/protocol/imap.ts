import { lineText, type LiteralChunk, type ServerLine } from '../framing/line-reader.js';
import { unexpected, type AdapterEvent, type LineLimit, type LineView, type Prepared, type ProtocolAdapter, type ReplyClass, type Tagging } from './adapter.js';
import { DEFAULT_MAX_REPLY_LINES } from './reply-lines.js';
import { ResponseText } from './response-text.js';
import { Secret, commandLine, type Outgoing } from './outgoing.js';
import { credentialCommand, markCredential } from './credentials.js';
import { TagAllocator, tagLine } from './imap-tagging.js';
import { IMAP_COMMANDS, isImapCommand } from './imap-commands.js';
import { FETCH_ITEMS, capabilityAtoms } from './completion-words.js';
import { unknownCommandHint } from './command-hint.js';
import { KeptWords, keptCapabilities } from './kept-words.js';
import { SaslExchange, challengeSeen, saslResponse } from './sasl-continuation.js';
import { TYPED_LITERAL_RE, TypedLiteralInput, typedLiteralStep, type TypedLiteral } from './typed-literal.js';

/**
 * What the next typed line is (DESIGN rule 6): a command, a line during IDLE,
 * a SASL response, bytes of a literal, or the rest of a command after one.
 */
export type ImapMode = 'command' | 'idle' | 'sasl' | 'literal' | 'rest';

interface InFlight {
  command: string;
  /** The mailbox a SELECT/EXAMINE would open. */
  mailbox?: string;
}

const STATUS_RE = /^(OK|NO|BAD|PREAUTH|BYE)\b/i;

/** RFC 9051 §9 `tag`: ASTRING-CHARs but `+`, i.e. no SP, CTL, `(`, `)`, `{`, `%`, `*`, `"`, `\`, `+`, 8-bit. */
const TAG_RE = /^[!#$&',-[\]-z|}~]+$/;

/** `LIST (\HasNoChildren) "." INBOX` (or LSUB): the mailbox name is the last field. */
const LIST_RE = /^(?:LIST|LSUB) \([^)]*\) (?:"(?:[^"\\]|\\.)*"|NIL) ("(?:[^"\\]|\\.)*"|[^\s"{]+)$/i;

function statusClass(status: string): ReplyClass {
  switch (status.toUpperCase()) {
    case 'OK':
    case 'PREAUTH':
      return 'ok';
    case 'NO':
    case 'BAD':
      return 'fail';
    default:
      return 'info';
  }
}

/** `[CAPABILITY IMAP4rev1 …]` in a status response, or an untagged CAPABILITY. */
function capabilityList(text: string): string[] | undefined {
  const code = /\[CAPABILITY ([^\]]*)\]/i.exec(text);
  if (code) return code[1].split(/\s+/);
  const untagged = /^CAPABILITY (.*)$/i.exec(text);
  return untagged ? untagged[1].trim().split(/\s+/) : undefined;
}

/**
 * Commands that change the state the next command is read in (authentication,
 * TLS, the selected mailbox, message numbers): nothing is sent while one is
 * in flight, and one waits for those before it (RFC 9051 §5.5).
 */
const IMAP_BARRIERS = new Set([
  'LOGIN', 'AUTHENTICATE', 'STARTTLS', 'SELECT', 'EXAMINE', 'CLOSE', 'UNSELECT', 'LOGOUT', 'IDLE',
  'ENABLE', 'COMPRESS', 'UNAUTHENTICATE', 'EXPUNGE', 'UID EXPUNGE', 'MOVE', 'UID MOVE',
]);

/** Commands that take message sequence numbers (RFC 9051 §5.5). */
const SEQUENCE_COMMANDS = new Set(['FETCH', 'STORE', 'SEARCH', 'COPY', 'MOVE']);

/** The only commands during which a server may not send EXPUNGE (RFC 9051 §5.5, §7.5.1). */
const NO_EXPUNGE_DURING = new Set(['FETCH', 'STORE', 'SEARCH']);

/**
 * IMAP (RFC 9051/3501): auto-tagging, matching tagged completions to their
 * commands, continuations for IDLE and AUTHENTICATE, capability and selected
 * mailbox tracking.
 */
export class ImapAdapter extends TypedLiteralInput<ImapMode> implements ProtocolAdapter, Tagging {
  readonly protocol = 'imap';
  readonly literals = true;
  protected mode: ImapMode = 'command';
  private readonly tags = new TagAllocator();
  private readonly inFlight = new Map<string, InFlight>();
  /**
   * Lines sent without a tag a server can echo (`* NOOP`): whatever the
   * server answers with — Dovecot's untagged `* BAD`, or a tagged completion
   * mailsh cannot match — completes the oldest.
   */
  private readonly tagless: string[] = [];
  private greeted = false;
  private caps = new Map<string, string[]>();
  private selected: string | undefined;
  private readonly mailboxSet = new Set<string>();
  /** Mailbox names are kept within a budget of bytes too (issue 21 item 8). */
  private readonly mailboxBytes = new KeptWords();
  /** The tag of the command that `+` continuations belong to (IDLE, AUTHENTICATE, literals). */
  private continuationTag: string | undefined;
  /** A synchronizing literal waiting for the server's `+`. */
  private announced: TypedLiteral | undefined;
  /**
   * The tag of a command whose next response decides what the next typed
   * line is (IDLE, AUTHENTICATE and each SASL response, STARTTLS, a
   * synchronizing literal): its `+` or its tagged completion.
   */
  private decidingTag: string | undefined;
  /** The AUTHENTICATE exchange typed, while one is under way. */
  private sasl: SaslExchange | undefined;
  autoTag = true;
  /** The server said `* BYE`: whatever follows is worth a warning, once. */
  private bye: 'no' | 'said' | 'warned' = 'no';
  /**
   * Untagged lines and literal contents since the command (since the last
   * completion when commands are pipelined): the reply `/expect` sees.
   */
  private readonly untaggedText: ResponseText;

  /** `maxReplyLines`: at most this many LIST names are kept for completion, and lines of a response for `/expect`. */
  constructor(private readonly maxReplyLines = DEFAULT_MAX_REPLY_LINES) {
    super();
    this.untaggedText = new ResponseText(maxReplyLines);
  }

  get tagging(): Tagging {
    return this;
  }

  get pending(): number {
    return this.inFlight.size + this.tagless.length + (this.greeted ? 0 : 1);
  }

  get promptState(): string {
    if (this.mode === 'idle') return 'idle';
    if (this.mode === 'sasl' || this.mode === 'rest') return '+';
    if (this.mode === 'literal') return `+${this.literal!.remaining}`;
    return this.selected ?? '';
  }

  /** Inside a typed literal every line is data: no meta commands, no helpers. */
  get metaAllowed(): boolean {
    return this.mode !== 'literal';
  }

  get awaitingInput(): boolean {
    return this.mode !== 'command';
  }

  get deciding(): boolean {
    return this.decidingTag !== undefined;
  }

  get finishLine(): string | undefined {
    if (this.mode === 'idle') return 'DONE';
    return this.mode === 'sasl' ? '*' : undefined;
  }

  get lineLimit(): LineLimit | undefined {
    // RFC 7162 §4: clients should keep command lines within 8192 octets.
    if (this.mode === 'command' || this.mode === 'rest') return { bytes: 8192, rule: "IMAP's advised 8 KiB command line limit (RFC 7162 §4)" };
    return undefined;
  }

  get capabilities(): ReadonlyMap<string, readonly string[]> {
    return this.caps;
  }

  /** Mailbox names seen in LIST/LSUB responses, for completion. */
  get mailboxes(): ReadonlySet<string> {
    return this.mailboxSet;
  }


  prepare(line: string): Prepared {
    if (this.mode === 'idle') {
      // RFC 2177: DONE ends IDLE and is sent untagged; anything else draws BAD.
      if (line.trim().toUpperCase() === 'DONE') {
        this.mode = 'command';
        return { out: commandLine(line) };
      }
      return { out: commandLine(line), hint: 'the session is in IDLE: only DONE ends it (RFC 2177), the server will most likely answer BAD; sent as typed' };
    }
    if (this.mode === 'sasl') {
      this.mode = 'command';
      this.decidingTag = this.continuationTag;
      this.sasl?.responded(line);
      return saslResponse(line);
    }
    if (this.mode === 'literal') return this.literalBytes(line);
    if (this.mode === 'rest') {
      this.mode = 'command';
      const secret = this.inCredential();
      return this.withLiteral(secret ? commandLine(new Secret(line)) : commandLine(line), line, secret);
    }
    const tagged = tagLine(line, this.tags, this.autoTag);
    // Untagged (`/tag off`): still masked wherever a LOGIN or AUTHENTICATE is.
    if (!tagged) {
      this.trackUntagged(line);
      return { out: markCredential(line, credentialCommand('imap', line)).out, hint: this.untaggedHint(line) };
    }
    // What came while nothing was in flight answers no command.
    if (this.pending === 0) this.untaggedText.clear();
    const flight: InFlight = { command: tagged.command };
    if (tagged.command === 'SELECT' || tagged.command === 'EXAMINE') {
      flight.mailbox = unquote(tagged.rest.split(/\s+/).slice(1).join(' '));
    }
    // A typed tag the server cannot read (`* NOOP`) draws an untagged BAD.
    if (TAG_RE.test(tagged.tag)) this.inFlight.set(tagged.tag.toUpperCase(), flight);
    else this.tagless.push(tagged.command);
    if (tagged.command === 'IDLE' || tagged.command === 'AUTHENTICATE') this.continuationTag = tagged.tag;
    if (tagged.command === 'AUTHENTICATE') this.sasl = new SaslExchange(tagged.rest.replace(/^\S+/, ''));
    if (['STARTTLS', 'AUTHENTICATE', 'IDLE'].includes(tagged.command)) this.decidingTag = tagged.tag;
    // LOGIN's password and an AUTHENTICATE initial response are secrets
    // (SPEC §9), as words or literals; the user name stays readable.
    const text = tagged.generated ? tagged.rest : line;
    const marked = markCredential(text, credentialCommand('imap', text), tagged.generated ? `${tagged.tag} ` : '');
    return this.withLiteral(marked.out, line, marked.literalSecret, tagged.tag);
  }

  /**
   * A line sent as typed still gets a completion (RFC 9051 §2.2.2), and a
   * refusal counts like any other (issue 21 item 11: `/tag off` then
   * `/login` sends `LOGIN "alice" …`, which Dovecot answers `LOGIN BAD`).
   * The server takes the first word as the tag; a first word that cannot be
   * a tag gets an answer mailsh cannot match by tag.
   */
  private trackUntagged(line: string): void {
    const words = line.trim().split(/\s+/);
    if (words[0] === '') return;
    if (this.pending === 0) this.untaggedText.clear();
    const command = (words[1] ?? '').toUpperCase();
    if (!TAG_RE.test(words[0]) || this.inFlight.has(words[0].toUpperCase())) {
      this.tagless.push(command);
      return;
    }
    this.tags.reserve(words[0]);
    this.inFlight.set(words[0].toUpperCase(), { command });
  }

  /**
   * RFC 9051 §5.5: commands may be sent without waiting unless an ambiguity
   * would result: not around a state-changing command, and a command with
   * sequence numbers not while one is in flight during which the server may
   * send EXPUNGE (which renumbers the messages).
   */
  mayPipeline(line: string): boolean {
    if (this.mode !== 'command' || !this.greeted) return false;
    const command = tagLine(line, new TagAllocator(), this.autoTag)?.command;
    if (command === undefined || IMAP_BARRIERS.has(command)) return false;
    const flights = [...this.inFlight.values()];
    if (flights.some((f) => IMAP_BARRIERS.has(f.command))) return false;
    return !SEQUENCE_COMMANDS.has(command) || flights.every((f) => NO_EXPUNGE_DURING.has(f.command));
  }

  /**
   * A line ending in `{N}` announces a literal: a synchronizing one waits for
   * `+` (its response decides), `{N+}`/`{N-}` go on at once (RFC 7888).
   */
  private withLiteral(out: Outgoing, line: string, secret: boolean, tag?: string): Prepared {
    const m = TYPED_LITERAL_RE.exec(line);
    if (!m) return { out };
    if (tag) this.continuationTag = tag;
    const literal: TypedLiteral = { remaining: Number(m[1]), secret };
    if (m[2] === '') {
      this.announced = literal;
      this.decidingTag = this.continuationTag;
    } else this.startLiteral(literal);
    return { out };
  }

  private startLiteral(literal: TypedLiteral): void {
    if (literal.remaining === 0) {
      this.mode = 'rest';
      return;
    }
    this.literal = literal;
    this.mode = 'literal';
  }

  /** The next typed line is (part of) the literal; after it, the rest of the command. */
  private literalBytes(line: string): Prepared {
    const literal = this.literal!;
    const step = typedLiteralStep(literal, line, this.inCredential());
    const out = { pieces: step.pieces };
    if (literal.remaining > 0) return { out };
    this.literal = undefined;
    if (step.rest === undefined) {
      this.mode = 'rest';
      return { out };
    }
    this.mode = 'command';
    return this.withLiteral(out, step.rest, this.inCredential());
  }

  /**
   * Whether the command being continued after a literal is LOGIN or
   * AUTHENTICATE: whatever follows the literal is (part of) the credential.
   */
  private inCredential(): boolean {
    const command = this.continuationTag && this.inFlight.get(this.continuationTag.toUpperCase())?.command;
    return command === 'LOGIN' || command === 'AUTHENTICATE';
  }

  receive(line: ServerLine): { view: LineView; events: AdapterEvent[] } {
    const text = lineText(line);
    // The rest of a response after a literal: never a status line.
    if (line.continued) {
      if (text !== '') this.untaggedText.push(text);
      return { view: { cls: 'info' }, events: [] };
    }
    const alert = /\[ALERT\]/i.test(text);
    // RFC 9051 §6.1.3: LOGOUT's tagged OK follows the BYE, as it must.
    const afterBye = this.bye === 'said' && !this.completes(text, 'LOGOUT');
    const result = this.response(text, alert);
    if (afterBye) {
      // RFC 9051 §7.1.5: after BYE the server closes; more is a broken server.
      this.bye = 'warned';
      result.events.unshift(unexpected('more after its BYE'));
    }
    return result;
  }

  /** Whether `text` is the tagged completion of an in-flight `command`. */
  private completes(text: string, command: string): boolean {
    const tag = /^\S+/.exec(text)?.[0].toUpperCase();
    return tag !== undefined && this.inFlight.get(tag)?.command === command;
  }

  receiveLiteral(chunk: LiteralChunk): void {
    this.untaggedText.pushLiteral(chunk);
  }

  private response(text: string, alert: boolean): { view: LineView; events: AdapterEvent[] } {
    if (text.startsWith('+')) return this.continuation(text);
    if (text.startsWith('* ')) return this.untagged(text.slice(2), alert);
    const m = /^(\S+) (.*)$/.exec(text);
    const flight = m ? this.inFlight.get(m[1].toUpperCase()) : undefined;
    if (m && !flight && this.tagless.length > 0) return this.taglessReply(text, m[2], alert);
    if (!m || !flight) {
      return { view: { cls: 'info', alert }, events: [{ type: 'notice', level: 'warn', text: 'response for a tag that is not in flight' }] };
    }
    this.inFlight.delete(m[1].toUpperCase());
    const { cls, status, events } = this.completion(text, m[2], flight.command, alert);
    this.learnCapabilities(m[2]);
    if (m[1] === this.decidingTag) this.decidingTag = undefined;
    if (m[1] === this.continuationTag) {
      // Done (or refused): whatever continuation was under way is over.
      if (cls === 'fail') events.push(...this.refusedInput(flight.command));
      this.sasl = undefined;
      this.continuationTag = undefined;
      this.announced = undefined;
      this.literal = undefined;
      this.mode = 'command';
    }
    if (flight.command === 'SELECT' || flight.command === 'EXAMINE') this.selected = cls === 'ok' ? flight.mailbox : undefined;
    if (flight.command === 'CLOSE' || flight.command === 'UNSELECT') this.selected = undefined;
    if (flight.command === 'STARTTLS' && status === 'OK') events.push({ type: 'starttls' });
    return { view: { cls, alert }, events };
  }

  /** A completion's reply event, with the untagged lines held since its command. */
  private completion(text: string, rest: string, command: string, alert: boolean): { cls: ReplyClass; status: string; events: AdapterEvent[]; view: LineView } {
    const status = STATUS_RE.exec(rest)?.[1].toUpperCase() ?? '';
    const cls = statusClass(status);
    const held = this.untaggedText.take();
    const reply = { status, cls, lines: [...held.lines, text], command, ...(held.partial ? { partial: true } : {}) };
    return { cls, status, events: [{ type: 'reply', reply }], view: { cls, alert } };
  }

  /** The answer to the oldest line sent without a usable tag. */
  private taglessReply(text: string, rest: string, alert: boolean): { view: LineView; events: AdapterEvent[] } {
    const { view, events } = this.completion(text, rest, this.tagless.shift()!, alert);
    return { view, events };
  }

  private untagged(text: string, alert: boolean): { view: LineView; events: AdapterEvent[] } {
    // RFC 9051 §7.1.5 (BAD): a command whose tag the server could not read is refused untagged.
    if (this.greeted && this.tagless.length > 0 && /^BAD\b/i.test(text)) return this.taglessReply(`* ${text}`, text, alert);
    this.learnCapabilities(text);
    if (this.greeted) this.untaggedText.push(`* ${text}`);
    const listed = LIST_RE.exec(text);
    if (listed && this.mailboxSet.size < this.maxReplyLines) {
      const name = this.mailboxBytes.take(unquote(listed[1]));
      if (name !== undefined) this.mailboxSet.add(name);
    }
    const status = STATUS_RE.exec(text)?.[1].toUpperCase();
    if (status === 'BYE' && this.bye === 'no') this.bye = 'said';
    if (!this.greeted) {
      this.greeted = true;
      const cls = statusClass(status ?? '');
      return { view: { cls, alert }, events: [{ type: 'reply', reply: { status: status ?? '', cls, lines: [`* ${text}`], command: '<greeting>' } }] };
    }
    return { view: { cls: status ? statusClass(status) : 'info', alert }, events: [] };
  }

  private continuation(text: string): { view: LineView; events: AdapterEvent[] } {
    const flight = this.continuationTag ? this.inFlight.get(this.continuationTag.toUpperCase()) : undefined;
    const view: LineView = { cls: 'more' };
    const events: AdapterEvent[] = [];
    this.decidingTag = undefined;
    if (this.announced) {
      this.startLiteral(this.announced);
      this.announced = undefined;
    } else if (flight?.command === 'IDLE') this.mode = 'idle';
    else if (flight?.command === 'AUTHENTICATE') {
      this.mode = 'sasl';
      const challenge = challengeSeen(text.slice(1));
      view.annotation = challenge.annotation;
      events.push(challenge.event);
    } else return { view, events: [unexpected('a continuation (+) while nothing was waiting for one')] };
    return { view, events };
  }

  /** A refused command's typed-ahead input: the literal it announced, or the SASL responses still to come. */
  private refusedInput(command: string): AdapterEvent[] {
    if (this.announced) return [{ type: 'refused', command, data: { kind: 'literal', bytes: this.announced.remaining } }];
    return this.sasl?.refused(command) ?? [];
  }

  private learnCapabilities(text: string): void {
    const list = capabilityList(text);
    if (!list) return;
    // AUTH=PLAIN AUTH=LOGIN becomes AUTH → [PLAIN, LOGIN].
    const caps = new Map<string, string[]>();
    for (const cap of list) {
      const [key, value] = cap.split('=');
      const values = caps.get(key.toUpperCase()) ?? [];
      if (value !== undefined) values.push(value);
      caps.set(key.toUpperCase(), values);
    }
    this.caps = keptCapabilities(caps);
  }

  startTlsCommands(): string[] {
    return ['STARTTLS'];
  }

  /**
   * A line that got no tag: fine when the user tags by hand (`/tag off`) or
   * types a command mailsh does not know after a tag; but when neither of
   * the first two words is a command, `selct INBOX` would go out with
   * `selct` as its tag.
   */
  private untaggedHint(line: string): string | undefined {
    const words = line.trim().split(/\s+/).slice(0, 2);
    if (words[0] === '' || words.some((w) => isImapCommand(w))) return undefined;
    return unknownCommandHint('an IMAP', words, [...IMAP_COMMANDS]);
  }

  get mechanisms(): readonly string[] {
    return this.caps.get('AUTH') ?? [];
  }

  completionWords(before: readonly string[]): readonly string[] {
    if (before.length === 0) return [...IMAP_COMMANDS];
    // `UID FETCH 1:* …` takes the same arguments as `FETCH 1:* …`.
    const [command, ...args] = before[0].toUpperCase() === 'UID' ? before.slice(1) : before;
    switch (command?.toUpperCase()) {
      case 'AUTHENTICATE':
        return args.length === 0 ? this.mechanisms : [];
      case 'FETCH':
        return args.length >= 1 ? FETCH_ITEMS : [];
      case 'ENABLE':
        return capabilityAtoms(this.caps);
      case 'SELECT': case 'EXAMINE': case 'STATUS': case 'APPEND': case 'CREATE': case 'DELETE':
      case 'SUBSCRIBE': case 'UNSUBSCRIBE': case 'GETQUOTAROOT': case 'MYRIGHTS': case 'GETACL':
        return args.length === 0 ? this.mailboxNames() : [];
      case 'RENAME': case 'LIST': case 'LSUB':
        return args.length <= 1 ? this.mailboxNames() : [];
      case 'COPY': case 'MOVE':
        return args.length === 1 ? this.mailboxNames() : [];
      default:
        return [];
    }
  }

  /** Mailbox names seen, quoted where IMAP needs it. */
  private mailboxNames(): string[] {
    return [...this.mailboxSet].map((m) => (/^[^\s"(){%*\\]+$/.test(m) ? m : `"${m.replace(/["\\]/g, '\\$&')}"`));
  }

  quitCommand(): string {
    return 'LOGOUT';
  }

  /** The goodbye mailsh sends itself carries a tag even after `/tag off`: untagged, servers answer BAD. */
  goodbyeLine(): string {
    return this.autoTag ? 'LOGOUT' : `${this.tags.next()} LOGOUT`;
  }

  tlsStarted(): AdapterEvent[] {
    // RFC 9051 §6.2.1: capabilities from before TLS must not be trusted.
    this.caps = new Map();
    return [{ type: 'notice', level: 'info', text: 'TLS is on: capabilities from before were dropped; send CAPABILITY again' }];
  }
}

function unquote(s: string): string {
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(s);
  return m ? m[1].replace(/\\(.)/g, '$1') : s;
}
