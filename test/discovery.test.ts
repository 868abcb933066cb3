/** Discovery against a DNS stub on 127.0.0.1: no real DNS is ever asked. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { mailDomain } from '../src/discovery/domain.js';
import { connectCandidates, findMailRoute } from '../src/discovery/mail-hosts.js';
import { findMailServices } from '../src/discovery/mail-services.js';
import { dnsResolver } from '../src/transport/resolver.js';
import { startDnsStub, type DnsStub } from './support/dns-stub.js';
import { startFakeSmtp } from './support/fake-smtp.js';
import { runInProcess } from './support/run-in-process.js';

const ZONE = {
  'example.test': { MX: [[20, 'mx2.example.test'], [10, 'mx1.example.test'], [20, 'mx3.example.test']] as [number, string][] },
  'mx1.example.test': { A: ['127.0.0.1'], AAAA: ['::1'] },
  'mx2.example.test': { A: ['127.0.0.1'] },
  '_submission._tcp.example.test': { SRV: [[0, 1, 587, 'smtp.example.test']] as [number, number, number, string][] },
  '_imaps._tcp.example.test': { SRV: [[10, 5, 993, 'imap2.example.test'], [0, 1, 993, 'imap.example.test'], [10, 50, 993, 'imap3.example.test']] as [number, number, number, string][] },
  '_pop3s._tcp.example.test': { SRV: [[0, 0, 0, '.']] as [number, number, number, string][] },
  '_imap._tcp.example.test': { fail: 'SERVFAIL' as const },
  'nullmx.test': { MX: [[0, '.']] as [number, string][] },
  'nomx.test': { A: ['127.0.0.1'] },
  'noaddr.test': {},
  'servfail.test': { fail: 'SERVFAIL' as const },
  'slow.test': { fail: 'silent' as const },
  'xn--bcher-kva.test': { MX: [[5, 'mx.xn--bcher-kva.test']] as [number, string][] },
  'mx.xn--bcher-kva.test': { A: ['127.0.0.1'] },
  'both.example.test': { A: ['127.0.0.1'], AAAA: ['::1'] },
};

let dns: DnsStub;
before(async () => {
  dns = await startDnsStub(ZONE);
});
after(() => dns.close());

/** Whether something listens on 127.0.0.1:25 (then "refused" cannot be tested). */
function port25Open(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(25, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

describe('discovery: domains', () => {
  it('normalises addresses, IDN and case; refuses public suffixes and literals', () => {
    assert.deepEqual(mailDomain('alice@Bücher.Example.'), { ascii: 'xn--bcher-kva.example', unicode: 'bücher.example', registrable: 'xn--bcher-kva.example' });
    assert.equal(mailDomain('mail.example.co.uk').registrable, 'example.co.uk');
    assert.throws(() => mailDomain('co.uk'), /only a public suffix \(co\.uk\)/);
    assert.throws(() => mailDomain('bob@com'), /only a public suffix/);
    assert.throws(() => mailDomain('bob@[127.0.0.1]'), /address literal/);
    assert.throws(() => mailDomain('bob@'), /has no domain/);
    assert.throws(() => mailDomain('a b.example'), /not a valid domain name/);
  });
});

describe('discovery: DNS look-ups', () => {
  it('MX hosts in preference order with their addresses; equal preference keeps the server order', async () => {
    const route = await findMailRoute(dnsResolver(dns.server, 5000), 'example.test', 0);
    assert.equal(route.kind, 'mx');
    assert.ok(route.kind === 'mx');
    assert.deepEqual(route.hosts.map((h) => [h.preference, h.name, h.addresses]), [
      [10, 'mx1.example.test', ['127.0.0.1', '::1']],
      [20, 'mx2.example.test', ['127.0.0.1']],
      [20, 'mx3.example.test', []],
    ]);
    assert.deepEqual(connectCandidates(route).map((c) => `${c.name} ${c.address}`), ['mx1.example.test 127.0.0.1', 'mx1.example.test ::1', 'mx2.example.test 127.0.0.1']);
  });

  it('-4 asks for A records only', async () => {
    const route = await findMailRoute(dnsResolver(dns.server, 5000), 'example.test', 4);
    assert.ok(route.kind === 'mx');
    assert.deepEqual(route.hosts[0].addresses, ['127.0.0.1']);
  });

  it('no MX: the domain\'s own address (RFC 5321 §5.1); null MX (RFC 7505); neither: an error', async () => {
    const resolver = dnsResolver(dns.server, 5000);
    assert.deepEqual(await findMailRoute(resolver, 'nomx.test', 0), { kind: 'implicit', hosts: [{ preference: 0, name: 'nomx.test', addresses: ['127.0.0.1'] }] });
    assert.deepEqual(await findMailRoute(resolver, 'nullmx.test', 0), { kind: 'null' });
    await assert.rejects(findMailRoute(resolver, 'noaddr.test', 0), /noaddr\.test has no MX and no address records/);
  });

  it('SRV records in priority and weight order; "." means not offered; SERVFAIL is reported per service', async () => {
    const services = await findMailServices(dnsResolver(dns.server, 5000), 'example.test');
    const by = new Map(services.map((s) => [s.service, s]));
    assert.deepEqual(by.get('_imaps._tcp')!.records.map((r) => r.name), ['imap.example.test', 'imap3.example.test', 'imap2.example.test']);
    assert.equal(by.get('_pop3s._tcp')!.notOffered, true);
    assert.match(by.get('_imap._tcp')!.problem ?? '', /SERVFAIL/);
    assert.deepEqual(by.get('_pop3._tcp')!.records, []);
  });
});

describe('discovery: mailsh mx', () => {
  it('prints MX records with addresses and the RFC 6186 SRV records', async () => {
    const r = await runInProcess(['mx', 'example.test', '--dns', dns.server]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, [
      'domain example.test, registrable domain example.test',
      'MX 10 mx1.example.test 127.0.0.1 ::1',
      'MX 20 mx2.example.test 127.0.0.1',
      'MX 20 mx3.example.test (no address)',
      'SRV _submission._tcp 0 1 587 smtp.example.test',
      'SRV _submissions._tcp none',
      'SRV _imap._tcp (DNS SRV _imap._tcp.example.test: the DNS server failed to answer (SERVFAIL))',
      'SRV _imaps._tcp 0 1 993 imap.example.test',
      'SRV _imaps._tcp 10 50 993 imap3.example.test',
      'SRV _imaps._tcp 10 5 993 imap2.example.test',
      'SRV _pop3._tcp none',
      'SRV _pop3s._tcp not offered (target ".")',
      '',
    ].join('\n'));
  });

  it('an IDN address is asked about in A-labels', async () => {
    const r = await runInProcess(['mx', 'jörg@Bücher.test', '--dns', dns.server]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^domain bücher\.test \(xn--bcher-kva\.test\), registrable domain xn--bcher-kva\.test$/m);
    assert.match(r.stdout, /^MX 5 mx\.xn--bcher-kva\.test 127\.0\.0\.1$/m);
    assert.ok(dns.queries.includes('MX xn--bcher-kva.test'));
  });

  it('null MX and no MX are answers, not errors', async () => {
    const nul = await runInProcess(['mx', 'nullmx.test', '--dns', dns.server]);
    assert.equal(nul.code, 0, nul.stderr);
    assert.match(nul.stdout, /^MX 0 \. : nullmx\.test accepts no mail \(null MX, RFC 7505\)$/m);
    const none = await runInProcess(['mx', 'nomx.test', '--dns', dns.server]);
    assert.match(none.stdout, /^MX none: mail goes to the domain itself \(implicit MX, RFC 5321 §5\.1\)\nA\/AAAA nomx\.test 127\.0\.0\.1$/m);
  });

  it('NXDOMAIN, SERVFAIL and a timeout are one-line errors with exit 3, 3 and 4', async () => {
    const nx = await runInProcess(['mx', 'nope.test', '--dns', dns.server]);
    assert.equal(nx.code, 3);
    assert.equal(nx.stderr, 'mailsh: DNS MX nope.test: no such domain (NXDOMAIN)\n');
    const sf = await runInProcess(['mx', 'servfail.test', '--dns', dns.server]);
    assert.equal(sf.code, 3);
    assert.equal(sf.stderr, 'mailsh: DNS MX servfail.test: the DNS server failed to answer (SERVFAIL)\n');
    const slow = await runInProcess(['mx', 'slow.test', '--dns', dns.server, '--timeout', '1']);
    assert.equal(slow.code, 4);
    assert.equal(slow.stderr, 'mailsh: DNS MX slow.test: no answer from the DNS server (timeout)\n');
  });

  it('bad input is a usage error before any look-up', async () => {
    const suffix = await runInProcess(['mx', 'co.uk', '--dns', dns.server]);
    assert.equal(suffix.code, 2);
    assert.match(suffix.stderr, /^mailsh: "co\.uk" is only a public suffix/);
    const none = await runInProcess(['mx']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /usage: mailsh mx DOMAIN\|ADDRESS/);
  });
});

describe('discovery: SMTP to the best MX', () => {
  it('a null MX: "accepts no mail", exit 3, nothing connected', async () => {
    const r = await runInProcess(['smtp', 'bob@nullmx.test', '--dns', dns.server, '-e', 'QUIT']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^mailsh: nullmx\.test accepts no mail \(null MX, RFC 7505\)$/m);
  });

  it('tries every MX address in preference order, then fails with the last reason', async (t) => {
    if (await port25Open()) return t.skip('skipped: something listens on 127.0.0.1:25');
    const r = await runInProcess(['--mx', 'example.test', '-4', '--dns', dns.server, '-e', 'QUIT']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /MX of example\.test: mx1\.example\.test 127\.0\.0\.1, mx2\.example\.test 127\.0\.0\.1/);
    assert.equal([...r.stderr.matchAll(/trying the next host/g)].length, 1);
    assert.match(r.stderr, /^mailsh: .*127\.0\.0\.1:25.*refused/m);
  });

  it('no MX: the domain\'s own address (user@domain form)', async (t) => {
    if (await port25Open()) return t.skip('skipped: something listens on 127.0.0.1:25');
    const r = await runInProcess(['bob@nomx.test', '--dns', dns.server, '-e', 'QUIT']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /MX of nomx\.test: nomx\.test 127\.0\.0\.1/);
  });
});

describe('discovery: --dns for a host name', () => {
  // Node 20 connects with family autoselection, whose look-ups ask for every address (all: true).
  it('connects by name through the --dns server, with and without -4', async () => {
    const server = await startFakeSmtp();
    try {
      for (const extra of [[], ['-4']]) {
        const r = await runInProcess([`smtp://both.example.test:${server.port}`, '--dns', dns.server, ...extra, '-e', 'QUIT']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /221/);
      }
      assert.ok(dns.queries.includes('A both.example.test'));
      const nx = await runInProcess([`smtp://nope.example.test:${server.port}`, '--dns', dns.server, '-e', 'QUIT']);
      assert.equal(nx.code, 3);
      assert.match(nx.stderr, /^mailsh: nope\.example\.test:\d+: unknown host$/m);
    } finally {
      await server.close();
    }
  });
});
