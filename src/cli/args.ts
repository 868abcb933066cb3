import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import type { ProtocolName } from '../protocol/adapter.js';
import { SASL_MECHANISMS } from '../sasl/mechanisms.js';
import type { TranscriptFormat } from '../transcript/transcript.js';
import { checkChoice, parseAlpn, parseCiphers, parseGroups, parseTlsVersion, type TlsChoice } from '../transport/tls-choice.js';

/** Everything the command line can say (SPEC §1). */
export interface CliOptions {
  protocol?: ProtocolName;
  tls: boolean;
  starttls: boolean;
  insecure: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  sni?: string;
  log?: string;
  logFormat: TranscriptFormat;
  logSecrets: boolean;
  keylog?: string;
  execute: string[];
  script?: string;
  ehlo?: string;
  timeoutSeconds: number;
  family: 0 | 4 | 6;
  dns?: string;
  user?: string;
  /** `--auth MECH`: authenticate right after connect (and `--starttls`). */
  auth?: string;
  insecureAuth: boolean;
  /** `mailsh sandbox`/`try`: every --user NAME:PASS, in order. */
  users: string[];
  /** `mailsh sandbox`/`try`: --port-base N. */
  portBase?: number;
  /** `mailsh sandbox`: --json. */
  json: boolean;
  color: boolean;
  raw: boolean;
  maxLine?: number;
  maxLiteral?: number;
  /** `--explain`: annotate replies with what their codes mean. */
  explain: boolean;
  /** `--mx DOMAIN`: connect to the domain's best MX (SMTP). */
  mx?: string;
  /** `--pipeline`: scripts send commands without waiting where the protocol allows. */
  pipeline: boolean;
  /** `--strict` (replay): reply texts must match too, not only codes and statuses. */
  strict: boolean;
  /** `--since TIME` (show): records from then on. */
  since?: string;
  /** `--grep RE` (show): only matching records. */
  grep?: string;
  maxReplyLines?: number;
  /** `mailsh tunnel --ready-line TEXT`: printed once the tunnel is up. */
  readyLine?: string;
  /** `mailsh tunnel --emacs`: print what Emacs's tls.el waits for. */
  emacs: boolean;
  /** `--tls-min`, `--tls-max`, `--ciphers`, `--groups`, `--alpn`, `--ocsp` (issue 19). */
  tlsChoice: TlsChoice;
  /** `--showcerts`: print the chain as PEM after the handshake. */
  showCerts: boolean;
  /** `--dane`: verify by the TLSA records of the host instead of the CA store. */
  dane: boolean;
  /** `--port N` (mx --tls): the SMTP port to check instead of 25. */
  port?: number;
  /** `--mta-sts-address IP:PORT` (mx --tls): where to fetch the MTA-STS policy instead of mta-sts.DOMAIN:443 (tests; loopback only). */
  mtaStsAddress?: string;
  /** `-v`: details (mx --tls). */
  verbose: boolean;
  /** `mailsh proxy --listen [HOST:]PORT`, `--log-dir DIR`, `--listen-cert/--listen-key FILE`. */
  listen?: string;
  logDir?: string;
  listenCert?: string;
  listenKey?: string;
  help: boolean;
  version: boolean;
  positionals: string[];
}

const PROTOCOLS: readonly ProtocolName[] = ['smtp', 'lmtp', 'imap', 'pop3', 'sieve', 'line'];

