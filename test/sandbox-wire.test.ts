/**
 * The sandbox's IMAP and POP3 servers byte by byte: syntax errors are BAD,
 * literals (synchronizing and LITERAL+), every SASL mechanism including
 * SCRAM-SHA-256 with the server signature checked, IDLE, UID commands and
 * STARTTLS/STLS throwing away injected plaintext.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { Dialog } from './support/dialog.js';

let sandbox: Sandbox;
let ca: string;
const dialogs: Dialog[] = [];
before(async () => {
  sandbox = await startSandbox({ portBase: 0, users: [{ name: 'alice', password: 'pencil' }] });
  ca = readFileSync(sandbox.caFile, 'utf8');
});
after(async () => {
  for (const d of dialogs) d.close();
  await sandbox.stop();
});

const port = (url: string): number => Number(new URL(url).port);
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

async function open(service: 'imap' | 'pop3'): Promise<Dialog> {
  const d = await Dialog.open(port(sandbox.services[service]));
  dialogs.push(d);
  await d.expect(service === 'imap' ? /^\* OK \[CAPABILITY [^\]]*\] [^\r\n]*\r\n/ : /^\+OK [^\r\n]*\r\n/);
  return d;
}

/** Sends an IMAP command (or a line that completes `tag`) and returns everything up to and including the tagged completion. */
async function imap(d: Dialog, command: string, tag = command.split(' ')[0]): Promise<string> {
  d.send(command);
  return d.expect(new RegExp(`^${tag} (OK|NO|BAD)[^\\r\\n]*\\r\\n`, 'm'));
}

/** A SCRAM-SHA-256 client (RFC 5802 §3), written out here so the test does not trust the server's code. */
function scramClient(user: string, password: string) {
  const nonce = randomBytes(12).toString('base64');
  const first = `n=${user},r=${nonce}`;
  let expectedServerSignature = '';
  return {
    first: `n,,${first}`,
    final(serverFirst: string): string {
      const attrs = Object.fromEntries(serverFirst.split(',').map((p) => [p[0], p.slice(2)]));
      assert.ok(attrs.r.startsWith(nonce));
      const salted = pbkdf2Sync(password, Buffer.from(attrs.s, 'base64'), Number(attrs.i), 32, 'sha256');
      const clientKey = createHmac('sha256', salted).update('Client Key').digest();
      const withoutProof = `c=${b64('n,,')},r=${attrs.r}`;
      const authMessage = `${first},${serverFirst},${withoutProof}`;
      const signature = createHmac('sha256', createHash('sha256').update(clientKey).digest()).update(authMessage).digest();
      const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]));
      expectedServerSignature = createHmac('sha256', createHmac('sha256', salted).update('Server Key').digest()).update(authMessage).digest('base64');
      return `${withoutProof},p=${proof.toString('base64')}`;
    },
    get serverFinal(): string {
      return `v=${expectedServerSignature}`;
    },
  };
}

