import { UsageError } from '../errors.js';
import { controlBytesIn } from '../framing/control-bytes.js';
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
  private readonly lines: string[] = [];
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
    return this.lines.length;
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
    this.lines.length = 0;
  }

  private async run(): Promise<void> {
    while (this.lines.length > 0) {
      const line = this.lines[0];
      try {
        await this.handle(line);
      } catch (err) {
        this.onError(err, line);
      }
      this.lines.shift();
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
    // Control bytes in typed or piped text were most likely pasted by
    // accident: they go out only when asked for (/raw on, /bytes).
    const controls = s.raw ? [] : controlBytesIn(text);
    if (controls.length > 0) {
      throw new UsageError(`the line holds control characters (${controls.join(' ')}): not sent; /bytes sends exact bytes, /raw on sends lines as typed`);
    }
    this.onSent(line, await s.send(text));
  }
}
