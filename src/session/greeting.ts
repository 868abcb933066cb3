import { TimeoutError } from '../errors.js';
import type { Conn } from '../transport/conn.js';
import type { ProtocolSlot } from './protocol-slot.js';
import type { NoteLevel } from './session-io.js';

/** What waiting for the greeting needs of a Session. */
export interface GreetingHost {
  readonly tls: boolean;
  readonly connection: Conn | undefined;
  /** Resolves once nothing is outstanding; rejects after --timeout. */
  settled(): Promise<void>;
  noteLine(level: NoteLevel, text: string): void;
}

/**
 * Waits for the server's greeting (SPEC §1). None within `timeoutMs` is an
 * error, unless the protocol was to come from it: then it is line mode.
 */
export async function awaitGreeting(host: GreetingHost, slot: ProtocolSlot, timeoutMs: number): Promise<void> {
  try {
    await host.settled();
  } catch (err) {
    // A TLS server waits for the ClientHello: to a plaintext client it is silent.
    const hint = host.tls ? '' : ' (a port that expects TLS first? try --tls)';
    if (!(err instanceof TimeoutError) || !slot.detecting) {
      throw new TimeoutError(`${host.connection!.where}: no greeting within ${timeoutMs / 1000}s${hint}`);
    }
    slot.detecting = false;
    host.noteLine('info', `no greeting: line mode${hint}`);
  }
}
