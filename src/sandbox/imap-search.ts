/**
 * SEARCH criteria (RFC 9051 §6.4.4) compiled into a predicate: flags, NEW,
 * OLD, RECENT, KEYWORD, header and text matches (case-insensitive
 * substrings), sizes, internal and sent dates, UID and sequence sets, NOT,
 * OR and parenthesized groups; also CHARSET and the RETURN options of
 * ESEARCH (RFC 9051 §6.4.4.1). An unknown key is a syntax error (BAD).
 */
import type { StoredMessage } from './mail-store.js';
import { argText, ImapSyntaxError, type ImapArg } from './imap-command-parser.js';
import { parseImapDate } from './imap-format.js';
import { headerValue, messageBody } from './message-text.js';
import { inSequenceSet, parseSequenceSet } from './sequence-set.js';

/** What a criterion sees of a message in the selected mailbox. */
export interface SearchContext {
  seq: number;
  maxSeq: number;
  maxUid: number;
  recent: boolean;
}

type Predicate = (m: StoredMessage, c: SearchContext) => boolean;

/** A parsed SEARCH command: the predicate, and the RETURN options when given (ESEARCH). */
export interface SearchQuery {
  match: Predicate;
  returnOptions?: string[];
  /** A CHARSET the sandbox does not know: the answer is NO [BADCHARSET], not BAD (RFC 9051 §6.4.4). */
  badCharset?: string;
}

/** The charsets SEARCH understands (strings are compared as UTF-8). */
export const SEARCH_CHARSETS = ['UTF-8', 'US-ASCII'];

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true], UNANSWERED: ['\\Answered', false],
  DELETED: ['\\Deleted', true], UNDELETED: ['\\Deleted', false],
  DRAFT: ['\\Draft', true], UNDRAFT: ['\\Draft', false],
  FLAGGED: ['\\Flagged', true], UNFLAGGED: ['\\Flagged', false],
  SEEN: ['\\Seen', true], UNSEEN: ['\\Seen', false],
};
const HEADER_KEYS = new Set(['FROM', 'TO', 'CC', 'BCC', 'SUBJECT']);
const RETURN_OPTIONS = new Set(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE']);

const contains = (haystack: string | undefined, needle: string): boolean => haystack !== undefined && haystack.toLowerCase().includes(needle.toLowerCase());

/** The calendar day (UTC) of a date, for BEFORE/ON/SINCE, which ignore the time (RFC 9051 §6.4.4). */
const day = (d: Date): number => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());

