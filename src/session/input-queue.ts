import { UsageError } from '../errors.js';
import { controlBytesIn } from '../text/control-bytes.js';
import type { AdapterEvent } from '../protocol/adapter.js';
import { credentialCommand, markCredential } from '../protocol/credentials.js';
import { Secret, commandLine, quotedLine, type Outgoing } from '../protocol/outgoing.js';
import { TypedAhead } from '../protocol/typed-ahead.js';
import { expandHelpers, hasHelpers, helperArgumentsHidden, type HelperContext } from '../sasl/inline-helpers.js';
import { isMetaCommand, serverText } from './meta-line.js';
import type { Session } from './session.js';

/**
 * How input is paced: `interactive` sends at once unless a mode-changing
 * reply is due (DATA, AUTH, STARTTLS); `script` waits for each command's
 * complete reply before the next line (SPEC §10); `pipeline` (`--pipeline`)
 * is `script` except that a command goes out at once where the protocol
 * allows it (the adapter's mayPipeline).
 */
export type Pace = 'interactive' | 'script' | 'pipeline';

/**
 * Waits until `line` may be sent at this pace. A line that may not join a
 * pipelined group (most meta commands, such as `/expect`) waits for every
 * reply in scripts, so it sees the state the commands left.
 */
export async function waitForTurn(session: Session, pace: Pace, line: string, groupable: boolean): Promise<void> {
  if (pace === 'interactive') return session.whenAccepting();
  if (pace === 'pipeline' && groupable) {
    await session.whenAccepting(true);
    if (session.idle || session.adapter.mayPipeline?.(line)) return;
  }
  await session.settled();
}

/** Runs a meta command (`/…`); it may throw to report an error. */
export type MetaHandler = (line: string) => Promise<void>;

/** How an InputQueue handles what is not plain text for the server. */
export interface InputHandlers {
  /** Runs a meta command. */
  meta: MetaHandler;
  /** A hidden prompt (or MAILSH_PASSWORD) for a helper value left out. */
  askSecret(prompt: string): Promise<string>;
  /** `-u` or the URL's user, for helpers given no user. */
  defaultUser?: string;
  /**
   * Reports a line that failed (`number` counts pushed lines from 1); the
   * queue goes on with the next. `line` is quoted as the echo shows it:
   * never with a credential in clear (SPEC §9).
   */
  onError(err: unknown, line: string, number: number): void;
  /** A meta command line with its secrets hidden (`/login alice <hidden>`), if any. */
  maskMeta?(line: string): string | undefined;
  /**
   * Told what each line became on the wire, and whether it was read as a
   * command (not message text, a literal, a SASL response): the history
   * keeps only commands without secrets.
   */
  onSent?(line: string, out: Outgoing, command: boolean): void;
  /** Whether a meta command line may join a pipelined group like a command (`/send`). */
  metaPipelines?(line: string): boolean;
  /** Lines typed as a refused command's data were dropped (a script then exits 1). */
  onDropped?(count: number): void;
}

/**
 * Feeds typed or piped lines to the session in order, so that what is typed
 * ahead (a pasted DATA block, a script) is read in the mode the server's
 * replies put the session in.
 */
export class InputQueue {
  private lines: string[] = [];
  /** The line being handled: indexing, not shift(), keeps a long script linear. */
  private head = 0;
  /** Counts clear() calls, so a line handled across one is not dropped twice. */
  private clears = 0;
  private running: Promise<void> | undefined;
  /** Lines taken from the queue so far, for error messages that name the line. */
  private taken = 0;
  /** The last line sent was a typed command whose reply decides what follows (not a helper's). */
  private typedDecision = false;
  /**
   * A refused command's data being dropped, and how many more queued lines
   * may still be its data: at the prompt only those typed before the refusal
   * came, in a script every line up to its end.
   */
  private dropping: { data: TypedAhead; left: number } | undefined;
  /** The line being handled as the echo shows it (or would), for error messages. */
  private quoted = '';

  constructor(
    private readonly session: Session,
    private readonly pace: Pace,
    private readonly handlers: InputHandlers,
  ) {
    session.on('refused', (event: Extract<AdapterEvent, { type: 'refused' }>) => this.refused(event));
  }

  /** Lines waiting to be sent. */
  get length(): number {
    return this.lines.length - this.head;
  }

  /** Lines not taken yet: `length` without the one being handled. */
  get waiting(): number {
    return Math.max(0, this.length - (this.running ? 1 : 0));
  }

  /**
   * The first line not sent yet, numbered as onError numbers it and quoted
   * as an error message quotes it (masked), or undefined.
   */
  firstUnsent(): { number: number; quoted: string } | undefined {
    if (this.length === 0) return undefined;
    // The head line is counted in `taken` once the run has taken it.
    return { number: this.running ? this.taken : this.taken + 1, quoted: this.running ? this.quoted : this.quote(this.lines[this.head]) };
  }

