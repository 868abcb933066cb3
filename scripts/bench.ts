/**
 * `npm run bench [-- SECTION…]`: mailsh side by side with openssl s_client,
 * socat, swaks and minimal Node clients, on loopback, in one run (issue 6).
 * Sections: greeting, upload, download, roundtrip, pipeline, tunnel (default: all).
 * Memory is polled (every tool alike) only in upload and download, where
 * mailsh's peak RSS is reported.
 * Each figure is the median of BENCH_RUNS (default 7) runs, the tools taking
 * turns in a rotating order; BENCH_BIG=0 leaves out the 1 GiB memory runs.
 * Ratios are mailsh ÷ reference. Exits non-zero
 * only when a measurement could not be made; a missing peer is skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTestCerts, type CertPair } from '../test/support/certs.js';
import { realServersUnavailable, startRealServers } from '../test/support/real-servers.js';
import { MiB, makeMessage, writeRepeatedFile, type BenchMessage } from './bench-data.js';
import { median, onPath, runOnce, type RunResult, type RunSpec } from './bench-run.js';
import { startImapSource, startSmtpSink, type BenchServer, type SessionTiming } from './bench-servers.js';
import { appendMessages, fetchDirect, fetchThrough, writeMbsyncConfig } from './bench-tunnel.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The command as installed (package.json bin): the bundle `npm run build` makes. */
const MAILSH = join(here, '../bin/main.cjs');
const UNBUNDLED = join(here, '../src/cli/bin.js');
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 7));
const SIZE = 100 * MiB;
const BIG_TIMES = 10;
const BIG = process.env.BENCH_BIG !== '0';
const NOOPS = 5000;
const RECIPIENTS = 1000;
const SYNC_MESSAGES = 200;

/** One contender in a measurement: how to run it and which figure to take. */
interface Tool {
  name: string;
  role: 'mailsh' | 'reference' | 'context';
  /** The executable a missing peer is detected by. */
  needs?: string;
  /** The process to run (runOnce), or instead `run`, a runner of its own. */
  spec?: () => RunSpec;
  run?: () => Promise<RunResult>;
  server?: BenchServer;
  /** The figure from a run (and the server's timing of that run's connection). */
  figure: (run: RunResult, session: SessionTiming | undefined) => number;
}

interface Outcome {
  values: number[];
  rss: number[];
  error?: string;
  skipped?: string;
}

let failed = false;

/** Runs every available tool RUNS times, rotating the order each round. */
async function alternate(tools: Tool[], runs = RUNS): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  for (const t of tools) {
    out.set(t.name, { values: [], rss: [], skipped: t.needs && !onPath(t.needs) ? `skipped: ${t.needs} is not installed` : undefined });
  }
  for (let round = 0; round < runs; round++) {
    const order = tools.map((_, i) => tools[(i + round) % tools.length]);
    for (const tool of order) {
      const o = out.get(tool.name)!;
      if (o.skipped || o.error) continue;
      const before = tool.server?.sessions.length ?? 0;
      try {
        const run = await (tool.run ? tool.run() : runOnce(tool.spec!()));
        const session = tool.server ? await tool.server.session(before) : undefined;
        o.values.push(tool.figure(run, session));
        o.rss.push(run.peakRssKb / 1024);
      } catch (err) {
        o.error = (err as Error).message;
        if (tool.role === 'mailsh') failed = true;
      }
    }
  }
  return out;
}

const fmt = (n: number, digits = 1): string => n.toFixed(digits);

interface Report {
  unit: string;
  /** Whether a higher figure is better (throughput) or a lower one (time). */
  higherIsBetter: boolean;
  digits?: number;
}

