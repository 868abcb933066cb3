/**
 * offlineimap (Debian offlineimap3) against the real Dovecot for the issue 18
 * client tests: a mailbox of several folders to sync, what the server holds
 * and what offlineimap wrote, both as folder → sorted messages.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPython } from './python.js';
import type { RealServers, RealUser } from './real-servers.js';

/** More folders than offlineimap's maxconnections, so that its connections run at once. */
export const FOLDERS = ['INBOX', 'Archive', 'Lists', 'Projects', 'Receipts', 'Travel'];

const IMAP = `
import imaplib, json, ssl, sys
a = json.load(sys.stdin)
m = imaplib.IMAP4_SSL('127.0.0.1', a['port'], ssl_context=ssl.create_default_context(cafile=a['ca']))
m.login(a['user'], a['password'])
`;

/** Creates FOLDERS (the INBOX exists) with `perFolder` messages each, straight to Dovecot. */
export async function seedFolders(s: RealServers, user: RealUser, perFolder: number): Promise<void> {
  await runPython(`${IMAP}
for f in a['folders']:
    if f != 'INBOX':
        m.create(f)
    for i in range(a['n']):
        m.append(f, None, None, ('Subject: %s %d\\r\\nFrom: seed@mailsh.test\\r\\n\\r\\nR line %d of %s\\r\\n/{{x}}\\r\\n' % (f, i, i, f)).encode())
m.logout()
print('{}')
`, { port: s.imapsPort, ca: s.caFile, user: user.name, password: user.password, folders: FOLDERS, n: perFolder });
}

/** Every folder the server holds for `user`, with its messages (LF line ends), sorted. */
export async function serverFolders(s: RealServers, user: RealUser): Promise<Record<string, string[]>> {
  return runPython(`${IMAP}
out = {}
for f in a['folders']:
    m.select(f, readonly=True)
    typ, data = m.fetch('1:*', '(BODY.PEEK[])')
    out[f] = sorted(d[1].decode('latin1').replace('\\r\\n', '\\n') for d in data if isinstance(d, tuple))
m.logout()
print(json.dumps(out))
`, { port: s.imapsPort, ca: s.caFile, user: user.name, password: user.password, folders: FOLDERS });
}

/** What offlineimap wrote under `root`: each folder's messages (LF line ends), sorted. */
export function localFolders(root: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const folder of readdirSync(root)) {
    out[folder] = ['new', 'cur'].flatMap((d) => readdirSync(join(root, folder, d)).map((f) => readFileSync(join(root, folder, d, f), 'latin1').replace(/\r\n/g, '\n'))).sort();
  }
  return out;
}

/**
 * An offlineimaprc in `dir` syncing `remote` (the [Repository remote] lines
 * after `type = IMAP`) into `dir`/mail; the command line that runs it once.
 */
export function offlineimapRun(dir: string, remote: string[]): { args: string[]; mail: string } {
  mkdirSync(dir);
  const mail = join(dir, 'mail');
  const rc = join(dir, 'offlineimaprc');
  writeFileSync(rc, [
    '[general]', 'accounts = test', `metadata = ${join(dir, 'meta')}`, '',
    '[Account test]', 'localrepository = local', 'remoterepository = remote', '',
    '[Repository local]', 'type = Maildir', `localfolders = ${mail}`, '',
    '[Repository remote]', 'type = IMAP', ...remote, '',
  ].join('\n'), { mode: 0o600 });
  mkdirSync(mail);
  return { args: ['-c', rc, '-o', '-u', 'basic'], mail };
}
