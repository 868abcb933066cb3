/** Checks on the transcripts of several sessions a client ran at once (a proxy's --log-dir, one --log per tunnel). */
import assert from 'node:assert/strict';

/** A transcript's stamped lines: [time in ms, text]. */
function stamped(text: string): [number, string][] {
  return text.split('\n').flatMap((line): [number, string][] => {
    const m = /^(\S+Z) (.*)$/.exec(line);
    return m ? [[Date.parse(m[1]), m[2]]] : [];
  });
}

/** How many of the transcripts' sessions were open at one moment, at most. */
export function atOnce(texts: string[]): number {
  const spans = texts.map((t) => stamped(t)).map((l) => [l[0][0], l[l.length - 1][0]]);
  return Math.max(...spans.map(([from]) => spans.filter(([a, b]) => a <= from && from <= b).length));
}

/** One IMAP session, not two interleaved: one header, one connection, the greeting first, one login, one client's tags, LOGOUT last, then the close. */
export function assertOneImapSession(text: string): void {
  const lines = stamped(text).map(([, l]) => l);
  const count = (re: RegExp): number => lines.filter((l) => re.test(l)).length;
  assert.equal(text.split('\n').filter((l) => l.startsWith('# mailsh ')).length, 1, `one header: ${text}`);
  assert.equal(count(/^== connected /), 1, text);
  assert.match(lines.find((l) => l.startsWith('S: ')) ?? '', /^S: \* OK /, text);
  assert.equal(count(/^S: \* OK \[CAPABILITY /), 1, text);
  assert.equal(count(/^C: \S+ (LOGIN|AUTHENTICATE) /), 1, text);
  // A client counts its tags up from one prefix; another session's line shows as a second prefix or a foreign tag.
  const tags = new Set(lines.flatMap((l) => /^C: ([^\s*+]+) [A-Z]/.exec(l)?.[1] ?? []));
  assert.equal(tags.size, count(/^C: [^\s*+]+ [A-Z]/), `a tag twice: ${text}`);
  assert.equal(new Set([...tags].map((tag) => tag.replace(/\d+$/, ''))).size, 1, `tags of two clients: ${text}`);
  for (const l of lines) {
    const done = /^S: ([^\s*+]+) (OK|NO|BAD)\b/.exec(l);
    if (done) assert.ok(tags.has(done[1]), `a reply to a command this session did not send: ${l}`);
  }
  assert.match(lines.filter((l) => l.startsWith('C: ')).pop() ?? '', /^C: \S+ LOGOUT\\r\\n$/, text);
  assert.match(lines[lines.length - 1], /^== closed/, text);
}