const OPTIONS = {
  protocol: { type: 'string', short: 'p' },
  tls: { type: 'boolean' },
  starttls: { type: 'boolean' },
  insecure: { type: 'boolean', short: 'k' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  sni: { type: 'string' },
  log: { type: 'string' },
  'log-format': { type: 'string' },
  'log-secrets': { type: 'boolean' },
  keylog: { type: 'string' },
  execute: { type: 'string', short: 'e', multiple: true },
  script: { type: 'string', short: 'f' },
  ehlo: { type: 'string' },
  timeout: { type: 'string' },
  ipv4: { type: 'boolean', short: '4' },
  ipv6: { type: 'boolean', short: '6' },
  dns: { type: 'string' },
  auth: { type: 'string' },
  'insecure-auth': { type: 'boolean' },
  user: { type: 'string', short: 'u', multiple: true },
  'port-base': { type: 'string' },
  json: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  raw: { type: 'boolean' },
  'max-line': { type: 'string' },
  'max-literal': { type: 'string' },
  explain: { type: 'boolean' },
  mx: { type: 'string' },
  pipeline: { type: 'boolean' },
  strict: { type: 'boolean' },
  since: { type: 'string' },
  grep: { type: 'string' },
  'max-reply-lines': { type: 'string' },
  'ready-line': { type: 'string' },
  emacs: { type: 'boolean' },
  'tls-min': { type: 'string' },
  'tls-max': { type: 'string' },
  ciphers: { type: 'string' },
  groups: { type: 'string' },
  alpn: { type: 'string' },
  ocsp: { type: 'boolean' },
  showcerts: { type: 'boolean' },
  dane: { type: 'boolean' },
  port: { type: 'string' },
  'mta-sts-address': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  listen: { type: 'string' },
  'log-dir': { type: 'string' },
  'listen-cert': { type: 'string' },
  'listen-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

function byteCount(text: string | undefined, flag: string, unit = 'bytes'): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(Number.isSafeInteger(n) && n > 0)) throw new UsageError(`${flag} needs a positive number of ${unit}, not "${text}"`);
  return n;
}

/** `-p`, `--log`, …: the options that take a value, as they may be typed. */
const TAKES_VALUE = new Set(Object.entries(OPTIONS).flatMap(([long, o]) => (o.type === 'string' ? [`--${long}`, ...('short' in o ? [`-${o.short}`] : [])] : [])));

/**
 * Takes the `-e`/`--execute` lines out of argv before parseArgs sees it:
 * parseArgs spends microseconds on every argument (and lists every option's
 * entries for each short one), which for a script of a thousand `-e` lines
 * was a few milliseconds and megabytes of garbage. The values of other
 * options and whatever follows `--` are skipped as parseArgs reads them; a
 * missing or dash-led value is left for parseArgs to report.
 */
function takeExecuteLines(argv: readonly string[]): { lines: string[]; rest: string[] } {
  const lines: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = argv[i + 1];
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if ((arg === '-e' || arg === '--execute') && next !== undefined && !next.startsWith('-')) {
      lines.push(next);
      i++;
    } else if (arg.startsWith('--execute=')) {
      lines.push(arg.slice('--execute='.length));
    } else if (arg.startsWith('-e') && !arg.startsWith('--') && arg.length > 2) {
      lines.push(arg.slice(2));
    } else {
      rest.push(arg);
      // An option's value, whatever it looks like, stays with its option for parseArgs to judge.
      if (TAKES_VALUE.has(arg) && next !== undefined) rest.push(argv[++i]);
    }
  }
  return { lines, rest };
}

