import type { LineReader } from '../framing/line-reader.js';
import type { ProtocolAdapter, ProtocolName } from '../protocol/adapter.js';
import { createAdapter, protocolFromGreeting } from '../protocol/detect.js';
import { LineAdapter } from '../protocol/line.js';

/**
 * Line mode knows no protocol: masking there goes by the mail protocols'
 * command words (SPEC §9). Said once on screen and in the transcript.
 */
export const LINE_MASKING_NOTE = 'line mode: credentials are masked where a mail command carries them (AUTH, AUTHENTICATE, LOGIN, USER, PASS, APOP) and in the lines that answer their continuations; /bytes and other secrets go out and into the transcript as typed';

/**
 * Which adapter reads a session: the protocol given, the one its greeting
 * names (`auto`, SPEC §1), or line mode put in front of it by `/raw on`.
 * Framing follows whether the adapter has literals.
 */
export class ProtocolSlot {
  private current!: ProtocolAdapter;
  /** The protocol adapter put aside by `/raw on`. */
  private cooked: ProtocolAdapter | undefined;
  /** `auto` until the greeting (or its absence) decides. */
  detecting: boolean;

  constructor(
    private readonly reader: LineReader,
    protocol: ProtocolName | 'auto',
    private readonly maxReplyLines: number | undefined,
  ) {
    this.detecting = protocol === 'auto';
    this.adapter = createAdapter(protocol === 'auto' ? 'line' : protocol, maxReplyLines);
  }

  get adapter(): ProtocolAdapter {
    return this.current;
  }

  private set adapter(adapter: ProtocolAdapter) {
    this.current = adapter;
    this.reader.literals = adapter.literals;
  }

  get protocol(): ProtocolName | 'auto' {
    return this.detecting ? 'auto' : this.adapter.protocol;
  }

  get raw(): boolean {
    return this.cooked !== undefined || this.adapter.protocol === 'line';
  }

  /** The greeting's first line decides the protocol; returns it. */
  detect(greeting: string): ProtocolName {
    this.detecting = false;
    const protocol = protocolFromGreeting(greeting);
    this.adapter = createAdapter(protocol, this.maxReplyLines);
    return protocol;
  }

  /** `/raw on|off`; true when line mode came in (its masking is to be said). */
  setRaw(on: boolean): boolean {
    if (on && !this.cooked) {
      this.cooked = this.adapter;
      this.adapter = new LineAdapter();
      return true;
    }
    if (!on && this.cooked) {
      this.adapter = this.cooked;
      this.cooked = undefined;
    }
    return false;
  }
}
