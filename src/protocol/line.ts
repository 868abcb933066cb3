import { lineText, type ServerLine } from '../framing/line-reader.js';
import type { AdapterEvent, LineView, Prepared, ProtocolAdapter } from './adapter.js';
import { credentialCommand, markCredential } from './credentials.js';
import { Secret, commandLine } from './outgoing.js';
import { TYPED_LITERAL_RE } from './typed-literal.js';

/**
 * A server line that asks for more of a credential exchange: an SMTP `334`,
 * an IMAP or POP3 `+` continuation (not `+OK`), a ManageSieve string.
 */
function asksForMore(text: string): boolean {
  return /^(?:334(?:[ -]|$)|\+(?!OK)|")/i.test(text);
}

/**
 * Protocol-agnostic line mode (`tcp://`, `tls://`, `--raw`, `/raw on`):
 * every typed line is sent with CRLF, every server line is shown, nothing is
 * interpreted. Masking is observation and stays on (SPEC §9): the credential
 * commands of every mail protocol are recognised, and after an AUTH,
 * AUTHENTICATE or a credential announcing a literal, every typed line is
 * secret until the server answers with something other than a continuation.
 */
export class LineAdapter implements ProtocolAdapter {
  readonly protocol = 'line';
  readonly literals = false;
  readonly pending = 0;
  readonly promptState = '';
  readonly metaAllowed = true;
  readonly awaitingInput = false;
  readonly deciding = false;
  readonly finishLine = undefined;
  readonly unfinished = undefined;
  readonly lineLimit = undefined;
  readonly capabilities: ReadonlyMap<string, readonly string[]> = new Map();
  /** A credential exchange is under way: typed lines are SASL responses or literal bytes. */
  private exchange = false;

  prepare(line: string): Prepared {
    if (this.exchange) return { out: commandLine(new Secret(line)) };
    const cmd = credentialCommand('line', line);
    if (cmd && (cmd.verb === 'AUTH' || cmd.verb === 'AUTHENTICATE' || TYPED_LITERAL_RE.test(line))) this.exchange = true;
    return { out: markCredential(line, cmd).out };
  }

  receive(line: ServerLine): { view: LineView; events: AdapterEvent[] } {
    if (this.exchange && !asksForMore(lineText(line))) this.exchange = false;
    return { view: { cls: 'info' }, events: [] };
  }

  startTlsCommands(): undefined {
    return undefined;
  }

  readonly mechanisms: readonly string[] = [];

  completionWords(): readonly string[] {
    return [];
  }

  quitCommand(): undefined {
    return undefined;
  }

  tlsStarted(): AdapterEvent[] {
    return [];
  }
}