/** Parses argv (without node and script); wrong flags are UsageErrors (exit 2). */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  let parsed;
  let script;
  try {
    script = takeExecuteLines(argv);
    parsed = parseArgs({ args: script.rest, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs messages are clear but long; keep the first sentence.
    throw new UsageError(`${(err as Error).message.split(/\.\s/)[0]} (see mailsh --help)`);
  }
  const v = parsed.values;
  const protocol = v.protocol?.toLowerCase();
  if (protocol !== undefined && !PROTOCOLS.includes(protocol as ProtocolName)) {
    throw new UsageError(`-p/--protocol must be one of ${PROTOCOLS.join(', ')}, not "${v.protocol}"`);
  }
  const logFormat = v['log-format'] ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'jsonl') throw new UsageError(`--log-format must be text or jsonl, not "${logFormat}"`);
  if (v.tls && v.starttls) throw new UsageError('--tls and --starttls exclude each other');
  if (v.ipv4 && v.ipv6) throw new UsageError('-4 and -6 exclude each other');
  if ((v.cert === undefined) !== (v.key === undefined)) throw new UsageError('--cert and --key go together');
  if ((v['listen-cert'] === undefined) !== (v['listen-key'] === undefined)) throw new UsageError('--listen-cert and --listen-key go together');
  const timeoutSeconds = v.timeout === undefined ? 30 : Number(v.timeout);
  if (!(timeoutSeconds > 0)) throw new UsageError(`--timeout needs a positive number of seconds, not "${v.timeout}"`);
  const auth = v.auth?.toUpperCase();
  if (auth !== undefined && !SASL_MECHANISMS.has(auth)) throw new UsageError(`--auth must be one of ${[...SASL_MECHANISMS.keys()].join(', ')}, not "${v.auth}"`);
  const maxLine = byteCount(v['max-line'], '--max-line');
  const maxLiteral = byteCount(v['max-literal'], '--max-literal');
  const portBase = v['port-base'] === undefined ? undefined : Number(v['port-base']);
  if (portBase !== undefined && !(Number.isInteger(portBase) && portBase >= 0 && portBase <= 64000)) {
    throw new UsageError(`--port-base needs a number from 0 to 64000, not "${v['port-base']}"`);
  }
  const maxReplyLines = byteCount(v['max-reply-lines'], '--max-reply-lines', 'lines');
  const tlsChoice = checkChoice({
    minVersion: v['tls-min'] === undefined ? undefined : parseTlsVersion(v['tls-min'], '--tls-min'),
    maxVersion: v['tls-max'] === undefined ? undefined : parseTlsVersion(v['tls-max'], '--tls-max'),
    ciphers: v.ciphers === undefined ? undefined : parseCiphers(v.ciphers),
    groups: v.groups === undefined ? undefined : parseGroups(v.groups),
    alpn: v.alpn === undefined ? undefined : parseAlpn(v.alpn),
    ocsp: v.ocsp,
  });
  const port = v.port === undefined ? undefined : Number(v.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new UsageError(`--port needs a port number from 1 to 65535, not "${v.port}"`);
  return {
    protocol: protocol as ProtocolName | undefined,
    tls: v.tls ?? false,
    starttls: v.starttls ?? false,
    insecure: v.insecure ?? false,
    ca: v.ca,
    cert: v.cert,
    key: v.key,
    sni: v.sni,
    log: v.log,
    logFormat,
    logSecrets: v['log-secrets'] ?? false,
    keylog: v.keylog ?? (env.SSLKEYLOGFILE || undefined),
    // `-ke LINE` (-e in a group of short options) is left to parseArgs: then let it order every line.
    execute: v.execute ? (parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }).values.execute ?? []) : script.lines,
    script: v.script,
    ehlo: v.ehlo,
    timeoutSeconds,
    family: v.ipv4 ? 4 : v.ipv6 ? 6 : 0,
    dns: v.dns,
    auth,
    insecureAuth: v['insecure-auth'] ?? false,
    // A session takes the last -u; the sandbox takes them all.
    user: v.user?.at(-1),
    users: v.user ?? [],
    portBase,
    json: v.json ?? false,
    color: !(v['no-color'] ?? false) && env.NO_COLOR === undefined,
    raw: v.raw ?? false,
    maxLine,
    maxLiteral,
    explain: v.explain ?? false,
    mx: v.mx,
    pipeline: v.pipeline ?? false,
    strict: v.strict ?? false,
    since: v.since,
    grep: v.grep,
    maxReplyLines,
    readyLine: v['ready-line'],
    emacs: v.emacs ?? false,
    tlsChoice,
    showCerts: v.showcerts ?? false,
    dane: v.dane ?? false,
    port,
    mtaStsAddress: v['mta-sts-address'],
    verbose: v.verbose ?? false,
    listen: v.listen,
    logDir: v['log-dir'],
    listenCert: v['listen-cert'],
    listenKey: v['listen-key'],
    help: v.help ?? false,
    version: v.version ?? false,
    positionals: parsed.positionals,
  };
}