/** Prints one line per tool: median, spread, and for mailsh the ratio to the reference and the target. */
function report(results: Map<string, Outcome>, tools: Tool[], r: Report, target?: { limit: number; text: string }): number | undefined {
  const ref = tools.find((t) => t.role === 'reference');
  const refMedian = ref && results.get(ref.name)!.values.length ? median(results.get(ref.name)!.values) : undefined;
  let ratio: number | undefined;
  for (const tool of tools) {
    const o = results.get(tool.name)!;
    const label = `  ${tool.name.padEnd(26)}`;
    if (o.skipped || o.error) {
      console.log(`${label}${o.skipped ?? `FAILED: ${o.error}`}`);
      continue;
    }
    const m = median(o.values);
    const spread = `(${fmt(Math.min(...o.values), r.digits)}–${fmt(Math.max(...o.values), r.digits)}, n=${o.values.length})`;
    let line = `${label}${fmt(m, r.digits).padStart(9)} ${r.unit.padEnd(6)} ${spread.padEnd(22)}`;
    if (tool.role === 'mailsh' && refMedian !== undefined) {
      ratio = m / refMedian;
      line += ` ${fmt(ratio, 2)}× ${ref!.name}`;
      if (target) {
        const ok = r.higherIsBetter ? ratio >= target.limit : ratio <= target.limit;
        line += `  target ${target.text}: ${ok ? 'met' : 'MISSED'}`;
      }
    } else if (tool.role === 'context' && refMedian !== undefined) {
      line += ` ${fmt(m / refMedian, 2)}× ${ref!.name} (context)`;
    }
    console.log(line);
  }
  return ratio;
}

/** Prints peak RSS of mailsh for the normal and the 1 GiB case, with the flatness check. */
function reportRss(what: string, small: number[], big: number[]): void {
  if (small.length === 0 || big.length === 0) return;
  const a = median(small);
  const b = median(big);
  const flat = Math.abs(b - a) / a <= 0.2;
  console.log(`  mailsh peak RSS, ${what}: ${fmt(a)} MiB at 100 MiB, ${fmt(b)} MiB at 1 GiB (n=${big.length})` +
    `  target ≤ 100 MiB: ${a <= 100 && b <= 100 ? 'met' : 'MISSED'}; flat ±20 %: ${flat ? 'met' : 'MISSED'} (${fmt(((b - a) / a) * 100)} %)`);
}

const mibPerSecond = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000);

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const version = (cmd: string, args: string[]): string => {
    try {
      const text = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return `${cmd} ${/(?:version|OpenSSL)\s+(\S+)/i.exec(text)?.[1] ?? '?'}`;
    } catch {
      return `${cmd} missing`;
    }
  };
  const peers = [version('openssl', ['version']), version('socat', ['-V']), version('swaks', ['--version'])];
  return `${cpu}, ${cpus().length} cores, Linux ${release()}, Node ${process.version}; ${peers.join(', ')}`;
}

/** What every section is given. */
interface Context {
  dir: string;
  ca: string;
  cert: CertPair;
  /** The TLS SMTP sink (greeting, upload, pipeline). */
  smtps: BenchServer;
  smtpsUrl: string;
  /** Servers to close at the end. */
  servers: BenchServer[];
  message: () => BenchMessage;
}

const node = (script: string, args: string[], nodeOptions: string[] = []): RunSpec => ({ cmd: process.execPath, args: [...nodeOptions, script, ...args] });
/** Run as installed: through its #! line. */
const mailsh = (args: string[]): RunSpec => ({ cmd: MAILSH, args });

async function greetingSection({ ca, smtps, smtpsUrl }: Context): Promise<void> {
  console.log('\n1. time to greeting over implicit TLS (exec → greeting printed), ms');
  const greeting = '220 bench.test';
  const tools: Tool[] = [
    { name: 'node floor', role: 'reference', server: smtps, spec: () => ({ ...node(join(here, 'bench-ref-greeting.js'), [String(smtps.port), ca]), waitFor: greeting }), figure: (r) => r.seenMs! },
    { name: 'mailsh', role: 'mailsh', server: smtps, spec: () => ({ ...mailsh([smtpsUrl, '--ca', ca]), waitFor: greeting }), figure: (r) => r.seenMs! },
    {
      name: 'openssl s_client -quiet', role: 'context', needs: 'openssl', server: smtps,
      spec: () => ({ cmd: 'openssl', args: ['s_client', '-quiet', '-connect', `127.0.0.1:${smtps.port}`, '-CAfile', ca], waitFor: greeting, killWhenSeen: true }),
      figure: (r) => r.seenMs!,
    },
  ];
  report(await alternate(tools), tools, { unit: 'ms', higherIsBetter: false }, { limit: 1.3, text: '≤ 1.30×' });
}