describe('sandbox IMAP on the wire', () => {
  it('answers BAD to what is not IMAP, NO to what fails, and goes on', async () => {
    const d = await open('imap');
    assert.match(await imap(d, 'a1 FROB'), /^a1 BAD Unknown command FROB/m);
    assert.match(await imap(d, 'a2 SELECT INBOX'), /^a2 BAD SELECT is not valid before LOGIN/m);
    assert.match(await imap(d, 'a3 LOGIN alice'), /^a3 BAD Usage: LOGIN user password/m);
    assert.match(await imap(d, 'a4 LOGIN "alice pencil'), /^a4 BAD Missing closing "/m);
    assert.match(await imap(d, 'a5 LOGIN alice wrong'), /^a5 NO \[AUTHENTICATIONFAILED\]/m);
    d.send('+plus NOOP');
    await d.expect(/^\* BAD Invalid tag\r\n/m);
    assert.match(await imap(d, 'a6 LOGIN alice pencil'), /^a6 OK \[CAPABILITY [^\]]+\] Logged in/m);
    assert.match(await imap(d, 'a7 CHECK'), /^a7 BAD Unknown command CHECK \(removed in IMAP4rev2/m);
    assert.match(await imap(d, 'a8 SELECT Nowhere'), /^a8 NO \[NONEXISTENT\]/m);
    assert.match(await imap(d, 'a9 SELECT INBOX'), /^a9 OK \[READ-WRITE\]/m);
    assert.match(await imap(d, 'b1 FETCH 1 (FLAGS'), /^b1 BAD Missing \)/m);
    assert.match(await imap(d, 'b2 FETCH 9 FLAGS'), /^b2 BAD Invalid message sequence number/m);
    assert.match(await imap(d, 'b3 FETCH 1 BINARY[1]'), /^b3 BAD Unknown or unsupported FETCH item BINARY\[1\]/m);
    assert.match(await imap(d, 'b4 FETCH x:y FLAGS'), /^b4 BAD Invalid sequence set/m);
    assert.match(await imap(d, 'b5 SEARCH FROBNICATE'), /^b5 BAD Unknown SEARCH key FROBNICATE/m);
    assert.match(await imap(d, 'b6 STORE 1 FLAGS (\\Recent)'), /^b6 BAD Invalid flag \\Recent/m);
    assert.match(await imap(d, 'b7 UID BOGUS 1'), /^b7 BAD Unknown command UID BOGUS/m);
    assert.match(await imap(d, 'b8 SEARCH CHARSET KOI8-R ALL'), /^b8 NO \[BADCHARSET \(UTF-8 US-ASCII\)\]/m);
    assert.match(await imap(d, 'b9 NOOP'), /^b9 OK/m);
  });

  it('synchronizing literals get "+", LITERAL+ ones do not; literal bytes are never parsed', async () => {
    const d = await open('imap');
    d.send('c1 LOGIN {5}');
    await d.expect(/^\+ [^\r\n]*\r\n/);
    d.send('alice {6}');
    await d.expect(/^\+ [^\r\n]*\r\n/);
    assert.match(await imap(d, 'pencil', 'c1'), /^c1 OK/m);
    assert.match(await imap(d, 'c1a CREATE {0+}\r\n'), /^c1a NO \[ALREADYEXISTS\]/m, 'an empty literal is an empty name');
    await imap(d, 'c1b CREATE Projects/2026');
    assert.match(await imap(d, 'c1c CREATE Projects'), /^c1c NO \[ALREADYEXISTS\]/m, 'made as the parent of Projects/2026');
    assert.match(await imap(d, 'c1d LIST "" Projects*'), /^\* LIST \(\\HasChildren\) "\/" Projects\r\n\* LIST \(\\HasNoChildren\) "\/" Projects\/2026\r\n/m);
    const message = 'Subject: lit\r\n\r\nc9 OK not a reply\r\n) {99}\r\n';
    const appended = await imap(d, `c2 APPEND INBOX (\\Seen) "24-Nov-2026 06:00:00 +0100" {${message.length}+}\r\n${message}`);
    assert.match(appended, /^c2 OK \[APPENDUID \d+ 2\] Append completed\r\n$/);
    assert.doesNotMatch(appended, /^\+/m, 'no continuation for LITERAL+');
    await imap(d, 'c3 EXAMINE INBOX');
    const fetched = await imap(d, 'c4 FETCH 2 (INTERNALDATE FLAGS BODY[TEXT] BODY.PEEK[HEADER.FIELDS.NOT (X-NONE)]<0.8>)');
    assert.ok(fetched.includes(`* 2 FETCH (INTERNALDATE "24-Nov-2026 05:00:00 +0000" FLAGS (\\Seen) BODY[TEXT] {27}\r\nc9 OK not a reply\r\n) {99}\r\n BODY[HEADER.FIELDS.NOT (X-NONE)]<0> "Subject:")\r\n`), fetched);
  });

  it('AUTHENTICATE PLAIN (with and without SASL-IR), LOGIN, CRAM-MD5, SCRAM-SHA-256; * cancels', async () => {
    let d = await open('imap');
    assert.match(await imap(d, `d1 AUTHENTICATE PLAIN ${b64('\0alice\0pencil')}`), /^d1 OK \[CAPABILITY/m);

    d = await open('imap');
    d.send('d2 AUTHENTICATE PLAIN');
    await d.expect(/^\+ \r\n/);
    assert.match(await imap(d, b64('\0alice\0wrong'), 'd2'), /^d2 NO \[AUTHENTICATIONFAILED\]/m);

    d.send('d3 AUTHENTICATE LOGIN');
    assert.equal(unb64((await d.expect(/^\+ (\S+)\r\n/)).slice(2).trim()), 'Username:');
    d.send(b64('alice'));
    assert.equal(unb64((await d.expect(/^\+ (\S+)\r\n/)).slice(2).trim()), 'Password:');
    d.send('*');
    await d.expect(/^d3 BAD Authentication cancelled\r\n/m);

    d.send('d4 AUTHENTICATE CRAM-MD5');
    const challenge = unb64((await d.expect(/^\+ (\S+)\r\n/)).slice(2).trim());
    assert.match(challenge, /^<[^>]+@localhost>$/);
    d.send(b64(`alice ${createHmac('md5', 'pencil').update(challenge).digest('hex')}`));
    await d.expect(/^d4 OK \[CAPABILITY/m);

    d = await open('imap');
    const scram = scramClient('alice', 'pencil');
    d.send(`d5 AUTHENTICATE SCRAM-SHA-256 ${b64(scram.first)}`);
    const serverFirst = unb64((await d.expect(/^\+ (\S+)\r\n/)).slice(2).trim());
    d.send(b64(scram.final(serverFirst)));
    const serverFinal = unb64((await d.expect(/^\+ (\S+)\r\n/)).slice(2).trim());
    assert.equal(serverFinal, scram.serverFinal, 'the server proves it knows the password too');
    d.send('');
    await d.expect(/^d5 OK \[CAPABILITY/m);

    d = await open('imap');
    assert.match(await imap(d, 'd6 AUTHENTICATE GSSAPI'), /^d6 NO Unsupported authentication mechanism/m);
  });

  it('IDLE reports a delivery at once; DONE ends it; UID commands', async () => {
    const d = await open('imap');
    await imap(d, 'e1 LOGIN alice pencil');
    await imap(d, 'e2 SELECT INBOX');
    d.send('e3 IDLE');
    await d.expect(/^\+ idling\r\n/);
    const inbox = sandbox.store.user('alice')!.inbox;
    const delivered = inbox.append(Buffer.from('Subject: while idle\r\n\r\nhi\r\n'));
    const exists = await d.expect(/^\* (\d+) EXISTS\r\n/m);
    const count = Number(/\* (\d+) EXISTS/.exec(exists)![1]);
    assert.equal(count, inbox.messages.length);
    assert.match(await imap(d, 'DONE', 'e3'), /^e3 OK Idle completed/m);
    assert.match(await imap(d, `e4 UID FETCH ${delivered.uid} (FLAGS)`), new RegExp(`^\\* ${count} FETCH \\(UID ${delivered.uid} FLAGS \\(\\\\Recent\\)\\)`, 'm'));
    assert.match(await imap(d, `e5 UID STORE ${delivered.uid} +FLAGS.SILENT (\\Deleted)`), /^e5 OK/m);
    assert.match(await imap(d, 'e6 UID SEARCH DELETED'), new RegExp(`^\\* SEARCH ${delivered.uid}\\r\\n`, 'm'));
    assert.match(await imap(d, `e7 UID COPY ${delivered.uid} Trash`), new RegExp(`^e7 OK \\[COPYUID \\d+ ${delivered.uid} \\d+\\]`, 'm'));
    assert.match(await imap(d, `e8 UID EXPUNGE ${delivered.uid}`), new RegExp(`^\\* ${count} EXPUNGE\\r\\ne8 OK`, 'm'));
    assert.equal(delivered.expunged, true);
  });

  it('two sessions: flag changes and expunges by one reach the other, EXPUNGE never during a non-UID FETCH', async () => {
    const inbox = sandbox.store.user('alice')!.inbox;
    for (const subject of ['one', 'two']) inbox.append(Buffer.from(`Subject: ${subject}\r\n\r\nx\r\n`));
    const [a, b] = [await open('imap'), await open('imap')];
    for (const d of [a, b]) {
      await imap(d, 'g1 LOGIN alice pencil');
      await imap(d, 'g2 SELECT INBOX');
    }
    const n = inbox.messages.length;
    a.send('g3 IDLE');
    await a.expect(/^\+ idling\r\n/);
    await imap(b, `g4 STORE ${n} +FLAGS (\\Flagged)`);
    await a.expect(new RegExp(`^\\* ${n} FETCH \\(FLAGS \\(\\\\Flagged( \\\\Recent)?\\)\\)\\r\\n`, 'm'));
    assert.match(await imap(a, 'DONE', 'g3'), /^g3 OK/m);
    assert.match(await imap(b, `g5 STORE ${n} +FLAGS (\\Deleted)`), /^g5 OK/m);
    assert.match(await imap(b, 'g6 EXPUNGE'), new RegExp(`^\\* ${n} EXPUNGE\\r\\ng6 OK`, 'm'));
    // a still numbers the message n until it is told; not during FETCH.
    const fetched = await imap(a, `g7 FETCH ${n} (FLAGS)`);
    assert.match(fetched, new RegExp(`^\\* ${n} FETCH \\(FLAGS \\([^)]*\\\\Deleted`, 'm'));
    assert.doesNotMatch(fetched, /EXPUNGE/);
    assert.match(await imap(a, 'g8 NOOP'), new RegExp(`^\\* ${n} EXPUNGE\\r\\ng8 OK`, 'm'));
  });

  it('STARTTLS throws away commands sent with it in plaintext (no command injection)', async () => {
    const d = await open('imap');
    d.send('f1 STARTTLS\r\nf2 LOGIN alice pencil');
    await d.expect(/^f1 OK [^\r\n]*\r\n/m);
    await d.startTls(ca);
    const caps = await imap(d, 'f3 CAPABILITY');
    assert.doesNotMatch(caps, /STARTTLS|f2/);
    assert.match(await imap(d, 'f4 SELECT INBOX'), /^f4 BAD SELECT is not valid before LOGIN/m);
  });
});

describe('sandbox POP3 on the wire', () => {
  it('AUTH lists mechanisms; PLAIN with an initial response; SCRAM-SHA-256; CRAM-MD5', async () => {
    let d = await open('pop3');
    d.send('AUTH');
    await d.expect(/^\+OK [^\r\n]*\r\nPLAIN\r\nLOGIN\r\nCRAM-MD5\r\nSCRAM-SHA-256\r\n\.\r\n/);
    d.send(`AUTH PLAIN ${b64('\0alice\0pencil')}`);
    await d.expect(/^\+OK Logged in[^\r\n]*\r\n/);
    d.send('QUIT');
    await d.expect(/^\+OK [^\r\n]*\r\n/);

    d = await open('pop3');
    const scram = scramClient('alice', 'pencil');
    d.send('AUTH SCRAM-SHA-256');
    await d.expect(/^\+ \r\n/);
    d.send(b64(scram.first));
    const serverFirst = unb64((await d.expect(/^\+ (\S+)\r\n/)).slice(2).trim());
    d.send(b64(scram.final(serverFirst)));
    assert.equal(unb64((await d.expect(/^\+ (\S+)\r\n/)).slice(2).trim()), scram.serverFinal);
    d.send('');
    await d.expect(/^\+OK Logged in[^\r\n]*\r\n/);

    d = await open('pop3');
    d.send('AUTH CRAM-MD5');
    const challenge = unb64((await d.expect(/^\+ (\S+)\r\n/)).slice(2).trim());
    d.send(b64(`alice ${createHmac('md5', 'wrong').update(challenge).digest('hex')}`));
    await d.expect(/^-ERR \[AUTH\] Authentication failed\r\n/);
    d.send('STAT');
    await d.expect(/^-ERR STAT is not valid before logging in\r\n/);
  });

  it('STLS throws away commands sent with it in plaintext', async () => {
    const d = await open('pop3');
    d.send('STLS\r\nUSER alice');
    await d.expect(/^\+OK Begin TLS negotiation\r\n/);
    await d.startTls(ca);
    d.send('PASS pencil');
    await d.expect(/^-ERR USER first\r\n/);
  });
});
