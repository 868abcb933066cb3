/**
 * A scripted server for in-process sessions, after MailKit's replay streams:
 * a `Conn` (src/transport/conn.ts) that asserts the exact bytes the client
 * writes and answers with canned server chunks, cut wherever the script
 * says. No socket, no timer: a session test runs in microseconds.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Conn } from '../../src/transport/conn.js';
import type { OpenConn } from '../../src/transport/connection.js';
import type { TlsSummary } from '../../src/transport/tls-summary.js';
import type { FakeClock } from './fake-clock.js';

/** The server sends these chunks, one `data` event each. */
export interface ServerStep {
  server: (string | Buffer)[];
}
/** The client must write exactly these bytes next (in any number of writes). */
export interface ClientStep {
  client: string | Buffer;
}
/** The server hangs up. */
export interface CloseStep {
  close: true;
}
/** Time passes on the session's clock before the server goes on. */
export interface PauseStep {
  pauseMs: number;
}
export type PeerStep = ServerStep | ClientStep | CloseStep | PauseStep;

/** `text` in chunks of `size` bytes: a reply split anywhere. */
export function chunks(text: string | Buffer, size: number): Buffer[] {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

export class ScriptedPeer extends EventEmitter implements Conn {
  readonly where = 'scripted.test:25';
  readonly remote = '192.0.2.1:25';
  readonly host = 'scripted.test';
  readonly port = 25;
  readonly loopback = false;
  readonly tls: TlsSummary | undefined = undefined;
  readonly sessionTicket: Buffer | undefined = undefined;
  readonly backlogged = false;
  private open = true;
  private step = 0;
  /** The next chunk of the current server step. */
  private chunk = 0;
  /** Client bytes of the current step received so far. */
  private got = Buffer.alloc(0);
  /** The first difference from the script, reported by `assertDone`. */
  private mismatch: string | undefined;

  constructor(
    private readonly steps: readonly PeerStep[],
    /** Moves on for `pauseMs` steps. */
    private readonly clock?: FakeClock,
  ) {
    super();
  }

  /** For SessionOptions.open: connects to this peer, which then serves its first steps. */
  readonly connect: OpenConn = async () => {
    setImmediate(() => this.serve());
    return this;
  };

  get isOpen(): boolean {
    return this.open;
  }

  async write(bytes: Buffer): Promise<void> {
    if (!this.open) return;
    const want = this.steps[this.step];
    if (!want || !('client' in want)) return this.fail(`unexpected client bytes ${JSON.stringify(bytes.toString('latin1'))}`);
    this.got = Buffer.concat([this.got, bytes]);
    const expected = Buffer.from(want.client);
    if (!expected.subarray(0, this.got.length).equals(this.got)) {
      return this.fail(`step ${this.step}: client sent ${JSON.stringify(this.got.toString('latin1'))}, the script expects ${JSON.stringify(expected.toString('latin1'))}`);
    }
    if (this.got.length < expected.length) return;
    this.got = Buffer.alloc(0);
    this.step += 1;
    setImmediate(() => this.serve());
  }

  /** Sends the server steps up to the next client step, each chunk in its own turn. */
  private serve(): void {
    const s = this.steps[this.step];
    if (!this.open || !s || 'client' in s) return;
    if ('close' in s) {
      this.step += 1;
      return this.hangUp();
    }
    if ('pauseMs' in s) {
      assert.ok(this.clock, 'a pauseMs step needs the FakeClock');
      this.step += 1;
      this.clock.advance(s.pauseMs);
      setImmediate(() => this.serve());
      return;
    }
    const next = s.server[this.chunk++];
    if (this.chunk >= s.server.length) {
      this.step += 1;
      this.chunk = 0;
    }
    if (next !== undefined) this.emit('data', Buffer.from(next));
    setImmediate(() => this.serve());
  }

  private fail(why: string): void {
    this.mismatch ??= why;
    this.hangUp();
  }

  private hangUp(): void {
    if (!this.open) return;
    this.open = false;
    setImmediate(() => this.emit('close'));
  }

  gatherWrites(): void {}
  pause(): void {}
  resume(): void {}

  upgrade(): Promise<TlsSummary> {
    return Promise.reject(new Error('the scripted peer does not speak TLS'));
  }

  end(): void {
    this.clientHangsUp();
  }

  destroy(): void {
    this.clientHangsUp();
  }

  /** The client closes first: a close the script expects next has happened. */
  private clientHangsUp(): void {
    const s = this.steps[this.step];
    if (this.open && s && 'close' in s) this.step += 1;
    this.hangUp();
  }

  /** The client wrote exactly what the script expects, and the script ran to its end. */
  assertDone(): void {
    assert.equal(this.mismatch, undefined, this.mismatch);
    assert.equal(this.step, this.steps.length, `the script stopped at step ${this.step} of ${this.steps.length}: ${JSON.stringify(this.steps[this.step])}`);
  }
}
