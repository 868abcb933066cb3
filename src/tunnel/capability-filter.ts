import { announcedLiteral } from '../framing/line-reader.js';
import type { ProtocolName } from '../protocol/adapter.js';

/**
 * What a proxy cannot carry, taken out of every capability the server
 * announces: STARTTLS (the proxy answers it itself, RFC 3207 §4, RFC 9051
 * §6.2.1, RFC 2595 §4, RFC 5804 §2.2), COMPRESS=DEFLATE (RFC 4978: the
 * proxy would have to inflate it to follow the session) and SCRAM-*-PLUS
 * (RFC 5802 §6: the client's TLS channel is not the server's).
 */
function carried(token: string): boolean {
  const t = token.toUpperCase();
  return t !== 'STARTTLS' && t !== 'STLS' && t !== 'COMPRESS=DEFLATE' && !/^(AUTH=)?SCRAM-[A-Z0-9-]+-PLUS$/.test(t);
}

/** Space-separated capabilities without what is not carried, plus `extra`. */
function filterWords(words: string, extra?: string): string {
  const kept = words.split(' ').filter((w) => w === '' || carried(w));
  if (extra) kept.push(extra);
  return kept.join(' ');
}

/**
 * Rewrites the server's capability announcements on their way to a proxied
 * client, and leaves every other byte as it came: IMAP `* CAPABILITY` and
 * `[CAPABILITY …]`, the SMTP EHLO reply, the POP3 CAPA list, ManageSieve's
 * capability responses. Literals and message text are never looked into.
 * `offerStarttls`: the proxy ends the client's STARTTLS itself, and the
 * client has not started it yet: STARTTLS (STLS) is announced.
 */
export class CapabilityFilter {
  offerStarttls = false;
  private rest = '';
  private literalLeft = 0;
  /** SMTP/POP3/Sieve: a capability response is due (after EHLO, CAPA, CAPABILITY; Sieve's greeting is one). */
  private capsDue: boolean;
  /** Lines of the SMTP EHLO reply gathered until its last line. */
  private reply: string[] = [];

  constructor(private readonly protocol: ProtocolName | 'auto') {
    this.capsDue = protocol === 'sieve';
  }

  /** A client command line: EHLO, CAPA and CAPABILITY make the next response a capability list. */
  command(text: string): void {
    const verb = text.split(' ')[0].toUpperCase();
    if ((this.protocol === 'smtp' || this.protocol === 'lmtp') && (verb === 'EHLO' || verb === 'LHLO')) this.capsDue = true;
    if (this.protocol === 'pop3' && verb === 'CAPA') this.capsDue = true;
    if (this.protocol === 'sieve' && verb === 'CAPABILITY') this.capsDue = true;
  }

  /** The server's bytes as the client is to get them. */
  push(chunk: Buffer): Buffer {
    if (this.protocol !== 'imap' && this.protocol !== 'sieve' && !this.capsDue && this.rest === '') return chunk;
    const out: string[] = [];
    let text = this.rest + chunk.toString('latin1');
    this.rest = '';
    while (text.length > 0) {
      if (this.literalLeft > 0) {
        const n = Math.min(this.literalLeft, text.length);
        out.push(text.slice(0, n));
        this.literalLeft -= n;
        text = text.slice(n);
        continue;
      }
      const nl = text.indexOf('\n');
      if (nl < 0) {
        this.rest = text;
        break;
      }
      out.push(this.line(text.slice(0, nl + 1)));
      text = text.slice(nl + 1);
      // SMTP/POP3 outside a capability response: the rest passes as it is.
      if (this.protocol !== 'imap' && this.protocol !== 'sieve' && !this.capsDue) {
        out.push(text);
        break;
      }
    }
    return Buffer.from(out.join(''), 'latin1');
  }

  /** One line with its line end: as it goes to the client ('' to drop it, or held). */
  private line(line: string): string {
    const end = line.endsWith('\r\n') ? '\r\n' : '\n';
    const body = line.slice(0, line.length - end.length);
    // A server literal (IMAP RFC 9051 §4.3, a BINARY `~{N}`, ManageSieve RFC 5804 §4): its bytes are data, as framing reads them.
    this.literalLeft = (this.protocol === 'imap' || this.protocol === 'sieve' ? announcedLiteral(body) : undefined) ?? 0;
    switch (this.protocol) {
      case 'imap':
        return this.imapLine(body) + end;
      case 'smtp':
      case 'lmtp':
        return this.smtpLine(body, end);
      case 'pop3':
        return this.pop3Line(body, end);
      case 'sieve':
        return this.sieveLine(body, end);
      default:
        return line;
    }
  }

  private imapLine(body: string): string {
    const offer = this.offerStarttls ? 'STARTTLS' : undefined;
    const untagged = /^(\* CAPABILITY )(.*)$/i.exec(body);
    if (untagged) return untagged[1] + filterWords(untagged[2], offer);
    return body.replace(/\[CAPABILITY ([^\]]*)\]/i, (_, words: string) => `[CAPABILITY ${filterWords(words, offer)}]`);
  }

  /** The EHLO reply (RFC 5321 §4.1.1.1) is gathered to its last line: the last one kept must say `250 `. */
  private smtpLine(body: string, end: string): string {
    if (!this.capsDue) return body + end;
    this.reply.push(body);
    if (!/^\d{3}(?: |$)/.test(body)) return '';
    this.capsDue = false;
    const lines = this.reply;
    this.reply = [];
    if (!lines[0].startsWith('250')) return lines.map((l) => l + end).join('');
    const kept = [lines[0].slice(4)];
    if (this.offerStarttls) kept.push('STARTTLS');
    for (const l of lines.slice(1)) {
      const words = l.slice(4);
      if (/^AUTH[ =]/i.test(words)) kept.push(filterWords(words));
      else if (carried(words.split(' ')[0])) kept.push(words);
    }
    return kept.map((k, i) => `250${i === kept.length - 1 ? ' ' : '-'}${k}${end}`).join('');
  }

  /** The CAPA list (RFC 2449 §5), to its `.`. */
  private pop3Line(body: string, end: string): string {
    if (body.startsWith('-ERR') || body === '.') {
      this.capsDue = false;
      return (body === '.' && this.offerStarttls ? `STLS${end}` : '') + body + end;
    }
    if (body.startsWith('+OK')) return body + end;
    if (/^SASL /i.test(body)) return filterWords(body) + end;
    return carried(body.split(' ')[0]) ? body + end : '';
  }

  /** Capability responses (RFC 5804 §1.7): `"NAME" "value"` lines up to OK. */
  private sieveLine(body: string, end: string): string {
    if (!this.capsDue) return body + end;
    if (/^(OK|NO|BYE)\b/i.test(body)) {
      this.capsDue = false;
      return (this.offerStarttls ? `"STARTTLS"${end}` : '') + body + end;
    }
    const sasl = /^("SASL" ")([^"]*)(".*)$/i.exec(body);
    if (sasl) return sasl[1] + filterWords(sasl[2]) + sasl[3] + end;
    const name = /^"([^"]*)"/.exec(body);
    return name && !carried(name[1]) ? '' : body + end;
  }
}
