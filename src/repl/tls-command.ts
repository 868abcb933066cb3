import { writeFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { shellWords } from '../text/shell-words.js';
import type { Session } from '../session/session.js';
import { probeTls } from '../session/tls-probe.js';
import { checkChoice, choiceNotes, describeChoice, parseChoiceWords, type TlsChoice } from '../transport/tls-choice.js';
import { chainPem, formatTlsSummary, tlsConnectNote, tlsFields } from '../transport/tls-summary.js';
import type { MetaContext } from './meta-context.js';

export const TLS_USAGE = '/tls [pem | save FILE | set [OPTIONS] | try [OPTIONS]]';

/**
 * `/tls`: the report; `pem` or `save FILE`: the chain as PEM; `set OPTIONS`:
 * what the next handshake offers; `try OPTIONS`: one handshake on a fresh
 * connection to the same server, to compare (OPTIONS as on the command
 * line: --tls-min, --tls-max, --ciphers, --groups, --alpn, --ocsp).
 */
export async function tlsCommand(args: string, ctx: MetaContext): Promise<void> {
  const [verb = '', ...rest] = shellWords(args);
  const session = ctx.session;
  const info = session.connection?.tls;
  switch (verb) {
    case '':
      tlsReport(session).forEach((l) => ctx.print(l));
      return;
    case 'pem':
    case 'save': {
      if (!info) throw new UsageError('not using TLS: no certificates to show');
      if (verb === 'pem') return chainPem(info).trimEnd().split('\n').forEach((l) => ctx.print(l));
      if (rest.length !== 1) throw new UsageError('usage: /tls save FILE');
      try {
        writeFileSync(rest[0], chainPem(info));
      } catch (err) {
        throw new UsageError(`cannot write ${rest[0]}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      ctx.print(`${info.chain.length} certificate${info.chain.length === 1 ? '' : 's'} written to ${rest[0]}`);
      return;
    }
    case 'set': {
      if (rest.length > 0) setTlsChoice(session, parseChoiceWords(rest));
      ctx.print(`next handshake offers: ${describeChoice(session.options.connect.tls.choice ?? {}) || 'the defaults'}`);
      return;
    }
    case 'try': {
      const choice = checkChoice({ ...session.options.connect.tls.choice, ...parseChoiceWords(rest) });
      const summary = await probeTls(session.options, session.protocol, choice, session.connection?.sessionTicket);
      ctx.print(`${tlsConnectNote(summary)}${summary.resumed ? ', session resumed' : ''}`);
      return;
    }
    default:
      throw new UsageError(`usage: ${TLS_USAGE}`);
  }
}

/** The `/tls` report, also recorded in the transcript (`==` records; jsonl: a `tls` field). */
function tlsReport(session: Session): string[] {
  const info = session.connection?.tls;
  if (!info) return ['not using TLS'];
  const lines = formatTlsSummary(info);
  lines.forEach((line, i) => session.transcript?.note(`/tls ${line}`, i === 0 ? { tls: tlsFields(info) } : undefined));
  return lines;
}

/** `/tls set`: what the next handshake offers (a STARTTLS typed later). */
function setTlsChoice(session: Session, choice: TlsChoice): void {
  session.options.connect.tls.choice = choice;
  for (const note of choiceNotes(choice)) session.noteLine('info', note);
}
