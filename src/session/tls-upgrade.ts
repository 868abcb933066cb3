import { ConnectionError, TimeoutError } from '../errors.js';
import type { ProtocolAdapter, ProtocolName, Reply } from '../protocol/adapter.js';
import type { Conn } from '../transport/conn.js';
import { tlsConnectNote, tlsFields, tlsNote } from '../transport/tls-summary.js';
import type { Transcript } from '../transcript/transcript.js';
import type { NoteLevel } from './session-io.js';

/** What STARTTLS needs of a Session. */
export interface TlsHost {
  readonly adapter: ProtocolAdapter;
  readonly connection: Conn | undefined;
  readonly connected: boolean;
  readonly tls: boolean;
  readonly protocol: ProtocolName | 'auto';
  /** The name for EHLO/LHLO when mailsh says it itself (`--ehlo`). */
  readonly ehloName: string;
  readonly lastReply: Reply | undefined;
  readonly transcript: Transcript | undefined;
  /** mailsh closes (a timeout, /close): a handshake cut short by it is no news. */
  readonly quitting: boolean;
  command(line: string): Promise<Reply | undefined>;
  noteLine(level: NoteLevel, text: string): void;
}

/** The connection is TLS now (from the start, or after STARTTLS): said on screen and in the transcript. */
export function tlsEstablished(host: TlsHost): void {
  const info = host.connection!.tls!;
  host.transcript?.note(tlsNote(info), { tls: tlsFields(info) });
  host.noteLine('info', tlsConnectNote(info));
}

/**
 * `--starttls`: the adapter's commands (EHLO, STARTTLS/STLS), then the
 * upgrade; `check` throws a fatal error that came meanwhile.
 */
export async function negotiateStartTls(host: TlsHost, check: () => void): Promise<void> {
  const where = host.connection!.where;
  const commands = host.adapter.startTlsCommands(host.ehloName);
  if (!commands) throw new ConnectionError(`${where}: --starttls needs a protocol with STARTTLS, not ${host.protocol}`);
  for (const line of commands) {
    // A server that greets and hangs up: say so, not "not connected" from deep inside.
    if (!host.connected) throw new ConnectionError(`${where}: the server closed the connection before TLS was started (--starttls)`);
    await host.command(line);
    check();
  }
  if (!host.tls) throw new ConnectionError(`${where}: the server refused ${commands.at(-1)}: ${host.lastReply?.lines.at(-1) ?? 'no reply'}`);
}

/** The handshake after an accepted STARTTLS, in place on the same connection. */
export class TlsUpgrade {
  /** A handshake is under way: no line may go out, and a close is its doing. */
  active = false;

  constructor(
    private readonly host: TlsHost,
    /** Ends the session with a failed handshake. */
    private readonly fatal: (err: unknown) => void,
    /** The prompt and the waits follow the new state. */
    private readonly changed: () => void,
  ) {}

  /** A wait that ran out during the handshake; undefined when none is under way. */
  timeoutError(timeoutMs: number): TimeoutError | undefined {
    if (!this.active) return undefined;
    return new TimeoutError(`${this.host.connection!.where}: the TLS handshake after STARTTLS did not finish within ${timeoutMs / 1000}s`);
  }

  /** Drops what came after the reply (`injected`), then handshakes. */
  async run(injected: Buffer): Promise<void> {
    const host = this.host;
    this.active = true;
    if (injected.length > 0) {
      // RFC 3207 §4.2 / CVE-2011-0411: plaintext after the reply must not be
      // read as if it came over TLS.
      host.noteLine('warn', `STARTTLS injection: discarded ${injected.length} bytes the server sent after its STARTTLS reply`);
    }
    try {
      await host.connection!.upgrade();
    } catch (err) {
      this.active = false;
      if (!host.quitting) this.fatal(err);
      return;
    }
    this.active = false;
    tlsEstablished(host);
    for (const event of host.adapter.tlsStarted()) {
      if (event.type === 'notice') host.noteLine(event.level, event.text);
    }
    this.changed();
  }
}
