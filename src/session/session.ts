import { EventEmitter } from 'node:events';
import { ConnectionError, TimeoutError } from '../errors.js';
import { DEFAULT_MAX_LINE, LineReader, lineText, wireLine, type LiteralChunk, type ServerLine } from '../framing/line-reader.js';
import { LiteralLines } from '../framing/literal-lines.js';
import type { LineView, ProtocolAdapter, ProtocolName, Reply } from '../protocol/adapter.js';
import { explainReply } from '../protocol/explain.js';
import { hasSecret, wireBytes, type Outgoing } from '../protocol/outgoing.js';
import type { Conn } from '../transport/conn.js';
import { Connection } from '../transport/connection.js';
import { looksLikeTls } from '../transport/tls-errors.js';
import { choiceNotes } from '../transport/tls-choice.js';
import type { Transcript } from '../transcript/transcript.js';
import { closeConnection, resetAfterGoodbye, sayGoodbye } from './goodbye.js';
import type { NoteLevel, SessionOptions, SessionOutput } from './session-io.js';
import { awaitGreeting } from './greeting.js';
import { prepareLine } from './prepare-line.js';
import { LINE_MASKING_NOTE, ProtocolSlot } from './protocol-slot.js';
import { negotiateStartTls, tlsEstablished, TlsUpgrade } from './tls-upgrade.js';
import { Waits } from './waits.js';

export type { NoteLevel, SessionOptions, SessionOutput } from './session-io.js';

const LITERAL_VIEW: LineView = { cls: 'info', literal: true };

/**
 * One connection and its protocol state (DESIGN layer session/): it feeds
 * server bytes through framing into the adapter, sends prepared lines through
 * the single write path, and upgrades to TLS in place after STARTTLS.
 * Emits `reply` with each complete reply (replay compares them).
 */
export class Session extends EventEmitter {
  transcript: Transcript | undefined;
  lastReply: Reply | undefined;
  /** The last SASL challenge, decoded (for `/auth` and `{{cram-md5}}`). */
  lastChallenge: Buffer | undefined;
  /** The server's greeting, as text (POP3 APOP takes its timestamp). */
  greeting: string | undefined;
  /** Whether the user was told that credentials go out in clear. */
  private warnedPlaintext = false;
  private conn: Conn | undefined;
  private readonly reader: LineReader;
  /** Splits literal bytes into lines for the display only. */
  private readonly literalLines: LiteralLines;
  /** The adapter: given, detected from the greeting, or line mode for `/raw on`. */
  private readonly slot: ProtocolSlot;
  private readonly upgrade = new TlsUpgrade(this, (err) => this.abort(err), () => {
    this.out.stateChanged();
    this.emit('progress');
  });
  /** Inside connect(): a fatal error rejects it instead of being reported. */
  private connecting = false;
  private failure: Error | undefined;
  /** Whether any byte came from the server yet (the first chunk is checked for TLS). */
  private heard = false;
  private readonly out: SessionOutput;
  /** Whether QUIT/LOGOUT was sent: a close after it is expected. */
  quitting = false;
  /** Waits for server progress, checked on every 'progress'. */
  readonly waits: Waits;

  constructor(private readonly opts: SessionOptions) {
    super();
    this.out = opts.output;
    this.transcript = opts.transcript;
    this.reader = new LineReader(opts.maxLine, opts.maxLiteral);
    this.literalLines = new LiteralLines(opts.maxLine ?? DEFAULT_MAX_LINE);
    this.slot = new ProtocolSlot(this.reader, opts.protocol, opts.maxReplyLines);
    // What a wait that ran out of time was waiting for: the handshake, or a reply.
    this.waits = new Waits(() => this.connected, (ms) => this.upgrade.timeoutError(ms) ?? new TimeoutError(`no reply within ${ms / 1000}s`), opts.clock);
    this.on('progress', () => this.waits.progressed());
  }

  get adapter(): ProtocolAdapter {
    return this.slot.adapter;
  }

  get protocol(): ProtocolName | 'auto' {
    return this.slot.protocol;
  }

  get connected(): boolean {
    return this.conn?.isOpen ?? false;
  }

  get tls(): boolean {
    return this.conn?.tls !== undefined;
  }

  /** The name for EHLO/LHLO when mailsh says it itself (`--ehlo`). */
  get ehloName(): string {
    return this.opts.ehloName;
  }

  get connection(): Conn | undefined {
    return this.conn;
  }

  /** Whether a secret sent now would cross a network in clear (SPEC §8). */
  get credentialsExposed(): boolean {
    return this.conn !== undefined && !this.tls && !this.conn.loopback;
  }