async function uploadSection({ dir, ca, smtps, smtpsUrl, message }: Context): Promise<void> {
  const { body, dataOnWire } = message();
  console.log(`\n2. upload of a ${fmt(body.length / MiB)} MiB message over TLS to the sink (DATA phase, timed by the sink), MiB/s`);
  const file = join(dir, 'message.eml');
  const session = join(dir, 'session.smtp');
  writeRepeatedFile(file, [body]);
  writeRepeatedFile(session, [Buffer.from('EHLO bench.test\r\nMAIL FROM:<a@bench.test>\r\nRCPT TO:<b@bench.test>\r\nDATA\r\n'), dataOnWire, Buffer.from('QUIT\r\n')]);
  const send = (path: string): RunSpec => ({
    ...mailsh([smtpsUrl, '--ca', ca, '-e', 'EHLO bench.test', '-e', 'MAIL FROM:<a@bench.test>', '-e', 'RCPT TO:<b@bench.test>', '-e', `/send ${path}`]),
    timeoutMs: 600_000,
    trackRss: true,
  });
  const throughput = (_r: RunResult, s: SessionTiming | undefined): number => mibPerSecond(s!.dataBytes, s!.dataMs);
  const tools: Tool[] = [
    {
      name: 'socat (same bytes)', role: 'reference', needs: 'socat', server: smtps,
      spec: () => ({ cmd: 'socat', args: ['-', `OPENSSL:127.0.0.1:${smtps.port},cafile=${ca}`], stdin: session, trackRss: true }),
      figure: throughput,
    },
    { name: 'mailsh /send', role: 'mailsh', server: smtps, spec: () => send(file), figure: throughput },
    {
      name: 'swaks --data @file', role: 'context', needs: 'swaks', server: smtps,
      spec: () => ({
        cmd: 'swaks',
        args: ['--server', '127.0.0.1', '--port', String(smtps.port), '--tls-on-connect', '--from', 'a@bench.test', '--to', 'b@bench.test', '--data', `@${file}`, '--suppress-data'],
        timeoutMs: 600_000,
        trackRss: true,
      }),
      figure: throughput,
    },
  ];
  const results = await alternate(tools);
  report(results, tools, { unit: 'MiB/s', higherIsBetter: true }, { limit: 0.9, text: '≥ 0.90×' });
  if (!BIG) return;
  const bigFile = join(dir, 'message-1g.eml');
  writeRepeatedFile(bigFile, [body], BIG_TIMES);
  const big: Tool = { name: 'mailsh /send 1 GiB', role: 'mailsh', server: smtps, spec: () => send(bigFile), figure: throughput };
  const bigResults = await alternate([big]);
  report(bigResults, [big], { unit: 'MiB/s', higherIsBetter: true });
  reportRss('upload', results.get('mailsh /send')!.rss, bigResults.get(big.name)!.rss);
  rmSync(bigFile, { force: true });
}

async function downloadSection({ dir, ca, cert, servers, message }: Context): Promise<void> {
  const { body } = message();
  let times = 1;
  const imaps = await startImapSource(cert, body, () => times);
  servers.push(imaps);
  console.log(`\n3. download: IMAP FETCH 1:* BODY[] of ${fmt(body.length / MiB)} MiB over TLS (FETCH to close, timed by the source), MiB/s`);
  const commands = join(dir, 'fetch.imap');
  writeFileSync(commands, 'a FETCH 1:* BODY[]\r\nb LOGOUT\r\n');
  const log = join(dir, 'download.log');
  const throughput = (_r: RunResult, s: SessionTiming | undefined): number => mibPerSecond(body.length * times, s!.closedAt - s!.fetchAt);
  const fetch = (): RunSpec => {
    rmSync(log, { force: true });
    return { ...mailsh([`imaps://127.0.0.1:${imaps.port}`, '--ca', ca, '--log', log, '-e', 'FETCH 1:* BODY[]']), timeoutMs: 600_000, trackRss: true };
  };
  const tools: Tool[] = [
    {
      name: 'openssl s_client -quiet', role: 'reference', needs: 'openssl', server: imaps,
      spec: () => ({ cmd: 'openssl', args: ['s_client', '-quiet', '-connect', `127.0.0.1:${imaps.port}`, '-CAfile', ca], stdin: commands, trackRss: true }),
      figure: throughput,
    },
    { name: 'mailsh --log', role: 'mailsh', server: imaps, spec: fetch, figure: throughput },
    // What any Node client keeping a transcript can reach at best (bench-ref-download.ts).
    {
      name: 'node ceiling, S: + log', role: 'context', server: imaps,
      spec: () => ({ ...node(join(here, 'bench-ref-download.js'), [String(imaps.port), ca, join(dir, 'ceiling.log')]), trackRss: true }),
      figure: throughput,
    },
  ];
  const results = await alternate(tools);
  report(results, tools, { unit: 'MiB/s', higherIsBetter: true }, { limit: 0.8, text: '≥ 0.80×' });
  if (BIG) {
    times = BIG_TIMES;
    const big: Tool = { name: 'mailsh --log 1 GiB', role: 'mailsh', server: imaps, spec: fetch, figure: throughput };
    const bigResults = await alternate([big]);
    report(bigResults, [big], { unit: 'MiB/s', higherIsBetter: true });
    reportRss('download', results.get('mailsh --log')!.rss, bigResults.get(big.name)!.rss);
  }
  rmSync(log, { force: true });
  rmSync(join(dir, 'ceiling.log'), { force: true });
}

