/** What `mailsh proxy` passes on of the server's capabilities, whatever the chunking; literals and message text untouched. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CapabilityFilter } from '../src/tunnel/capability-filter.js';

/** The filter's output for `server`, fed whole and fed one byte at a time (both must agree). */
function through(f: () => CapabilityFilter, server: string, commands: string[] = []): string {
  const whole = f();
  commands.forEach((c) => whole.command(c));
  const once = whole.push(Buffer.from(server, 'latin1')).toString('latin1');
  const bytes = f();
  commands.forEach((c) => bytes.command(c));
  const split = [...Buffer.from(server, 'latin1')].map((b) => bytes.push(Buffer.of(b)).toString('latin1')).join('');
  assert.equal(split, once, 'the same whatever the chunking');
  return once;
}

describe('CapabilityFilter', () => {
  it('IMAP: untagged CAPABILITY and [CAPABILITY] codes; a literal that looks like one is left alone', () => {
    const literal = '* CAPABILITY STARTTLS\r\n[CAPABILITY STARTTLS]\r\n';
    const server = `* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=SCRAM-SHA-1-PLUS COMPRESS=DEFLATE AUTH=PLAIN] hi\r\n* 1 FETCH (BODY[] {${literal.length}}\r\n${literal})\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\n`;
    assert.equal(through(() => new CapabilityFilter('imap'), server),
      `* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n* 1 FETCH (BODY[] {${literal.length}}\r\n${literal})\r\n* CAPABILITY IMAP4rev1\r\n`);
  });

  it('IMAP: a BINARY literal (~{N}, RFC 3516) is data too, as framing reads it', () => {
    const literal = '[CAPABILITY STARTTLS]\r\n* CAPABILITY STARTTLS\r\n';
    const server = `* 1 FETCH (BINARY[] ~{${literal.length}}\r\n${literal})\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\n`;
    assert.equal(through(() => new CapabilityFilter('imap'), server), `* 1 FETCH (BINARY[] ~{${literal.length}}\r\n${literal})\r\n* CAPABILITY IMAP4rev1\r\n`);
  });

  it('SMTP: only the EHLO reply is rewritten, its last kept line ends with "250 "; STARTTLS added when offered', () => {
    const server = '250-mx\r\n250-STARTTLS\r\n250-AUTH PLAIN SCRAM-SHA-256-PLUS\r\n250 STARTTLS\r\n250 2.0.0 STARTTLS\r\n';
    const plain = () => new CapabilityFilter('smtp');
    assert.equal(through(plain, server, ['EHLO me']), '250-mx\r\n250 AUTH PLAIN\r\n250 2.0.0 STARTTLS\r\n');
    const offering = (): CapabilityFilter => Object.assign(new CapabilityFilter('smtp'), { offerStarttls: true });
    assert.equal(through(offering, '250 mx\r\n', ['EHLO me']), '250-mx\r\n250 STARTTLS\r\n');
    assert.equal(through(plain, 'STARTTLS\r\n250-STARTTLS\r\n'), 'STARTTLS\r\n250-STARTTLS\r\n', 'nothing without EHLO');
  });

  it('POP3: the CAPA list to its "." only; a message line "STLS" is data', () => {
    const server = '+OK\r\nUSER\r\nSTLS\r\nSASL PLAIN SCRAM-SHA-1-PLUS\r\n.\r\n+OK msg\r\nSTLS\r\n.\r\n';
    assert.equal(through(() => new CapabilityFilter('pop3'), server, ['CAPA']), '+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n+OK msg\r\nSTLS\r\n.\r\n');
  });

  it('ManageSieve: the greeting and CAPABILITY responses; a script in a literal is left alone', () => {
    const script = '"STARTTLS"\r\n';
    const server = `"IMPLEMENTATION" "x"\r\n"SASL" "PLAIN SCRAM-SHA-1-PLUS"\r\n"STARTTLS"\r\nOK "hi"\r\n{${script.length}}\r\n${script}OK\r\n`;
    const offering = (): CapabilityFilter => Object.assign(new CapabilityFilter('sieve'), { offerStarttls: true });
    assert.equal(through(offering, server), `"IMPLEMENTATION" "x"\r\n"SASL" "PLAIN"\r\n"STARTTLS"\r\nOK "hi"\r\n{${script.length}}\r\n${script}OK\r\n`);
  });
});
