import { controlBytesIn } from '../text/control-bytes.js';
import type { ProtocolAdapter } from '../protocol/adapter.js';
import { SASL_MECHANISMS } from '../sasl/mechanisms.js';
import { META_COMMANDS } from './meta-commands.js';
import { isMetaCommand } from '../session/meta-line.js';

/**
 * `/auth MECH`: the mechanisms the server announced that mailsh can run, or
 * every one mailsh can while the server has announced none.
 */
function authMechanisms(adapter: ProtocolAdapter): string[] {
  const supported = [...SASL_MECHANISMS.keys()];
  const announced = supported.filter((m) => adapter.mechanisms.some((a) => a.toUpperCase() === m));
  return announced.length > 0 ? announced : supported;
}

/** What a meta command's argument can be (only `/auth`'s mechanism is worth offering). */
function metaArgumentWords(name: string, before: readonly string[], adapter: ProtocolAdapter): readonly string[] {
  return name.toLowerCase() === '/auth' && before.length === 0 ? authMechanisms(adapter) : [];
}

/**
 * Tab completion for readline: meta commands after `/`, the protocol's
 * command words in command position (the first word, or the second after a
 * typed tag), and for arguments what that argument of that command can be
 * (the adapter knows: mechanisms, FETCH items, mailbox names). Command words
 * take the case of what was typed, so `sel` completes to `select`.
 */
export function complete(line: string, adapter: ProtocolAdapter): [string[], string] {
  const words = line.split(/\s+/);
  const word = words.at(-1) ?? '';
  let candidates: readonly string[];
  let isCommand = false;
  if (isMetaCommand(words[0], adapter)) {
    candidates = words.length === 1 ? [...META_COMMANDS.keys()].map((c) => `/${c}`) : metaArgumentWords(words[0], words.slice(1, -1), adapter);
  } else if (!adapter.metaAllowed || adapter.awaitingInput) {
    // Message text, SASL responses and literals are not completed.
    candidates = [];
  } else {
    const commands = adapter.completionWords([]);
    const isCommandWord = (w: string): boolean => commands.some((c) => c.split(' ')[0].toUpperCase() === w.toUpperCase());
    // A first word that is no command, before more, is a typed tag (IMAP).
    const before = words.slice(words.length > 1 && !isCommandWord(words[0]) ? 1 : 0, -1);
    isCommand = before.length === 0;
    candidates = adapter.completionWords(before);
  }
  // Command words follow the case typed; mailbox names keep theirs.
  const lower = isCommand && word !== '' && word === word.toLowerCase();
  // `fetch 1 (fla`: the item after the parenthesis.
  const paren = !isCommand && word.startsWith('(') ? '(' : '';
  const typed = word.slice(paren.length).toUpperCase();
  // Words with control characters come from a hostile server: readline would
  // print them raw, and they cannot be typed anyway.
  const hits = candidates
    .filter((c) => c.toUpperCase().startsWith(typed) && controlBytesIn(c).length === 0)
    .map((c) => paren + (lower ? c.toLowerCase() : c));
  return [hits, word];
}
