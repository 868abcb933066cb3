import { commandWords, verbAt, type Word } from './command-words.js';
import { Secret, commandLine, type Outgoing } from './outgoing.js';

/** The protocols whose commands carry credentials; `line` knows them all. */
export type CredentialProtocol = 'smtp' | 'pop3' | 'imap' | 'sieve' | 'line';

/**
 * Verbs that carry a credential (SPEC §9), and how many words after the verb
 * stay readable: the SASL mechanism, the LOGIN or APOP user name. Everything
 * after those is secret.
 */
const CREDENTIAL_VERBS: Record<Exclude<CredentialProtocol, 'line'>, Record<string, number>> = {
  smtp: { AUTH: 1 }, // RFC 4954 §4
  pop3: { USER: 0, PASS: 0, APOP: 1, AUTH: 1 }, // RFC 1939 §7, RFC 5034 §4
  imap: { LOGIN: 1, AUTHENTICATE: 1 }, // RFC 9051 §6.2
  sieve: { AUTHENTICATE: 1 }, // RFC 5804 §2.1
};

/** Line mode does not know the protocol: it masks every protocol's credential commands. */
const TABLES: Record<CredentialProtocol, ReadonlyMap<string, number>> = {
  ...(Object.fromEntries(Object.entries(CREDENTIAL_VERBS).map(([p, t]) => [p, new Map(Object.entries(t))])) as Record<keyof typeof CREDENTIAL_VERBS, Map<string, number>>),
  line: new Map(Object.values(CREDENTIAL_VERBS).flatMap((t) => Object.entries(t))),
};

/** IMAP's credential commands, which may follow a tag. */
const TAGGED_VERBS = new Set(Object.keys(CREDENTIAL_VERBS.imap));

/** Whether the protocol has `{N}` literals on command lines. */
function hasLiterals(protocol: CredentialProtocol): boolean {
  return protocol === 'imap' || protocol === 'sieve';
}

/** A command line that carries a credential. */
export interface CredentialCommand {
  /** The upper-cased verb (`AUTH`, `LOGIN`). */
  verb: string;
  /** The line's words (see commandWords). */
  words: Word[];
  /** The index of the first secret word. */
  from: number;
}

/**
 * Whether `line` is a credential command of `protocol`, recognised the way
 * servers recognise commands: any case, leading blanks, SP or HTAB between
 * words, an IMAP tag or none.
 */
export function credentialCommand(protocol: CredentialProtocol, line: string): CredentialCommand | undefined {
  const words = commandWords(line, hasLiterals(protocol));
  const table = TABLES[protocol];
  const tagged = protocol === 'imap' || protocol === 'line';
  for (const at of tagged ? [0, 1] : [0]) {
    const verb = verbAt(words, at);
    const visible = table.get(verb);
    if (visible !== undefined && (at === 0 || TAGGED_VERBS.has(verb))) return { verb, words, from: at + 1 + visible };
  }
  return undefined;
}

/** What a credential command line becomes, and whether the literal it announces (if any) is secret. */
export interface MarkedCommand {
  out: Outgoing;
  /** The literal announced at the end of the line holds (part of) the credential. */
  literalSecret: boolean;
}

/**
 * Marks the words of `cmd` from its first secret word on. A literal
 * announcement at the end stays readable: its bytes, on the next lines, are
 * the secret; and everything after such a literal is secret too (any
 * readable word, the mechanism or user name, came before it).
 */
export function markCredential(line: string, cmd: CredentialCommand | undefined, prefix = ''): MarkedCommand {
  if (!cmd) return { out: commandLine(prefix, line), literalSecret: false };
  const { words, from } = cmd;
  const last = words.length - 1;
  const literal = words[last]?.literal ?? false;
  const first = words[from];
  if (!first || first.literal) return { out: commandLine(prefix, line), literalSecret: literal && last >= from };
  const end = literal ? words[last - 1].end : line.length;
  return { out: commandLine(prefix, line.slice(0, first.start), new Secret(line.slice(first.start, end)), line.slice(end)), literalSecret: literal };
}
