import type { ServerLine } from '../framing/line-reader.js';
import type { AdapterEvent, LineView, Prepared, ProtocolAdapter } from './adapter.js';
import { commandLine } from './outgoing.js';

/**
 * Protocol-agnostic line mode (`tcp://`, `tls://`, `--raw`): every typed line
 * is sent with CRLF, every server line is shown, nothing is interpreted.
 */
export class LineAdapter implements ProtocolAdapter {
  readonly protocol = 'line';
  readonly literals = false;
  readonly pending = 0;
  readonly promptState = '';
  readonly metaAllowed = true;
  readonly awaitingInput = false;
  readonly lineLimit = undefined;
  readonly capabilities: ReadonlyMap<string, readonly string[]> = new Map();

  prepare(line: string): Prepared {
    return { out: commandLine(line), blocking: false };
  }

  receive(_line: ServerLine): { view: LineView; events: AdapterEvent[] } {
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
