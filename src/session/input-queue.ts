import type { Outgoing } from '../protocol/outgoing.js';
import type { Session } from './session.js';

/**
 * How input is paced: `interactive` sends at once unless a mode-changing
 * reply is due (DATA, AUTH, STARTTLS); `script` waits for each command's
 * complete reply before the next line (SPEC §10).
 */
export type Pace = 'interactive' | 'script';

/** Runs a meta command (`/…`); it may throw to report an error. */
export type MetaHandler = (line: string) => Promise<void>;

/** Whether a typed line is a meta command rather than text for the server. */
export function isMetaLine(line: string): boolean {
  return line.startsWith('/') && !line.startsWith('//');
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

  constructor(
    private readonly session: Session,
    private readonly meta: MetaHandler,
    private readonly pace: Pace,
    private readonly onError: (err: unknown, line: string) => void,
    /** Told what each line became on the wire (the history keeps secrets out). */
    private readonly onSent: (line: string, out: Outgoing) => void = () => undefined,
  ) {}

  /** Lines waiting to be sent. */
  get length(): number {
    return this.lines.length - this.head;
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

  private async run(): Promise<void> {
    while (this.head < this.lines.length) {
      const line = this.lines[this.head];
      const clears = this.clears;
      try {
        await this.handle(line);
      } catch (err) {
        this.onError(err, line);
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
    if (this.pace === 'script') await s.settled();
    else await s.whenAccepting();
    // Meta commands are off inside SMTP DATA: there every line is message text.
    if (isMetaLine(line) && s.adapter.metaAllowed) {
      await this.meta(line);
      return;
    }
    const text = line.startsWith('//') && s.adapter.metaAllowed ? line.slice(1) : line;
    if (!s.connected) throw new Error('not connected: the line was not sent');
    this.onSent(line, await s.send(text));
  }
}
