/**
 * Generative masking test (issue 21, SPEC §9): every credential form of every
 * protocol, through its protocol adapter and through line mode (`tcp://`,
 * `--raw`, `/raw on`), goes to a text and a jsonl transcript, the echo and
 * the history rule; none of them may hold the password, its base64 or the
 * PLAIN blob, and the wire still carries exactly what was typed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ProtocolAdapter } from '../src/protocol/adapter.js';
import { createAdapter } from '../src/protocol/detect.js';
import { ImapAdapter } from '../src/protocol/imap.js';
import { LineAdapter } from '../src/protocol/line.js';
import { hasSecret, wireBytes } from '../src/protocol/outgoing.js';
import { appendHistory } from '../src/repl/history.js';
import { renderSent, setColor } from '../src/repl/render.js';
import { Transcript } from '../src/transcript/transcript.js';
import { NEEDLES, PASSWORD, USER, credentialForms, type CredentialForm } from './support/credential-forms.js';

const GREETINGS = { smtp: '220 mx ESMTP', pop3: '+OK ready', imap: '* OK ready', sieve: 'OK "ready"' };

/** Runs one form through `adapter`; returns the echo lines and the wire text. */
function run(form: CredentialForm, adapter: ProtocolAdapter, sinks: Transcript[], history: string): { echo: string; wire: string } {
  adapter.receive({ bytes: Buffer.from(GREETINGS[form.protocol]), ending: 'crlf' });
  let echo = '';
  let wire = '';
  for (const step of form.steps) {
    if (typeof step !== 'string') {
      adapter.receive({ bytes: Buffer.from(step.server), ending: 'crlf' });
      continue;
    }
    const out = adapter.prepare(step).out;
    for (const t of sinks) t.client(out);
    echo += `${renderSent(out)}\n`;
    wire += wireBytes(out).toString('utf8');
    // The REPL's rule (repl.ts remember): a line whose wire form has no secret goes to the history.
    if (!hasSecret(out)) appendHistory(history, step);
  }
  return { echo, wire };
}

function assertNoLeak(where: string, text: string): void {
  for (const needle of NEEDLES) assert.ok(!text.includes(needle), `${where} holds ${JSON.stringify(needle)}`);
}

const modes: [string, (form: CredentialForm) => ProtocolAdapter][] = [
  ['protocol', (form) => createAdapter(form.protocol)],
  ['line mode', () => new LineAdapter()],
];

for (const [mode, adapterFor] of modes) {
  test(`every credential form, ${mode}: no transcript, echo or history holds the secret`, () => {
    setColor(false);
    const dir = mkdtempSync(join(tmpdir(), 'mailsh-forms-'));
    const files = { text: join(dir, 'log.txt'), jsonl: join(dir, 'log.jsonl'), history: join(dir, 'history') };
    const sinks = (['text', 'jsonl'] as const).map((format) => new Transcript({ file: files[format], format, target: 'tcp://x:1', logSecrets: false }));
    const forms = credentialForms();
    for (const form of forms) {
      const { echo, wire } = run(form, adapterFor(form), sinks, files.history);
      assertNoLeak(`${form.name}: the echo`, echo);
      // Masking is observation: the server gets the secret as typed.
      assert.ok(NEEDLES.some((n) => wire.includes(n)), `${form.name}: the secret went out`);
    }
    sinks.forEach((t) => t.close());
    for (const file of Object.values(files)) assertNoLeak(file, readFileSync(file, 'utf8'));
    assert.ok(forms.length > 1000, `${forms.length} forms`);
  });
}

test('/login after /tag off: the untagged LOGIN is masked all the same', () => {
  const imap = new ImapAdapter();
  imap.receive({ bytes: Buffer.from('* OK ready'), ending: 'crlf' });
  imap.autoTag = false;
  setColor(false);
  const out = imap.prepare(`LOGIN "${USER}" "${PASSWORD}"`).out;
  assert.equal(renderSent(out), `C: LOGIN "${USER}" <redacted ${PASSWORD.length + 2} bytes>`);
});
