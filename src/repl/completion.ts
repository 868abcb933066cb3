import { controlBytesIn } from '../text/control-bytes.js';
import type { ProtocolAdapter } from '../protocol/adapter.js';
import { META_COMMANDS } from './meta-commands.js';

/**
 * Tab completion for readline: meta commands after `/`, the protocol's
 * command words in command position (the first word, or the second after a
 * typed tag), and capabilities or mailbox names for arguments. Command words take
 * the case of what was typed, so `sel` completes to `select`.
 */
export function complete(line: string, adapter: ProtocolAdapter): [string[], string] {
  const words = line.split(/\s+/);
  const word = words.at(-1) ?? '';
  let candidates: readonly string[];
  let isCommand = false;
  if (words.length === 1 && word.startsWith('/') && adapter.metaAllowed) {
    candidates = [...META_COMMANDS.keys()].map((c) => `/${c}`);
  } else if (!adapter.metaAllowed || adapter.awaitingInput) {
    // Message text, SASL responses and literals are not completed.
    candidates = [];
  } else {
    const commands = adapter.completionWords('command');
    const taggedCommand = words.length === 2 && !commands.some((c) => c.toUpperCase() === words[0].toUpperCase());
    isCommand = words.length === 1 || taggedCommand;
    candidates = adapter.completionWords(isCommand ? 'command' : 'argument');
  }
  // Command words follow the case typed; mailbox names keep theirs.
  const lower = isCommand && word !== '' && word === word.toLowerCase();
  // Words with control characters come from a hostile server: readline would
  // print them raw, and they cannot be typed anyway.
  const hits = candidates
    .filter((c) => c.toUpperCase().startsWith(word.toUpperCase()) && controlBytesIn(c).length === 0)
    .map((c) => (lower ? c.toLowerCase() : c));
  return [hits, word];
}