async function roundTripSection({ dir, servers }: Context): Promise<void> {
  const smtp = await startSmtpSink();
  servers.push(smtp);
  console.log(`\n4. round trips: ${NOOPS} NOOPs, one at a time (first to last NOOP, timed by the server), commands/s`);
  const script = join(dir, 'noops.smtp');
  writeFileSync(script, 'NOOP\n'.repeat(NOOPS));
  const rate = (_r: RunResult, s: SessionTiming | undefined): number => (s!.noops - 1) / (s!.noopMs / 1000);
  const tools: Tool[] = [
    { name: 'node floor', role: 'reference', server: smtp, spec: () => node(join(here, 'bench-ref-noop.js'), [String(smtp.port), String(NOOPS)]), figure: rate },
    { name: 'mailsh -f', role: 'mailsh', server: smtp, spec: () => mailsh([`smtp://127.0.0.1:${smtp.port}`, '-f', script]), figure: rate },
    // mailsh's #! line gives Node one V8 worker thread: the floor so run, for comparison.
    { name: 'node floor, 1 V8 thread', role: 'context', server: smtp, spec: () => node(join(here, 'bench-ref-noop.js'), [String(smtp.port), String(NOOPS)], ['--v8-pool-size=1']), figure: rate },
  ];
  const ratio = report(await alternate(tools), tools, { unit: 'cmd/s', higherIsBetter: true, digits: 0 });
  if (ratio !== undefined) {
    const perCommand = 1 / ratio;
    console.log(`  time per command: ${fmt(perCommand, 2)}× the floor  target ≤ 1.20×: ${perCommand <= 1.2 ? 'met' : 'MISSED'}`);
  }
}

async function pipelineSection({ dir, ca, smtps, smtpsUrl }: Context): Promise<void> {
  console.log(`\n5. --pipeline: one message to ${RECIPIENTS} recipients over TLS, ms`);
  const help = execFileSync(process.execPath, [MAILSH, '--help'], { encoding: 'utf8' });
  if (!help.includes('--pipeline')) {
    console.log('  skipped: mailsh has no --pipeline yet');
    return;
  }
  const rcpts = Array.from({ length: RECIPIENTS }, (_, i) => `r${i}@bench.test`);
  const body = join(dir, 'small.eml');
  writeFileSync(body, 'Subject: pipeline bench\r\n\r\nhello\r\n');
  const swaks: RunSpec = { cmd: 'swaks', args: ['--server', '127.0.0.1', '--port', String(smtps.port), '--tls-on-connect', '--pipeline', '--from', 'a@bench.test', '--to', rcpts.join(','), '--data', `@${body}`] };
  const mailshRun: RunSpec = mailsh([smtpsUrl, '--ca', ca, '--pipeline', '-e', 'EHLO bench.test', '-e', 'MAIL FROM:<a@bench.test>', ...rcpts.flatMap((r) => ['-e', `RCPT TO:<${r}>`]), '-e', `/send ${body}`]);
  // The round trips themselves, timed by the sink: MAIL FROM to the end of the message.
  const transaction = (_r: RunResult, s: SessionTiming | undefined): number => s!.dataEndAt - s!.mailAt;
  const wall = (r: RunResult): number => r.wallMs;
  const tools: Tool[] = [
    { name: 'swaks --pipeline', role: 'reference', needs: 'swaks', server: smtps, spec: () => swaks, figure: transaction },
    { name: 'mailsh --pipeline', role: 'mailsh', server: smtps, spec: () => mailshRun, figure: transaction },
    { name: 'swaks, exec to exit', role: 'context', needs: 'swaks', server: smtps, spec: () => swaks, figure: wall },
    { name: 'mailsh, exec to exit', role: 'context', server: smtps, spec: () => mailshRun, figure: wall },
  ];
  console.log('  MAIL FROM to the end of the message (timed by the sink), and for context exec to exit (start-up included)');
  report(await alternate(tools), tools, { unit: 'ms', higherIsBetter: false }, { limit: 1, text: '< 1.00× (faster)' });
}