  /** Connects, waits for the greeting, and runs `--starttls` if asked. */
  async connect(): Promise<void> {
    for (const note of choiceNotes(this.opts.connect.tls.choice ?? {})) this.noteLine('info', note);
    const conn = await (this.opts.open ?? Connection.open)(this.opts.connect);
    this.conn = conn;
    this.transcript?.note(`connected ${conn.remote}`);
    if (conn.tls) tlsEstablished(this);
    conn.on('data', (chunk: Buffer) => this.onData(chunk));
    // A server that stopped reading for --timeout ends the session as a timeout (exit 4).
    conn.on('error', (err: Error) => {
      if (err instanceof TimeoutError) this.abort(err);
      else if (!resetAfterGoodbye(this, err)) this.noteLine('error', err.message);
    });
    conn.on('close', () => this.onClose());
    this.connecting = true;
    try {
      if (this.adapter.protocol !== 'line' || this.slot.detecting) await awaitGreeting(this, this.slot, this.opts.timeoutMs);
      this.throwIfFailed();
      if (this.adapter.protocol === 'line') this.noteLineMasking();
      if (this.opts.starttls) await negotiateStartTls(this, () => this.throwIfFailed());
    } finally {
      this.connecting = false;
    }
  }

  /** A fatal error while connecting is the connect's own failure (one message, its exit status). */
  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Sends one command and waits for its reply (used by mailsh itself). */
  async command(line: string): Promise<Reply | undefined> {
    await this.send(line);
    await this.settled();
    return this.lastReply;
  }

  /**
   * Whether the next input line may go out now: not before the reply that
   * decides what it is (SPEC §10), whatever else is in flight.
   */
  get accepting(): boolean {
    return !this.slot.detecting && !this.upgrade.active && !this.adapter.deciding;
  }

  /** Whether nothing is outstanding (scripts wait for this between commands). */
  get idle(): boolean {
    return !this.slot.detecting && !this.upgrade.active && (this.adapter.pending === 0 || this.adapter.awaitingInput);
  }

  /**
   * Prepares a typed line for the wire and sends it; returns what was sent.
   * `secrets` are parts of the line to mask wherever they end up (helper outputs).
   */
  async send(line: string, secrets: readonly string[] = []): Promise<Outgoing> {
    const prepared = prepareLine(this.adapter, line, secrets);
    for (const note of prepared.notes) this.noteLine(note.level, note.text);
    // A close after the goodbye is expected, not an error.
    if (prepared.goodbye) this.quitting = true;
    await this.write(prepared.out);
    this.out.stateChanged();
    return prepared.out;
  }

  /** The single write path: transcript, echo, socket (DESIGN rule 2). */
  async write(out: Outgoing, echo = true): Promise<void> {
    if (!this.conn?.isOpen) throw new ConnectionError(`${this.conn?.where ?? 'server'}: not connected (the connection is closed)`);
    if (!this.warnedPlaintext && hasSecret(out) && this.credentialsExposed) {
      this.warnedPlaintext = true;
      this.noteLine('warn', `credentials are going to ${this.conn.where} unencrypted (no TLS): anyone on the path can read them`);
    }
    this.transcript?.client(out);
    if (echo) this.out.sent(out);
    await this.conn.write(wireBytes(out));
  }

  /** Resolves once nothing is outstanding; rejects after `timeoutMs` without completion (default: --timeout); literal data still arriving extends it. */
  settled(timeoutMs = this.opts.timeoutMs): Promise<void> {
    return this.waits.until(() => this.idle, timeoutMs);
  }

  /**
   * Resolves once the next typed line may be sent (interactive pace);
   * `timed`: within --timeout, for waits a script or a helper makes (issue 21 item 9).
   */
  whenAccepting(timed = false): Promise<void> {
    return this.waits.until(() => this.accepting, timed ? this.opts.timeoutMs : 0);
  }

  /** How long each wait while quitting may take (SPEC §3: quitting never hangs). */
  get goodbyeMs(): number {
    return Math.min(this.opts.timeoutMs, 5000);
  }

  /** The polite goodbye, then the close (SPEC §3: quitting never hangs). */
  quit(): Promise<void> {
    return sayGoodbye(this);
  }

  /** Closes the connection without a goodbye (`/close`), waiting for the close. */
  close(): Promise<void> {
    return closeConnection(this);
  }

  /**
   * `/raw on`: no protocol awareness, every line and reply passes as is;
   * `/raw off` brings the protocol adapter back with its state.
   */
  setRaw(on: boolean): void {
    if (this.slot.setRaw(on)) this.noteLineMasking();
    this.out.stateChanged();
  }

  get raw(): boolean {
    return this.slot.raw;
  }

  /** Said once on screen and in the transcript when line mode starts. */
  private noteLineMasking(): void {
    this.transcript?.note(LINE_MASKING_NOTE);
    this.out.note('info', LINE_MASKING_NOTE);
  }