/** `mailsh --help`. */
export const USAGE = `usage:
  mailsh [options] TARGET          open a session (TARGET: URL, host:port or "host port")
  mailsh show FILE                 render a transcript (--since TIME, --grep RE)
  mailsh replay FILE TARGET        send a transcript's client lines again and
                                   report replies that differ (--strict: text too)
  mailsh mx DOMAIN|ADDRESS         MX (with addresses) and RFC 6186 SRV records
  mailsh [options] user@domain     SMTP to the domain's best MX (like --mx)
  mailsh sandbox [--port-base N] [--user NAME:PASS]… [--json]
                                   practice SMTP/IMAP/POP3 servers on 127.0.0.1
  mailsh try imap|smtp|pop3 [--tls|--starttls]
                                   the sandbox plus a shell connected to it
  mailsh tunnel [options] TARGET   a byte pipe to TARGET over verified TLS for a
                                   mail client's Tunnel/tunnel/plugin/tls-program
                                   (--log FILE masked; --emacs or --ready-line TEXT)
  mailsh proxy --listen [HOST:]PORT [--log-dir DIR] TARGET
                                   a local listener forwarding each connection to
                                   TARGET over verified TLS, one masked transcript
                                   each (--listen-cert/--listen-key: STARTTLS for clients)

TARGET URLs: smtp:// smtps:// submission:// lmtp:// imap:// imaps:// pop3://
  pop3s:// sieve:// tcp:// tls://   (imaps://alice@host sets the user)

options:
  -p, --protocol NAME   smtp, lmtp, imap, pop3, sieve or line (default: from
                        the URL, the port, or the greeting)
      --tls             implicit TLS        --starttls   STARTTLS at connect
  -k, --insecure        go on when certificate verification fails
      --ca FILE         trust this CA       --sni NAME   server name to send and verify
      --cert FILE --key FILE                client certificate
      --log FILE        append a transcript (mode 0600)
      --log-format F    text (default) or jsonl
      --log-secrets     do not mask credentials in the transcript
      --keylog FILE     write TLS keys for Wireshark (also SSLKEYLOGFILE)
  -e, --execute LINE    run LINE as if typed (repeatable), then quit
  -f, --script FILE     run the lines of FILE, then quit
      --ehlo NAME       name for the EHLO mailsh sends itself (--starttls, /send)
      --timeout SEC     connect, greeting and script reply timeout (default 30)
  -4, -6                IPv4 or IPv6 only
      --dns SERVER[:PORT]  resolver for MX/SRV and host look-ups
  -u, --user NAME       default user for authentication
      --auth MECH       authenticate after connect (PLAIN LOGIN CRAM-MD5
                        SCRAM-SHA-1 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER EXTERNAL);
                        the password from MAILSH_PASSWORD or a hidden prompt
      --insecure-auth   allow credentials over an unencrypted connection to a
                        host that is not loopback without asking
      --no-color        no colour (NO_COLOR is honoured too)
      --raw             no protocol awareness: plain lines both ways
      --max-line BYTES  longest server line accepted (default 1048576)
      --max-literal BYTES  largest IMAP/Sieve literal accepted (default 4 GiB)
      --explain         annotate each reply with what its codes mean
      --mx DOMAIN       SMTP to DOMAIN's best MX (fallback in order)
      --pipeline        scripts send commands without waiting where the server
                        offers PIPELINING (SMTP, POP3) or IMAP allows it
      --max-reply-lines N  longest multi-line reply held (default 10000)
TLS choice and checks (also /tls set and /tls try at the prompt):
      --tls-min VER, --tls-max VER   1.0, 1.1, 1.2 or 1.3 (1.0/1.1 lower
                        OpenSSL's security level, and say so)
      --ciphers LIST    TLS 1.2 suites (ECDHE-RSA-AES128-GCM-SHA256) and/or
                        TLS 1.3 ones (TLS_AES_128_GCM_SHA256)
      --groups LIST     key exchange groups (X25519, P-256, …)
      --alpn LIST       ALPN protocols to offer (comma-separated)
      --ocsp            ask for a stapled OCSP response and check it
      --showcerts       print the server's chain as PEM
      --dane            verify by the host's DNSSEC-signed TLSA records
  mailsh mx DOMAIN --tls [-v] [--port N]  STARTTLS to each MX: versions,
                        certificate, DANE and MTA-STS verdicts
  -h, --help            this text          -V, --version   the version

At the prompt, lines starting with / are mailsh commands (/help lists them);
// sends a line starting with /. Exit status: 0 ok, 1 a command failed (script),
2 usage error, 3 connection or TLS failure, 4 timeout.`;