/**
 * `mailsh tunnel` (issue 18) against `openssl s_client -quiet` as a mail
 * client's Tunnel, to a real Dovecot on loopback (the test suite's set-up):
 * an mbsync sync, one large FETCH, and the tunnel's peak memory.
 */
async function tunnelSection({ dir, message }: Context): Promise<void> {
  console.log('\n6. mailsh tunnel vs openssl s_client -quiet -verify_return_error as a Tunnel to a real Dovecot IMAPS');
  const why = realServersUnavailable() ?? (onPath('mbsync') ? undefined : 'mbsync is not installed');
  if (why) {
    console.log(`  skipped: ${why}`);
    return;
  }
  const real = await startRealServers();
  try {
    const [syncUser, fetchUser] = real.users;
    const text = 'A line of an ordinary message, for the tunnel bench.\r\n'.repeat(50);
    const small = Array.from({ length: SYNC_MESSAGES }, (_, i) => Buffer.from(`From: <a@bench.test>\r\nTo: <b@bench.test>\r\nSubject: tunnel bench ${i}\r\n\r\n${text}`));
    const { body } = message();
    await appendMessages(real.imapsPort, real.caFile, syncUser.name, syncUser.password, small);
    await appendMessages(real.imapsPort, real.caFile, fetchUser.name, fetchUser.password, [body]);
    const target = `imaps://127.0.0.1:${real.imapsPort}`;
    const tunnel: RunSpec = mailsh(['tunnel', target, '--ca', real.caFile]);
    const sclient: RunSpec = { cmd: 'openssl', args: ['s_client', '-quiet', '-connect', `127.0.0.1:${real.imapsPort}`, '-verify_return_error', '-CAfile', real.caFile] };
    const commandLine = (r: RunSpec): string => [r.cmd, ...r.args].join(' ');

    console.log('  start-up: exec → Dovecot\'s greeting on the tunnel\'s stdout, ms (context: mbsync starts the tunnel once per sync)');
    if (process.env.NODE_EXTRA_CA_CERTS) console.log('  (NODE_EXTRA_CA_CERTS is set: the tunnel and the Node floor read and parse it at every start, s_client does not)');
    const greeting = '* OK';
    const startTools: Tool[] = [
      { name: 'openssl s_client -quiet', role: 'reference', needs: 'openssl', spec: () => ({ ...sclient, waitFor: greeting, killWhenSeen: true }), figure: (r) => r.seenMs! },
      { name: 'mailsh tunnel', role: 'mailsh', spec: () => ({ ...tunnel, waitFor: greeting, killWhenSeen: true }), figure: (r) => r.seenMs! },
      // What any Node program pays to get there (NODE_EXTRA_CA_CERTS included), run as mailsh's #! line runs Node.
      {
        name: 'node floor, tls.connect', role: 'context',
        spec: () => ({ ...node(join(here, 'bench-ref-greeting.js'), [String(real.imapsPort), real.caFile], ['--v8-pool-size=1']), waitFor: greeting, killWhenSeen: true }),
        figure: (r) => r.seenMs!,
      },
    ];
    report(await alternate(startTools), startTools, { unit: 'ms', higherIsBetter: false });

    console.log(`  mbsync of ${SYNC_MESSAGES} messages (${fmt((small[0].length * SYNC_MESSAGES) / 1024, 0)} KiB) into a fresh Maildir, exec to exit, ms`);
    let n = 0;
    const sync = (via: RunSpec) => (): RunSpec => {
      const box = join(dir, `mbsync-${n++}`);
      mkdirSync(box);
      const rc = `${box}.rc`;
      writeMbsyncConfig(rc, box, commandLine(via), syncUser.name, syncUser.password);
      return { cmd: 'mbsync', args: ['-q', '-c', rc, 'ch'], timeoutMs: 120_000 };
    };
    const synced = (r: RunResult): number => {
      const box = join(dir, `mbsync-${n - 1}`, 'INBOX');
      const count = readdirSync(join(box, 'new')).length + readdirSync(join(box, 'cur')).length;
      rmSync(join(dir, `mbsync-${n - 1}`), { recursive: true, force: true });
      if (count !== SYNC_MESSAGES) throw new Error(`mbsync copied ${count} messages, not ${SYNC_MESSAGES}`);
      return r.wallMs;
    };
    const syncTools: Tool[] = [
      { name: 'openssl s_client -quiet', role: 'reference', needs: 'openssl', spec: sync(sclient), figure: synced },
      { name: 'mailsh tunnel', role: 'mailsh', spec: sync(tunnel), figure: synced },
    ];
    report(await alternate(syncTools), syncTools, { unit: 'ms', higherIsBetter: false }, { limit: 1.2, text: '≤ 1.20×' });

    console.log(`  FETCH 1 BODY[] of ${fmt(body.length / MiB)} MiB through the tunnel (command to tagged OK, timed by the client), MiB/s`);
    const fetchRun = (spec: RunSpec) => (): Promise<RunResult> => fetchThrough({ ...spec, timeoutMs: 600_000 }, fetchUser.name, fetchUser.password);
    const throughput = (r: RunResult): number => mibPerSecond(body.length, r.measuredMs!);
    const fetchTools: Tool[] = [
      { name: 'openssl s_client -quiet', role: 'reference', needs: 'openssl', run: fetchRun(sclient), figure: throughput },
      { name: 'mailsh tunnel', role: 'mailsh', run: fetchRun(tunnel), figure: throughput },
      // No tunnel: the bench's own TLS connection, what Dovecot (and the box) give at most.
      {
        name: 'direct, no tunnel', role: 'context',
        run: () => fetchDirect(real.imapsPort, real.caFile, fetchUser.name, fetchUser.password), figure: throughput,
      },
    ];
    const fetched = await alternate(fetchTools);
    report(fetched, fetchTools, { unit: 'MiB/s', higherIsBetter: true }, { limit: 0.8, text: '≥ 0.80×' });
    const rss = fetched.get('mailsh tunnel')!.rss;
    const refRss = fetched.get('openssl s_client -quiet')!.rss;
    if (rss.length) {
      const peak = median(rss);
      console.log(`  mailsh tunnel peak RSS during the FETCH: ${fmt(peak)} MiB (${fmt(Math.min(...rss))}–${fmt(Math.max(...rss))}, n=${rss.length})` +
        `${refRss.length ? `, s_client ${fmt(median(refRss))} MiB` : ''}  target ≤ 64 MiB: ${peak <= 64 ? 'met' : 'MISSED'}`);
    }
  } finally {
    await real.stop();
  }
}

