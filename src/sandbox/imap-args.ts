/** Argument checks shared by the sandbox's IMAP command handlers; failures are BAD. */
import { argText, ImapSyntaxError, type ImapArg, type ImapCommand } from './imap-command-parser.js';

/** System flags a client may set (RFC 9051 §2.3.2); \Recent is the server's. */
export const PERMANENT_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

/** Exactly `n` arguments, or BAD. */
export function expectArgs(cmd: ImapCommand, n: number, usage: string): ImapArg[] {
  if (cmd.args.length !== n) throw new ImapSyntaxError(`Usage: ${cmd.name} ${usage}`);
  return cmd.args;
}

/** An astring argument (atom, quoted string or literal) as text. */
export function textArg(arg: ImapArg | undefined, what: string): string {
  const value = argText(arg);
  if (value === undefined) throw new ImapSyntaxError(`Expected ${what}`);
  return value;
}

/** Flags: a parenthesized list (or, for STORE, bare flags); \Recent may not be set by clients. */
export function flagArgs(args: ImapArg[]): string[] {
  const items = args.length === 1 && args[0].type === 'list' ? args[0].items : args;
  return items.map((item) => {
    const flag = item.type === 'atom' ? item.value : undefined;
    if (flag === undefined || (flag.startsWith('\\') && !PERMANENT_FLAGS.some((f) => f.toLowerCase() === flag.toLowerCase()))) {
      throw new ImapSyntaxError(`Invalid flag ${argText(item) ?? '(list)'}`);
    }
    return flag.startsWith('\\') ? PERMANENT_FLAGS.find((f) => f.toLowerCase() === flag.toLowerCase())! : flag;
  });
}

/** The text of a tagged OK, as Dovecot words it: `Fetch completed` for FETCH and UID FETCH. */
export function completed(cmd: ImapCommand): string {
  const verb = cmd.name.slice(cmd.name.lastIndexOf(' ') + 1);
  return `${verb[0]}${verb.slice(1).toLowerCase()} completed`;
}
