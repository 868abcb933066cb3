/**
 * The sandbox's IMAP server against an independent, well-known client:
 * imapflow (postalsys). STARTTLS with the sandbox's CA, LOGIN and
 * AUTHENTICATE, LIST, SELECT, FETCH, SEARCH, STORE, APPEND with literals,
 * COPY, MOVE, EXPUNGE, STATUS and IDLE.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';

let sandbox: Sandbox;
const clients: ImapFlow[] = [];

before(async () => {
  sandbox = await startSandbox({ portBase: 0, users: [{ name: 'alice', password: 'alice pass' }, { name: 'bob', password: 'bob-pass' }] });
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sandbox.stop();
});

const portOf = (url: string): number => Number(new URL(url).port);

async function connect(user: string, password: string, opts: { secure?: boolean; loginMethod?: string } = {}): Promise<ImapFlow> {
  const service = opts.secure ? sandbox.services.imaps : sandbox.services.imap;
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: portOf(service),
    secure: opts.secure ?? false,
    // Verified against the sandbox's own CA (chain and IP SAN), never -k.
    tls: { ca: readFileSync(sandbox.caFile, 'utf8') },
    auth: { user, pass: password, ...(opts.loginMethod ? { loginMethod: opts.loginMethod } : {}) },
    logger: false,
    disableAutoIdle: true,
  });
  clients.push(client);
  await client.connect();
  return client;
}

describe('sandbox IMAP with imapflow', () => {
  it('STARTTLS, LOGIN, capabilities, LIST with special-use, STATUS', async () => {
    const client = await connect('alice', 'alice pass');
    assert.ok(client.capabilities.has('IMAP4rev2'));
    assert.ok(client.capabilities.has('IDLE'));
    assert.equal(client.capabilities.has('STARTTLS'), false, 'STARTTLS is gone once TLS is on');
    const boxes = await client.list();
    const paths = boxes.map((b) => b.path).sort();
    assert.deepEqual(paths, ['Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    assert.equal(boxes.find((b) => b.path === 'Sent')?.specialUse, '\\Sent');
    const status = await client.status('INBOX', { messages: true, unseen: true, uidNext: true });
    assert.ok(status);
    assert.equal(status.messages, 1, 'the welcome message');
    assert.equal(status.unseen, 1);
    await client.logout();
  });

  it('implicit TLS and AUTHENTICATE PLAIN, LOGIN and a wrong password', async () => {
    for (const loginMethod of ['AUTH=PLAIN', 'AUTH=LOGIN']) {
      const client = await connect('bob', 'bob-pass', { secure: true, loginMethod });
      assert.ok(client.authenticated, loginMethod);
      await client.logout();
    }
    await assert.rejects(connect('bob', 'wrong'), (err: { authenticationFailed?: boolean; serverResponseCode?: string }) => err.authenticationFailed === true && err.serverResponseCode === 'AUTHENTICATIONFAILED');
  });

  it('SELECT, FETCH envelope/flags/source/headers, SEARCH, STORE, APPEND, COPY, MOVE, EXPUNGE', async () => {
    const client = await connect('alice', 'alice pass');
    const appended = await client.append('INBOX', 'From: Carol <carol@example.org>\r\nTo: alice@localhost\r\nSubject: flow test\r\n\r\nline one\r\n.line two\r\n', ['\\Flagged']);
    assert.ok(appended && typeof appended.uid === 'number', 'APPENDUID');
    const box = await client.mailboxOpen('INBOX');
    assert.equal(box.exists, 2);
    const msg = await client.fetchOne(String(box.exists), { envelope: true, flags: true, source: true, uid: true, size: true, headers: ['subject'] });
    assert.ok(msg);
    assert.equal(msg.envelope?.subject, 'flow test');
    assert.deepEqual(msg.envelope?.from, [{ name: 'Carol', address: 'carol@example.org' }]);
    assert.ok(msg.flags?.has('\\Flagged'));
    assert.equal(msg.source?.toString(), 'From: Carol <carol@example.org>\r\nTo: alice@localhost\r\nSubject: flow test\r\n\r\nline one\r\n.line two\r\n');
    assert.equal(msg.size, msg.source?.length);
    assert.equal(msg.headers?.toString(), 'Subject: flow test\r\n\r\n');

    assert.deepEqual(await client.search({ subject: 'flow test' }, { uid: true }), [msg.uid]);
    assert.deepEqual(await client.search({ flagged: true }), [2]);
    assert.deepEqual(await client.search({ seen: false }), [1, 2]);
    await client.messageFlagsAdd('1:*', ['\\Seen']);
    assert.deepEqual(await client.search({ seen: false }), []);

    const copied = await client.messageCopy('1', 'Trash');
    assert.equal(copied && copied.destination, 'Trash');
    assert.equal(copied && copied.uidMap?.size, 1, 'COPYUID');
    const moved = await client.messageMove('2', 'Sent');
    assert.equal(moved && moved.uidMap?.size, 1);
    assert.equal(client.mailbox && client.mailbox.exists, 1);
    const sent = await client.status('Sent', { messages: true });
    assert.equal(sent && sent.messages, 1);

    await client.messageDelete('1');
    assert.equal(client.mailbox && client.mailbox.exists, 0);
    await client.logout();
  });

  it('BODYSTRUCTURE of a multipart message with an attached message; part sections', async () => {
    const client = await connect('bob', 'bob-pass');
    const raw = [
      'From: a@example.org', 'Subject: parts', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '',
      'preamble', '--b1', 'Content-Type: text/plain; charset=utf-8', '', 'hello', 'world', '--b1',
      'Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="fwd.eml"', '',
      'From: c@example.org', 'Subject: inner', '', 'inner body', '--b1--', '',
    ].join('\r\n');
    await client.append('INBOX', raw);
    await client.mailboxOpen('INBOX');
    const msg = await client.fetchOne('*', { bodyStructure: true, bodyParts: ['1', '2.1', '2.header'] });
    assert.ok(msg && msg.bodyStructure);
    const [text, attached] = msg.bodyStructure.childNodes ?? [];
    assert.equal(msg.bodyStructure.type, 'multipart/mixed');
    assert.equal(text.type, 'text/plain');
    assert.equal(text.parameters?.charset, 'utf-8');
    assert.equal(text.size, Buffer.byteLength('hello\r\nworld'));
    assert.equal(attached.type, 'message/rfc822');
    assert.equal(attached.disposition, 'attachment');
    assert.equal(attached.envelope?.subject, 'inner');
    assert.equal(msg.bodyParts?.get('1')?.toString(), 'hello\r\nworld');
    assert.equal(msg.bodyParts?.get('2.1')?.toString(), 'inner body');
    assert.equal(msg.bodyParts?.get('2.header')?.toString(), 'From: c@example.org\r\nSubject: inner\r\n\r\n');
    await client.logout();
  });

  it('IDLE: a message appended by another session shows up as EXISTS', async () => {
    const watcher = await connect('bob', 'bob-pass');
    await watcher.mailboxOpen('INBOX');
    const before = watcher.mailbox ? watcher.mailbox.exists : -1;
    const seen = new Promise<number>((resolve) => watcher.on('exists', (data: { count: number }) => resolve(data.count)));
    const idling = watcher.idle();
    const other = await connect('bob', 'bob-pass');
    await other.append('INBOX', 'Subject: during idle\r\n\r\nhi\r\n');
    assert.equal(await seen, before + 1);
    await other.logout();
    await watcher.logout();
    await idling;
  });
});