const SECTIONS: Record<string, (ctx: Context) => Promise<void>> = {
  greeting: greetingSection,
  upload: uploadSection,
  download: downloadSection,
  roundtrip: roundTripSection,
  pipeline: pipelineSection,
  tunnel: tunnelSection,
};

async function main(): Promise<void> {
  if (!existsSync(MAILSH) || statSync(MAILSH).mtimeMs < statSync(UNBUNDLED).mtimeMs) {
    throw new Error(`${MAILSH} is missing or older than the compiled sources: run npm run build first`);
  }
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in SECTIONS));
  if (unknown.length) throw new Error(`unknown section ${unknown.join(', ')} (sections: ${Object.keys(SECTIONS).join(', ')})`);
  const certs = await getTestCerts();
  const dir = mkdtempSync(join(tmpdir(), 'mailsh-bench-'));
  const servers: BenchServer[] = [];
  try {
    console.log(`# mailsh bench ${new Date().toISOString()}: medians of ${RUNS} runs, tools alternating; a shared 2-core box is noisy`);
    console.log(`# ${machine()}`);
    if (process.env.NODE_EXTRA_CA_CERTS) {
      console.log(`# NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}: every Node process (mailsh and the Node floors alike) reads it at start-up; unset it to measure without`);
    }
    const smtps = await startSmtpSink(certs.good);
    servers.push(smtps);
    let message: BenchMessage | undefined;
    const ctx: Context = {
      dir, ca: certs.caCert, cert: certs.good, smtps, smtpsUrl: `smtps://127.0.0.1:${smtps.port}`, servers,
      message: () => (message ??= makeMessage(SIZE)),
    };
    for (const [name, section] of Object.entries(SECTIONS)) {
      if (asked.length === 0 || asked.includes(name)) await section(ctx);
    }
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => {
    if (failed) console.log('\nmailsh could not be measured in every section (see FAILED above)');
    process.exit(failed ? 1 : 0);
  },
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