  push(line: string): void {
    this.lines.push(line);
    this.running ??= this.run().finally(() => (this.running = undefined));
  }

  /** Resolves when every queued line has been handled. */
  async drained(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Forgets lines not yet sent (after an error that ends a script). */
  clear(): void {
    this.lines = [];
    this.head = 0;
    this.clears++;
  }

  /** The input ended: a drop still under way is over (its note says how many lines). */
  ended(): void {
    this.endDrop();
  }

  /**
   * A typed command whose reply decides what follows was refused: the lines
   * typed ahead as its data (SPEC §10) are dropped, never sent as commands.
   */
  private refused(event: Extract<AdapterEvent, { type: 'refused' }>): void {
    if (!this.typedDecision) return;
    this.typedDecision = false;
    const left = this.pace === 'interactive' ? this.length : Infinity;
    if (left > 0) this.dropping = { data: new TypedAhead(event.command, event.data), left };
  }

  /**
   * Whether a queued line is the refused command's data, dropped; counts down
   * the lines typed before the refusal came. A meta command is data where it
   * would have been (DATA, a literal), not between SASL responses.
   */
  private dropped(line: string, meta: boolean): boolean {
    const dropping = this.dropping;
    if (!dropping) return false;
    dropping.left--;
    const data = !meta || dropping.data.metaIsData;
    if ((data && dropping.data.take(line)) || dropping.left === 0) this.endDrop();
    return data;
  }

  private endDrop(): void {
    const data = this.dropping?.data;
    this.dropping = undefined;
    if (!data || data.count === 0) return;
    this.session.noteLine('warn', data.note());
    this.handlers.onDropped?.(data.count);
  }

  private async run(): Promise<void> {
    while (this.head < this.lines.length) {
      const line = this.lines[this.head];
      const clears = this.clears;
      this.taken++;
      this.quoted = this.quote(line);
      try {
        await this.handle(line);
      } catch (err) {
        this.handlers.onError(err, this.quoted, this.taken);
      }
      if (clears !== this.clears) continue;
      this.head++;
      if (this.head >= 1024 && this.head * 2 >= this.lines.length) {
        this.lines = this.lines.slice(this.head);
        this.head = 0;
      }
    }
  }

  private async handle(line: string): Promise<void> {
    const s = this.session;
    // Wait first, so the line is read in the mode the replies so far set.
    const meta = isMetaCommand(line);
    const clears = this.clears;
    await waitForTurn(s, this.pace, line, !meta || (this.handlers.metaPipelines?.(line) ?? false));
    // Cleared while waiting (quitting): the line is not sent.
    if (clears !== this.clears) return;
    if (this.dropped(line, meta)) return;
    this.typedDecision = false;
    // Meta commands and helpers are off inside SMTP DATA and IMAP literals:
    // there every line is data.
    if (isMetaCommand(line, s.adapter)) {
      await this.handlers.meta(line);
      return;
    }
    const cooked = s.adapter.metaAllowed;
    const text = serverText(line, s.adapter);
    const { text: wire, secrets } = cooked && hasHelpers(text) ? await expandHelpers(text, this.helperContext()) : { text, secrets: [] };
    if (!s.connected) throw new Error('not connected: the line was not sent');
    // Control bytes in typed or piped text were most likely pasted by
    // accident: they go out only when asked for (/raw on, /bytes).
    const controls = s.raw ? [] : controlBytesIn(text);
    if (controls.length > 0) {
      throw new UsageError(`the line holds control characters (${controls.join(' ')}): not sent; /bytes sends exact bytes, /raw on sends lines as typed`);
    }
    // A pipelined burst goes out as one write, as a client that builds the group itself would send it.
    if (this.pace === 'pipeline') s.connection?.gatherWrites();
    const command = cooked && !s.adapter.awaitingInput;
    // Sent first: an optional call would skip evaluating its arguments.
    const out = await s.send(wire, secrets);
    this.typedDecision = s.adapter.deciding;
    this.quoted = quotedLine(out);
    this.handlers.onSent?.(line, out, command);
  }

  /**
   * How an error message quotes a line not sent (yet): a meta command with
   * its password hidden; a line the server waits for (a SASL response, a
   * literal) all masked; a command with every protocol's credential words
   * and helper arguments masked.
   */
  private quote(line: string): string {
    if (isMetaCommand(line)) return this.handlers.maskMeta?.(line) ?? line;
    if (this.session.adapter.awaitingInput) return quotedLine(commandLine(new Secret(line)));
    const text = helperArgumentsHidden(line);
    return quotedLine(markCredential(text, credentialCommand('line', text)).out);
  }

  private helperContext(): HelperContext {
    const s = this.session;
    return {
      challenge: s.lastChallenge,
      greeting: s.greeting,
      host: s.connection?.host,
      port: s.connection?.port,
      defaultUser: this.handlers.defaultUser,
      askSecret: (prompt: string) => this.handlers.askSecret(prompt),
    };
  }
}
