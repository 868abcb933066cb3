import { IMAP_COMMANDS, isImapCommand } from './imap-commands.js';

/** A typed IMAP line split into the tag to send and the command. */
export interface TaggedLine {
  tag: string;
  /** Whether mailsh made the tag up (it was not typed). */
  generated: boolean;
  /** Upper-case command word, with `UID` joined to the next (`UID FETCH`). */
  command: string;
  /** The command and its arguments, as typed. */
  rest: string;
}

/**
 * Issues tags `A001`, `A002`, … and never one the user already typed, so that
 * every completion matches exactly one command (RFC 9051 §2.2.1).
 */
export class TagAllocator {
  private counter = 0;
  private readonly used = new Set<string>();

  /** Remembers a tag the user typed. */
  reserve(tag: string): void {
    this.used.add(tag.toUpperCase());
  }

  next(): string {
    for (;;) {
      this.counter++;
      const tag = `A${String(this.counter).padStart(3, '0')}`;
      if (!this.used.has(tag)) {
        this.used.add(tag);
        return tag;
      }
    }
  }
}

function commandName(words: string[], at: number): string {
  const first = words[at].toUpperCase();
  return first === 'UID' && words[at + 1] ? `UID ${words[at + 1].toUpperCase()}` : first;
}

/**
 * Decides whether a typed line needs a tag (SPEC §5): a first word that is a
 * command gets a fresh tag; a first word that is not, followed by one that is,
 * is the user's own tag. Anything else is not an IMAP command: undefined.
 */
export function tagLine(line: string, tags: TagAllocator, autoTag: boolean): TaggedLine | undefined {
  const words = line.trim().split(/\s+/);
  if (words[0] === '') return undefined;
  // `x1 uid fetch …`: a word that is not a known command before one that is
  // is the user's tag, even when it looks like an X- extension.
  if (words.length > 1 && isImapCommand(words[1]) && !IMAP_COMMANDS.has(words[0].toUpperCase())) {
    tags.reserve(words[0]);
    const rest = line.trimStart().slice(words[0].length).trimStart();
    return { tag: words[0], generated: false, command: commandName(words, 1), rest };
  }
  if (autoTag && isImapCommand(words[0])) {
    return { tag: tags.next(), generated: true, command: commandName(words, 0), rest: line.trimStart() };
  }
  return undefined;
}