  /** The settings a session opens with (`/tls try` opens another like it). */
  get options(): SessionOptions {
    return this.opts;
  }

  private onData(chunk: Buffer): void {
    this.transcript?.server(chunk);
    this.waits.timedOut = false;
    const first = !this.heard;
    this.heard = true;
    if (first && !this.tls && looksLikeTls(chunk)) {
      this.abort(new ConnectionError(`${this.conn!.where}: the server answered in TLS on a plaintext connection (an implicit-TLS port? try --tls)`));
      return;
    }
    let lines;
    /** The index of the line whose reply accepted STARTTLS. */
    let starttls = -1;
    try {
      lines = this.reader.push(chunk);
      for (let i = 0; i < lines.length && starttls < 0; i++) {
        const item = lines[i];
        if ('literal' in item) this.showLiteral(item);
        else if (this.receive(item)) starttls = i;
      }
    } catch (err) {
      this.abort(err);
      return;
    }
    if (starttls >= 0) {
      const rest = Buffer.concat([...lines.slice(starttls + 1).map((l) => ('literal' in l ? l.literal : wireLine(l))), this.reader.drain()]);
      void this.upgrade.run(rest);
      this.out.stateChanged();
      return;
    }
    // A message body still streaming (POP3 RETR) is no timeout, as a literal is not.
    if (this.adapter.streaming) this.waits.dataArrived();
    // Once per chunk, not per line: a chunk of a thousand pipelined replies redraws the prompt once.
    this.out.stateChanged();
    this.emit('progress');
  }

  /**
   * Shows literal bytes line by line as they stream, never holding a whole
   * message; line ends inside a literal are data, not violations.
   */
  private showLiteral(chunk: LiteralChunk): void {
    this.waits.dataArrived();
    this.adapter.receiveLiteral?.(chunk);
    if (this.out.literal) this.out.literal(chunk);
    else this.literalLines.push(chunk, (bytes) => this.out.server({ bytes, ending: 'crlf' }, LITERAL_VIEW));
  }

  /** Hands one server line to the adapter and shows it; true when STARTTLS was accepted. */
  private receive(line: ServerLine): boolean {
    if (this.slot.detecting) this.noteLine('info', `protocol: ${this.slot.detect(lineText(line))} (from the greeting)`);
    const { view, events } = this.adapter.receive(line);
    if (this.opts.explain) {
      const reply = events.find((e) => e.type === 'reply');
      if (reply) view.annotation ??= explainReply(this.adapter.protocol, reply.reply);
    }
    this.out.server(line, view);
    let starttls = false;
    for (const event of events) {
      if (event.type === 'starttls') {
        starttls = true;
      } else if (event.type === 'challenge') {
        this.lastChallenge = Buffer.from(event.base64, 'base64');
      } else if (event.type === 'reply') {
        this.lastReply = event.reply;
        if (event.reply.command === '<greeting>') this.greeting = event.reply.lines.join('\n');
        this.out.reply?.(event.reply);
        this.emit('reply', event.reply);
      } else if (event.type === 'notice') {
        this.noteLine(event.level, event.text);
      } else if (event.type === 'refused') {
        this.emit('refused', event);
      }
    }
    return starttls;
  }

  /**
   * A protocol error, or one from outside (the transcript can no longer be
   * written): say it in one line and close (DESIGN rule 3).
   */
  abort(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    // mailsh closes the connection itself: the close that follows is expected.
    this.quitting = true;
    if (this.connecting) this.failure = error;
    else {
      this.noteLine('error', error.message);
      this.emit('fatal', error);
    }
    this.conn?.destroy();
  }

  private onClose(): void {
    const missing = this.reader.literalRemaining;
    // A literal cut short: end what was shown of it, as if it had ended here.
    if (missing > 0) this.showLiteral({ literal: Buffer.alloc(0), remaining: 0 });
    const rest = this.reader.drain();
    if (rest.length > 0) this.out.server({ bytes: rest, ending: 'none' }, { cls: 'info' });
    this.transcript?.note('closed');
    if (missing > 0) this.noteLine('warn', `connection closed by the server in the middle of a literal (${missing} bytes missing)`);
    // A failed STARTTLS handshake closes too; its reason follows from upgrade().
    else if (!this.quitting && !this.upgrade.active) this.noteLine(this.adapter.pending > 0 ? 'warn' : 'info', 'connection closed by the server');
    this.out.stateChanged();
    this.emit('progress');
    this.emit('closed');
  }

  noteLine(level: NoteLevel, text: string): void {
    if (level !== 'info') this.transcript?.note(`${level} ${text}`);
    this.out.note(level, text);
  }
}
