import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Reply } from '../src/protocol/adapter.js';
import { explainCode, explainReply } from '../src/protocol/explain.js';
import { IMAP_RESPONSE_CODES, imapResponseCode } from '../src/protocol/explain-imap.js';
import { POP3_RESP_CODES } from '../src/protocol/explain-pop3.js';
import { SIEVE_RESPONSE_CODES } from '../src/protocol/explain-sieve.js';
import { ENHANCED_DETAILS, SMTP_CODES, explainEnhancedCode, explainSmtpCode, smtpCodesOf } from '../src/protocol/explain-smtp.js';

test('explain: SMTP basic codes', () => {
  const cases: [string, RegExp][] = [
    ['220', /^220: service ready/],
    ['250', /^250: requested mail action okay, completed$/],
    ['354', /^354: start mail input; end with <CRLF>\.<CRLF>$/],
    ['454', /TLS not available/],
    ['535', /credentials invalid/],
    ['556', /does not accept mail \(RFC 7504\)/],
    ['299', /^299: not a code RFC 5321 defines \(2xx: positive completion\)$/],
    ['471', /^471: not a code RFC 5321 defines \(4xx: transient negative/],
    ['600', /^600: not an SMTP reply code/],
  ];
  for (const [code, re] of cases) assert.match(explainSmtpCode(code), re, code);
  for (const code of SMTP_CODES.keys()) assert.match(code, /^[2-5]\d\d$/);
});

test('explain: enhanced status codes (RFC 3463, IANA registry)', () => {
  const cases: [string, string][] = [
    ['2.1.0', '2.1.0: success, addressing status: other address status'],
    ['5.1.1', '5.1.1: permanent failure, addressing status: bad destination mailbox address (no such user)'],
    ['4.7.1', '4.7.1: persistent transient failure, security or policy status: delivery not authorized, message refused (e.g. relay access denied)'],
    ['5.7.27', '5.7.27: permanent failure, security or policy status: sender address has a null MX (RFC 7505)'],
    ['5.1.10', '5.1.10: permanent failure, addressing status: recipient address has a null MX (RFC 7505)'],
    ['5.7.99', '5.7.99: permanent failure, security or policy status: a detail the IANA registry does not list'],
    ['3.1.1', '3.1.1: not an enhanced status code (class 2, 4 or 5; subject 0 to 7; RFC 3463)'],
    ['5.8.1', '5.8.1: not an enhanced status code (class 2, 4 or 5; subject 0 to 7; RFC 3463)'],
  ];
  for (const [code, text] of cases) assert.equal(explainEnhancedCode(code), text);
  for (const key of ENHANCED_DETAILS.keys()) assert.match(key, /^[0-7]\.\d{1,2}$/);
});

test('explain: reply lines give their basic and enhanced codes', () => {
  assert.deepEqual(smtpCodesOf('250 2.1.0 Ok'), { code: '250', enhanced: '2.1.0' });
  assert.deepEqual(smtpCodesOf('554 5.7.1 <x@example.com>: Relay access denied'), { code: '554', enhanced: '5.7.1' });
  assert.deepEqual(smtpCodesOf('220 mx ESMTP'), { code: '220', enhanced: undefined });
  assert.equal(smtpCodesOf('hello'), undefined);
  assert.equal(imapResponseCode('A1 NO [TRYCREATE] no such mailbox'), 'TRYCREATE');
  assert.equal(imapResponseCode('* OK [UIDVALIDITY 17] x'), 'UIDVALIDITY');
  assert.equal(imapResponseCode('A1 OK done'), undefined);
});

test('explain: /explain reads codes in any of the usual forms', () => {
  const cases: [string, RegExp[]][] = [
    ['454 4.7.1 Relay access denied', [/^454: /, /^4\.7\.1: persistent transient failure/]],
    ['550', [/^550: mailbox unavailable/]],
    ['5.2.2', [/^5\.2\.2: permanent failure, mailbox status: mailbox full$/]],
    ['[TRYCREATE]', [/^IMAP \[TRYCREATE\]: the target mailbox does not exist/]],
    ['a1 NO [AUTHENTICATIONFAILED] Authentication failed.', [/^IMAP \[AUTHENTICATIONFAILED\]: /]],
    ['in-use', [/^POP3 \[IN-USE\]: the maildrop is locked/]],
    ['-ERR [SYS/TEMP] try later', [/^POP3 \[SYS\/TEMP\]: a temporary system problem/]],
    ['(QUOTA/MAXSIZE)', [/^ManageSieve \(QUOTA\/MAXSIZE\): the script is too large$/]],
    ['NONEXISTENT', [/^IMAP \[NONEXISTENT\]/, /^ManageSieve \(NONEXISTENT\)/]],
    ['FROBNICATE', [/^FROBNICATE: not a code mailsh knows/]],
  ];
  for (const [input, res] of cases) {
    const lines = explainCode(input);
    assert.equal(lines.length, res.length, `${input}: ${lines.join(' | ')}`);
    res.forEach((re, i) => assert.match(lines[i], re, input));
  }
});

test('explain: every table entry is upper case and explained', () => {
  for (const table of [IMAP_RESPONSE_CODES, POP3_RESP_CODES, SIEVE_RESPONSE_CODES]) {
    for (const [code, meaning] of table) {
      assert.equal(code, code.toUpperCase());
      assert.ok(meaning.length > 10, code);
    }
  }
});

test('explain: --explain annotates complete replies per protocol', () => {
  const reply = (status: string, lines: string[]): Reply => ({ status, cls: 'ok', lines });
  assert.equal(
    explainReply('smtp', reply('250', ['mx', '2.0.0 Ok'])),
    '250: requested mail action okay, completed; 2.0.0: success, other or undefined status: other undefined status',
  );
  assert.equal(explainReply('imap', reply('NO', ['A1 NO [TRYCREATE] Mailbox doesn\'t exist'])), 'NO: the command was understood but failed; [TRYCREATE]: the target mailbox does not exist; CREATE it and try again');
  assert.equal(explainReply('imap', reply('OK', ['A1 OK [XFOO] hm'])), 'OK: the command succeeded; [XFOO]: a code mailsh does not know');
  assert.equal(explainReply('pop3', reply('-ERR', ['-ERR [IN-USE] locked'])), '-ERR: the command failed; [IN-USE]: the maildrop is locked, probably by another POP3 session; try again later (RFC 2449)');
  assert.equal(explainReply('pop3', reply('+OK', ['+OK 2 messages', '1 100', '2 200'])), '+OK: the command succeeded');
  assert.equal(explainReply('sieve', reply('NO', ['NO (QUOTA/MAXSIZE) "too big"'])), 'NO: the command failed; (QUOTA/MAXSIZE): the script is too large');
  assert.equal(explainReply('line', reply('', ['x'])), undefined);
});
