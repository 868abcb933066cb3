import type { ProtocolAdapter } from '../protocol/adapter.js';

/**
 * Decides, in one place, whether a typed line is a meta command (SPEC §4):
 * a line starting with `/` (not `//`, which sends `/…`) where meta commands
 * apply — not inside SMTP DATA or a literal, where every line is data.
 * Without an adapter: whether it will be one where they apply (a line still
 * waiting for its turn, or quoted in an error).
 */
export function isMetaCommand(line: string, adapter?: ProtocolAdapter): boolean {
  return line.startsWith('/') && !line.startsWith('//') && (adapter?.metaAllowed ?? true);
}

/** The text a line that is not a meta command sends: `//x` is `/x` where meta commands apply. */
export function serverText(line: string, adapter: ProtocolAdapter): string {
  return line.startsWith('//') && adapter.metaAllowed ? line.slice(1) : line;
}