function sentDate(m: StoredMessage): Date | undefined {
  const value = headerValue(m.raw, 'Date');
  const date = value === undefined ? undefined : new Date(value);
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

class Criteria {
  private i = 0;

  constructor(private readonly args: ImapArg[]) {}

  get done(): boolean {
    return this.i >= this.args.length;
  }

  private text(what: string): string {
    const value = argText(this.args[this.i++]);
    if (value === undefined) throw new ImapSyntaxError(`SEARCH ${what} needs an argument`);
    return value;
  }

  private number(what: string): number {
    const value = this.text(what);
    if (!/^\d+$/.test(value)) throw new ImapSyntaxError(`SEARCH ${what} needs a number`);
    return Number(value);
  }

  private date(what: string): number {
    const date = parseImapDate(this.text(what));
    if (!date) throw new ImapSyntaxError(`SEARCH ${what} needs a date like 1-Feb-2026`);
    return day(date);
  }

  /** All remaining keys, ANDed. */
  all(): Predicate {
    const keys: Predicate[] = [];
    while (!this.done) keys.push(this.key());
    if (keys.length === 0) throw new ImapSyntaxError('SEARCH needs a criterion');
    return (m, c) => keys.every((k) => k(m, c));
  }

  key(): Predicate {
    const arg = this.args[this.i++];
    if (arg.type === 'list') return new Criteria(arg.items).all();
    const word = argText(arg)!;
    const name = word.toUpperCase();
    const flag = FLAG_KEYS[name];
    if (flag) return (m) => m.flags.has(flag[0]) === flag[1];
    if (HEADER_KEYS.has(name)) {
      const needle = this.text(name);
      return (m) => contains(headerValue(m.raw, name), needle);
    }
    switch (name) {
      case 'ALL':
        return () => true;
      case 'NEW':
        return (m, c) => c.recent && !m.flags.has('\\Seen');
      case 'OLD':
        return (_m, c) => !c.recent;
      case 'RECENT':
        return (_m, c) => c.recent;
      case 'KEYWORD': {
        const keyword = this.text(name);
        return (m) => m.flags.has(keyword);
      }
      case 'UNKEYWORD': {
        const keyword = this.text(name);
        return (m) => !m.flags.has(keyword);
      }
      case 'HEADER': {
        const field = this.text(name);
        const needle = this.text(name);
        return (m) => contains(headerValue(m.raw, field), needle);
      }
      case 'BODY': {
        const needle = this.text(name);
        return (m) => contains(messageBody(m.raw).toString('utf8'), needle);
      }
      case 'TEXT': {
        const needle = this.text(name);
        return (m) => contains(m.raw.toString('utf8'), needle);
      }
      case 'LARGER': {
        const n = this.number(name);
        return (m) => m.raw.length > n;
      }
      case 'SMALLER': {
        const n = this.number(name);
        return (m) => m.raw.length < n;
      }
      case 'BEFORE':
      case 'ON':
      case 'SINCE':
        return this.dateKey(name, (m) => m.internalDate);
      case 'SENTBEFORE':
      case 'SENTON':
      case 'SENTSINCE':
        return this.dateKey(name, sentDate);
      case 'NOT': {
        if (this.done) throw new ImapSyntaxError('SEARCH NOT needs a criterion');
        const inner = this.key();
        return (m, c) => !inner(m, c);
      }
      case 'OR': {
        if (this.args.length - this.i < 2) throw new ImapSyntaxError('SEARCH OR needs two criteria');
        const a = this.key();
        const b = this.key();
        return (m, c) => a(m, c) || b(m, c);
      }
      case 'UID': {
        const set = parseSequenceSet(this.text(name));
        if (!set) throw new ImapSyntaxError('SEARCH UID needs a sequence set');
        return (m, c) => inSequenceSet(set, m.uid, c.maxUid);
      }
      default: {
        const set = parseSequenceSet(word);
        if (!set) throw new ImapSyntaxError(`Unknown SEARCH key ${word}`);
        return (_m, c) => inSequenceSet(set, c.seq, c.maxSeq);
      }
    }
  }

  private dateKey(name: string, dateOf: (m: StoredMessage) => Date | undefined): Predicate {
    const when = this.date(name);
    const test = name.endsWith('BEFORE') ? (d: number) => d < when : name.endsWith('ON') ? (d: number) => d === when : (d: number) => d >= when;
    return (m) => {
      const date = dateOf(m);
      return date !== undefined && test(day(date));
    };
  }
}

/** Parses `[RETURN (…)] [CHARSET name] criteria…`. */
export function parseSearch(args: ImapArg[]): SearchQuery {
  let rest = args;
  let returnOptions: string[] | undefined;
  if (argText(rest[0])?.toUpperCase() === 'RETURN') {
    const list = rest[1];
    if (list?.type !== 'list') throw new ImapSyntaxError('SEARCH RETURN needs a list of options');
    returnOptions = list.items.map((item) => (argText(item) ?? '').toUpperCase());
    const unknown = returnOptions.find((o) => !RETURN_OPTIONS.has(o));
    if (unknown !== undefined) throw new ImapSyntaxError(`Unknown SEARCH RETURN option ${unknown}`);
    // RETURN () means ALL (RFC 9051 §6.4.4).
    if (returnOptions.length === 0) returnOptions = ['ALL'];
    rest = rest.slice(2);
  }
  let badCharset: string | undefined;
  if (argText(rest[0])?.toUpperCase() === 'CHARSET') {
    const charset = argText(rest[1]);
    if (charset === undefined) throw new ImapSyntaxError('SEARCH CHARSET needs a charset name');
    if (!SEARCH_CHARSETS.includes(charset.toUpperCase())) badCharset = charset;
    rest = rest.slice(2);
  }
  return { match: new Criteria(rest).all(), returnOptions, badCharset };
}
