import { UsageError } from '../errors.js';
import { sieveQuoted } from '../protocol/sieve-string.js';
import { fileSize } from './file-chunks.js';
import { encodedSize, streamLiteralFile } from './literal-file.js';
import type { Progress } from './send-message.js';
import type { Session } from './session.js';

/**
 * `/putscript NAME FILE` (SPEC §6): `PUTSCRIPT "NAME" {N+}` with a
 * non-synchronizing literal (the only kind a ManageSieve client sends, RFC
 * 5804 §4) sized to the script's CRLF form, streamed from the file.
 */
export async function putScriptFile(session: Session, name: string, file: string, progress: Progress): Promise<void> {
  const adapter = session.adapter;
  if (adapter.protocol !== 'sieve' || !adapter.literalData) throw new UsageError('/putscript works in ManageSieve sessions');
  if (adapter.awaitingInput) throw new UsageError('/putscript needs the command mode (finish AUTHENTICATE or the literal first)');
  fileSize(file);
  const quoted = sieveQuoted(name);
  if (quoted === undefined) throw new UsageError('/putscript: a script name cannot contain CR, LF or NUL');
  const size = await encodedSize(file);
  await session.send(`PUTSCRIPT ${quoted} {${size}+}`);
  await streamLiteralFile(session, adapter.literalData, file, size, 'PUTSCRIPT', progress);
}
