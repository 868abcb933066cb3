import { UsageError } from '../errors.js';
import { apopArguments, apopTimestamp } from './apop.js';
import { cramMd5Response } from './cram-md5.js';
import { oauthBearerMessage, xoauth2Message } from './oauth.js';
import { plainMessage } from './plain.js';
import { shellWords } from '../text/shell-words.js';
import { parseEscapes } from '../text/text-escapes.js';

/** What helpers may need from the session and the front end. */
export interface HelperContext {
  /** The last SASL challenge the server sent (decoded), for `{{cram-md5}}`. */
  challenge?: Buffer;
  /** The server's greeting, for `{{apop}}`'s timestamp. */
  greeting?: string;
  host?: string;
  port?: number;
  /** `-u` or the URL's user, when a helper is given no user. */
  defaultUser?: string;
  /** A hidden prompt (or MAILSH_PASSWORD) for a value left out. */
  askSecret(prompt: string): Promise<string>;
}

/** A line with its helpers expanded, and the expansions (secrets to mask). */
export interface ExpandedLine {
  text: string;
  secrets: string[];
}

type Helper = (args: string, ctx: HelperContext) => Promise<string>;

const b64 = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64');

/** `USER [SECRET]`: the user (or the default one) and the secret, asked for when missing. */
async function userAndSecret(args: string, ctx: HelperContext, what: string, name: string): Promise<[string, string]> {
  const [user = ctx.defaultUser, secret, ...extra] = shellWords(args);
  if (!user || extra.length > 0) throw new UsageError(`usage: {{${name} USER [${what.toUpperCase()}]}} (quote values with spaces)`);
  return [user, secret ?? (await ctx.askSecret(`${what} for ${user}: `))];
}

/** The helpers of SPEC §8; each output is a secret span of the line. */
const HELPERS: ReadonlyMap<string, Helper> = new Map<string, Helper>([
  // The text is taken as typed (not shell-split), with \0 \t \\ \xNN escapes.
  ['b64', async (args) => b64(parseEscapes(args))],
  ['plain', async (args, ctx) => b64(plainMessage(...(await userAndSecret(args, ctx, 'password', 'plain'))))],
  [
    'login',
    async (args, ctx) => {
      const words = shellWords(args);
      if (words.length > 1) throw new UsageError('usage: {{login VALUE}} (one value: the user name or the password)');
      return b64(words[0] ?? (await ctx.askSecret('value to send (hidden): ')));
    },
  ],
  [
    'cram-md5',
    async (args, ctx) => {
      if (!ctx.challenge) throw new UsageError('{{cram-md5}} answers a challenge, and the server has sent none yet (send AUTH CRAM-MD5 first)');
      const challenge = ctx.challenge;
      return b64(cramMd5Response(...(await userAndSecret(args, ctx, 'password', 'cram-md5')), challenge));
    },
  ],
  ['xoauth2', async (args, ctx) => b64(xoauth2Message(...(await userAndSecret(args, ctx, 'token', 'xoauth2'))))],
  [
    'oauthbearer',
    async (args, ctx) => {
      const [user, token] = await userAndSecret(args, ctx, 'token', 'oauthbearer');
      return b64(oauthBearerMessage(user, token, ctx.host, ctx.port));
    },
  ],
  [
    'apop',
    async (args, ctx) => {
      const timestamp = apopTimestamp(ctx.greeting ?? '');
      if (!timestamp) throw new UsageError('{{apop}} needs the <timestamp> of a POP3 greeting, and this server sent none (it does not offer APOP)');
      return apopArguments(...(await userAndSecret(args, ctx, 'password', 'apop')), timestamp);
    },
  ],
]);

/** `{{`, not preceded by a backslash. */
const OPEN_RE = /(\\?)\{\{/g;

/** `line` with the arguments of its helpers hidden (`{{plain alice <hidden>}}`), for messages that quote it. */
export function helperArgumentsHidden(line: string): string {
  return line.replace(/(?<!\\)\{\{(\s*\S+)\s[^]*?\}\}/g, '{{$1 <hidden>}}');
}

/**
 * Expands `{{NAME ARGS}}` helpers in a command line (SPEC §8); `\{{` is a
 * literal `{{`. A helper ends at the first `}}`. An unknown or unterminated
 * helper is a usage error and nothing is sent.
 */
export async function expandHelpers(line: string, ctx: HelperContext): Promise<ExpandedLine> {
  let text = '';
  const secrets: string[] = [];
  let last = 0;
  OPEN_RE.lastIndex = 0;
  for (let m = OPEN_RE.exec(line); m; m = OPEN_RE.exec(line)) {
    text += line.slice(last, m.index);
    if (m[1]) {
      text += '{{';
      last = OPEN_RE.lastIndex;
      continue;
    }
    const close = line.indexOf('}}', OPEN_RE.lastIndex);
    if (close < 0) throw new UsageError('unterminated {{ helper (a literal {{ is written \\{{); nothing was sent');
    const body = line.slice(OPEN_RE.lastIndex, close).trim();
    const [, name = '', args = ''] = /^(\S*)\s*(.*)$/s.exec(body)!;
    const helper = HELPERS.get(name.toLowerCase());
    if (!helper) throw new UsageError(`unknown helper {{${name}}} (helpers: ${[...HELPERS.keys()].join(' ')}); nothing was sent`);
    const value = await helper(args, ctx);
    secrets.push(value);
    text += value;
    last = close + 2;
    OPEN_RE.lastIndex = last;
  }
  return { text: text + line.slice(last), secrets };
}

/** Whether a line has anything for expandHelpers to do. */
export function hasHelpers(line: string): boolean {
  return line.includes('{{');
}
