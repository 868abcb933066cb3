import type { ProtocolName, Reply } from './adapter.js';
import { IMAP_RESPONSE_CODES, imapResponseCode } from './explain-imap.js';
import { POP3_RESP_CODES } from './explain-pop3.js';
import { SIEVE_RESPONSE_CODES } from './explain-sieve.js';
import { explainEnhancedCode, explainSmtpCode, smtpCodesOf } from './explain-smtp.js';
import { pop3RespCode } from './pop3.js';
import { sieveResponseCode } from './sieve.js';

/** Status words and what they say (RFC 9051 §7.1, RFC 1939 §3, RFC 5804 §1.3). */
const STATUS: Record<'imap' | 'pop3' | 'sieve', ReadonlyMap<string, string>> = {
  imap: new Map([
    ['OK', 'the command succeeded'],
    ['NO', 'the command was understood but failed'],
    ['BAD', 'the command was not understood (syntax, or not allowed in this state)'],
    ['PREAUTH', 'already authenticated: no LOGIN needed'],
    ['BYE', 'the server is closing the connection'],
  ]),
  pop3: new Map([
    ['+OK', 'the command succeeded'],
    ['-ERR', 'the command failed'],
  ]),
  sieve: new Map([
    ['OK', 'the command succeeded'],
    ['NO', 'the command failed'],
    ['BYE', 'the server is closing the connection'],
  ]),
};

/** The code tables by protocol, with how each writes a code. */
const CODE_TABLES: readonly { name: string; codes: ReadonlyMap<string, string>; show: (c: string) => string }[] = [
  { name: 'IMAP', codes: IMAP_RESPONSE_CODES, show: (c) => `[${c}]` },
  { name: 'POP3', codes: POP3_RESP_CODES, show: (c) => `[${c}]` },
  { name: 'ManageSieve', codes: SIEVE_RESPONSE_CODES, show: (c) => `(${c})` },
];

function explainWord(word: string): string[] {
  const code = word.toUpperCase();
  const found = CODE_TABLES.flatMap((t) => {
    const meaning = t.codes.get(code);
    return meaning ? [`${t.name} ${t.show(code)}: ${meaning}`] : [];
  });
  return found.length > 0 ? found : [`${word}: not a code mailsh knows (SMTP 250, 5.7.1; IMAP [TRYCREATE]; POP3 [IN-USE]; ManageSieve (QUOTA))`];
}

/**
 * `/explain CODE` (SPEC §4): what a reply code means. Takes a basic SMTP code
 * with or without its enhanced code and text (`454 4.7.1 Relay access
 * denied`), an enhanced code (`5.1.1`), or a response code with or without
 * brackets (`[TRYCREATE]`, `IN-USE`, `(QUOTA/MAXSIZE)`).
 */
export function explainCode(input: string): string[] {
  const text = input.trim();
  const smtp = smtpCodesOf(text);
  if (smtp) return [explainSmtpCode(smtp.code), ...(smtp.enhanced ? [explainEnhancedCode(smtp.enhanced)] : [])];
  if (/^\d+\.\d+\.\d+$/.test(text)) return [explainEnhancedCode(text)];
  if (/^\d{3}$/.test(text)) return [explainSmtpCode(text)];
  const bracketed = /[[(]([A-Za-z0-9/-]+)[\])\s]/.exec(`${text} `);
  return explainWord(bracketed?.[1] ?? text);
}

function codeMeaning(codes: ReadonlyMap<string, string>, code: string | undefined, show: (c: string) => string): string[] {
  if (code === undefined) return [];
  return [`${show(code)}: ${codes.get(code) ?? 'a code mailsh does not know'}`];
}

/**
 * `--explain`: a short annotation for a complete reply, shown dim after the
 * line that completed it; undefined when there is nothing to say.
 */
export function explainReply(protocol: ProtocolName, reply: Reply): string | undefined {
  const parts: string[] = [];
  switch (protocol) {
    case 'smtp':
    case 'lmtp': {
      // The reply's lines are its texts; an enhanced code opens the last one (RFC 2034 §4).
      const codes = smtpCodesOf(`${reply.status} ${reply.lines.at(-1) ?? ''}`);
      if (!codes) return undefined;
      parts.push(explainSmtpCode(codes.code));
      if (codes.enhanced) parts.push(explainEnhancedCode(codes.enhanced));
      break;
    }
    case 'imap': {
      const line = reply.lines.at(-1) ?? '';
      const status = STATUS.imap.get(reply.status.toUpperCase());
      if (status) parts.push(`${reply.status.toUpperCase()}: ${status}`);
      parts.push(...codeMeaning(IMAP_RESPONSE_CODES, imapResponseCode(line), (c) => `[${c}]`));
      break;
    }
    case 'pop3': {
      // A multi-line reply's status is its first line.
      const status = STATUS.pop3.get(reply.status);
      if (status) parts.push(`${reply.status}: ${status}`);
      parts.push(...codeMeaning(POP3_RESP_CODES, pop3RespCode(reply.lines[0] ?? ''), (c) => `[${c}]`));
      break;
    }
    case 'sieve': {
      const status = STATUS.sieve.get(reply.status);
      if (status) parts.push(`${reply.status}: ${status}`);
      parts.push(...codeMeaning(SIEVE_RESPONSE_CODES, sieveResponseCode(reply.lines.at(-1) ?? ''), (c) => `(${c})`));
      break;
    }
    default:
      return undefined;
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}
