import type { TlsChoice } from '../transport/tls-choice.js';
import type { TlsSummary } from '../transport/tls-summary.js';
import { Session, type SessionOptions, type SessionOutput } from './session.js';

/** An output that shows nothing: a probe's session, and the options it is made from. */
export const SILENT: SessionOutput = { server: () => undefined, sent: () => undefined, note: () => undefined, stateChanged: () => undefined };

/**
 * One handshake on a fresh connection to the same server, with `choice`
 * on top of the session's TLS settings (`/tls try`, `mx --tls`): implicit
 * TLS as the session has it, else STARTTLS after the greeting. Nothing is
 * shown or logged; a refusal rejects with its one-line reason.
 */
export async function probeTls(base: SessionOptions, protocol: SessionOptions['protocol'], choice: TlsChoice, resume?: Buffer): Promise<TlsSummary> {
  const tls = { ...base.connect.tls, choice: { ...base.connect.tls.choice, ...choice }, resume };
  const probe = new Session({
    ...base,
    connect: { ...base.connect, tls },
    protocol,
    starttls: !base.connect.implicitTls,
    transcript: undefined,
    output: SILENT,
  });
  try {
    await probe.connect();
    return probe.connection!.tls!;
  } finally {
    await probe.close();
  }
}
