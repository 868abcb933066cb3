/**
 * A real aiosmtpd (Debian's python3-aiosmtpd) beside the suite's Postfix
 * (issue 17): a second SMTP implementation, driven by aiosmtpd-server.py on
 * 127.0.0.1 high ports and stopped by PID.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { getTestCerts } from './certs.js';
import { installSafetyNet, spawnDaemon, stopDaemon, waitForGreeting } from './real-servers.js';

/** Debian's interpreter: the package installs into its dist-packages, not into another python3 on PATH. */
const PYTHON = '/usr/bin/python3';
const DRIVER = fileURLToPath(new URL('../../../test/support/aiosmtpd-server.py', import.meta.url));
const DOMAIN = 'mailsh.test';

export interface AiosmtpdServer {
  host: '127.0.0.1';
  /** STARTTLS offered; AUTH PLAIN/LOGIN only after it. */
  smtpPort: number;
  /** Implicit TLS; AUTH PLAIN/LOGIN at once. */
  smtpsPort: number;
  domain: string;
  user: { name: string; password: string; address: string };
  caFile: string;
  /** Polls for a delivered message that satisfies `predicate`. */
  waitForMessage(predicate: (raw: string) => boolean, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Why aiosmtpd cannot run here, or undefined. */
export function aiosmtpdUnavailable(): string | undefined {
  if (process.env['MAILSH_SKIP_REAL_SERVERS']) return 'MAILSH_SKIP_REAL_SERVERS is set';
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  if (!existsSync(DRIVER)) return `${DRIVER} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'python3-aiosmtpd is not installed (apt-get install python3-aiosmtpd)';
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

export async function startAiosmtpd(): Promise<AiosmtpdServer> {
  installSafetyNet();
  const certs = await getTestCerts();
  const dir = await mkdtemp(join(tmpdir(), 'mailsh-aiosmtpd-'));
  const ports = { smtp: await freePort(), smtps: await freePort() };
  const user = { name: 'alice', password: 'alice-secret', address: `alice@${DOMAIN}` };
  const config = { ports, cert: certs.good.cert, key: certs.good.key, users: { [user.name]: user.password }, domain: DOMAIN, spool: dir };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  const daemon = spawnDaemon('aiosmtpd', PYTHON, [DRIVER, join(dir, 'config.json')], join(dir, 'aiosmtpd.log'));
  const stop = async (): Promise<void> => {
    await stopDaemon(daemon);
    await rm(dir, { recursive: true, force: true });
  };
  const abort = new AbortController();
  const died = daemon.exited.then((how) => { throw new Error(`aiosmtpd ${how} during start-up`); });
  died.catch(() => undefined);
  try {
    const deadline = Date.now() + 10_000;
    await Promise.race([died, Promise.all([
      waitForGreeting({ name: 'aiosmtpd smtp', port: ports.smtp, greeting: '220 ' }, deadline, abort.signal),
      waitForGreeting({ name: 'aiosmtpd smtps', port: ports.smtps, greeting: '220 ', ca: await readFile(certs.caCert, 'utf8') }, deadline, abort.signal),
    ])]);
  } catch (err) {
    const log = await readFile(join(dir, 'aiosmtpd.log'), 'utf8').catch(() => '');
    await stop();
    throw new Error(`could not start aiosmtpd: ${(err as Error).message}\n${log}`);
  } finally {
    abort.abort();
  }
  return {
    host: '127.0.0.1', smtpPort: ports.smtp, smtpsPort: ports.smtps, domain: DOMAIN, user, caFile: certs.caCert, stop,
    async waitForMessage(predicate, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const name of (await readdir(dir)).filter((n) => n.endsWith('.eml'))) {
          const raw = await readFile(join(dir, name), 'utf8');
          if (predicate(raw)) return raw;
        }
        if (Date.now() > deadline) throw new Error(`no matching message from aiosmtpd within ${timeoutMs} ms`);
        await sleep(50);
      }
    },
  };
}
