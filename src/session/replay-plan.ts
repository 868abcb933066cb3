import { UsageError } from '../errors.js';
import { dotUnstuffLine } from '../framing/dot-stuffing.js';
import { LineReader } from '../framing/line-reader.js';
import type { ProtocolAdapter, ProtocolName, Reply } from '../protocol/adapter.js';
import { createAdapter } from '../protocol/detect.js';
import { unescapeRecord } from '../text/escape.js';
import type { TranscriptRecord } from '../transcript/reader.js';

/** A piece of a recorded client line: text, or a secret the transcript masked. */
export type Segment = string | { redacted: number };

/**
 * How the session reads a line (DESIGN rule 6): a command, message or literal
 * data (no meta commands), or the answer to a continuation (SASL, IDLE).
 */
export type InputState = 'command' | 'data' | 'continuation';

/** Which credential fills a masked segment when the line is sent again. */
export type SecretKind = 'password' | 'imap-password' | 'user' | 'apop';

/** One thing to send again, in transcript order. */
export type ReplayStep =
  | {
      kind: 'line';
      /** The transcript line the bytes came from. */
      at: number;
      /** The line as it is typed: SMTP DATA lines without their dot-stuffing. */
      segments: Segment[];
      /** The state the recorded session read it in; the replay checks it is the same. */
      state: InputState;
      /** What a masked segment stands for. */
      secret?: SecretKind;
    }
  /** Bytes with no line end (`/bytes`), sent as they are. */
  | { kind: 'raw'; at: number; bytes: Buffer; state: InputState }
  /** The data of the BDAT command just sent (RFC 3030), sent as it is. */
  | { kind: 'chunk'; at: number; bytes: Buffer; state: InputState }
  /** A SASL exchange with masked responses: run again live with MECHANISM. */
  | { kind: 'auth'; at: number; mechanism: string; state: InputState };

/** A complete reply in the transcript, with the line it ended on. */
export interface RecordedReply {
  reply: Reply;
  at: number;
}

export interface ReplayPlan {
  steps: ReplayStep[];
  replies: RecordedReply[];
  /** A user name the transcript shows (IMAP LOGIN, APOP), for AUTH PLAIN. */
  visibleUser?: string;
}

const PLACEHOLDER = 'REDACTED';

/** Whether a step is the STARTTLS (POP3 STLS) command, tagged or not. */
export function isStartTls(step: ReplayStep): boolean {
  return step.kind === 'line' && /^\s*(?:\S+\s+)?(?:STARTTLS|STLS)\s*$/i.test(step.segments.join(''));
}

/** The coarse state of an adapter, compared between the recording and the replay. */
export function inputState(adapter: ProtocolAdapter): InputState {
  if (!adapter.metaAllowed) return 'data';
  return adapter.awaitingInput ? 'continuation' : 'command';
}

const hasRedaction = (segments: Segment[]): boolean => segments.some((s) => typeof s !== 'string');
const lineText = (segments: Segment[]): string => segments.map((s) => (typeof s === 'string' ? s : PLACEHOLDER)).join('');

/** `AUTH PLAIN …`, `a1 AUTHENTICATE SCRAM-SHA-256`, `AUTHENTICATE "PLAIN" …`: the mechanism. */
function authMechanism(protocol: ProtocolName, text: string): string | undefined {
  const words = text.split(' ');
  const at = protocol === 'imap' ? 1 : 0;
  const verb = words[at]?.toUpperCase();
  if (verb !== 'AUTH' && verb !== 'AUTHENTICATE') return undefined;
  return words[at + 1]?.replace(/^"(.*)"$/, '$1').toUpperCase();
}

/**
 * Which credential a masked part of a command stands for, by protocol and
 * verb (SPEC §9 lists what is masked); undefined when mailsh cannot rebuild it.
 */
function secretKind(protocol: ProtocolName, text: string): SecretKind | undefined {
  const words = text.split(' ').map((w) => w.toUpperCase());
  if (protocol === 'imap' && words[1] === 'LOGIN') return 'imap-password';
  if (protocol === 'pop3' && words[0] === 'PASS') return 'password';
  if (protocol === 'pop3' && words[0] === 'USER') return 'user';
  if (protocol === 'pop3' && words[0] === 'APOP') return 'apop';
  return undefined;
}

/**
 * Reads a transcript's records the way the session read them when it was
 * recorded: client lines through a fresh `protocol` adapter (so every line
 * is known as a command, message text or a SASL response) and server bytes
 * through framing into replies. A SASL exchange with masked parts becomes
 * one `auth` step, run again live (SCRAM nonces differ, so its bytes could
 * not be resent anyway); other masked parts must be credentials mailsh can
 * rebuild, else the transcript lines are named in a UsageError.
 */
export function planReplay(records: readonly TranscriptRecord[], protocol: ProtocolName): ReplayPlan {
  const adapter = createAdapter(protocol);
  const reader = new LineReader(Number.MAX_SAFE_INTEGER);
  reader.literals = adapter.literals;
  const steps: ReplayStep[] = [];
  const replies: RecordedReply[] = [];
  const unreplayable: number[] = [];
  let visibleUser: string | undefined;
  /** The SASL exchange under way: its command and response lines so far. */
  let auth: { at: number; mechanism: string; lines: ReplayStep[]; redacted: boolean; state: InputState } | undefined;
  let pending: Segment[] = [];
  let pendingAt = 0;
  /** A BDAT chunk being read: its bytes are data, not lines. */
  let chunk: { at: number; remaining: number; bytes: Buffer[] } | undefined;

  const endAuth = (): void => {
    if (!auth) return;
    if (auth.redacted) steps.push({ kind: 'auth', at: auth.at, mechanism: auth.mechanism, state: auth.state });
    else steps.push(...auth.lines);
    auth = undefined;
  };

  const clientLine = (segments: Segment[], at: number): void => {
    const state = inputState(adapter);
    let text = lineText(segments);
    // The wire has DATA lines dot-stuffed; typed again, the adapter stuffs them.
    if (state === 'data' && protocol !== 'imap' && protocol !== 'sieve' && text !== '.') {
      segments = segments.map((s, i) => (i === 0 && typeof s === 'string' ? dotUnstuffLine(s) : s));
      text = dotUnstuffLine(text);
    }
    const step: ReplayStep = { kind: 'line', at, segments, state };
    const mechanism = state === 'command' ? authMechanism(protocol, text) : undefined;
    if (mechanism) {
      endAuth();
      auth = { at, mechanism, lines: [step], redacted: hasRedaction(segments), state };
    } else if (auth && state === 'continuation') {
      auth.lines.push(step);
      auth.redacted ||= hasRedaction(segments);
    } else {
      endAuth();
      if (hasRedaction(segments)) {
        step.secret = secretKind(protocol, text);
        if (!step.secret) unreplayable.push(at);
      }
      const login = protocol === 'imap' ? /^\S+ LOGIN ("(?:[^"\\]|\\.)*"|[^\s"{]+) /i.exec(text) : /^APOP (\S+) /i.exec(text);
      if (login && !login[1].includes(PLACEHOLDER)) visibleUser ??= login[1].replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1');
      steps.push(step);
    }
    adapter.prepare(text);
  };

  for (const record of records) {
    if (record.dir === '==') {
      // The upgrade forgets capabilities learned in plaintext, as live.
      if (record.text.startsWith('tls ')) adapter.tlsStarted();
      continue;
    }
    const parts = unescapeRecord(record.text);
    if (record.dir === 'S:') {
      const bytes = Buffer.concat(parts.map((p) => ('bytes' in p ? p.bytes : Buffer.alloc(0))));
      for (const item of reader.push(bytes)) {
        if ('literal' in item) continue;
        for (const event of adapter.receive(item).events) {
          if (event.type === 'reply') replies.push({ reply: event.reply, at: record.line });
        }
      }
      continue;
    }
    if (pending.length === 0 && !chunk) pendingAt = record.line;
    for (const part of parts) {
      if (!('bytes' in part)) {
        pending.push({ redacted: part.redacted });
        continue;
      }
      let bytes = part.bytes;
      while (bytes.length > 0) {
        if (chunk) {
          // RFC 3030 §2: exactly the announced number of bytes follows BDAT.
          const take = bytes.subarray(0, chunk.remaining);
          chunk.bytes.push(take);
          chunk.remaining -= take.length;
          bytes = bytes.subarray(take.length);
          if (chunk.remaining === 0) {
            steps.push({ kind: 'chunk', at: chunk.at, bytes: Buffer.concat(chunk.bytes), state: 'command' });
            chunk = undefined;
            pendingAt = record.line;
          }
          continue;
        }
        const end = bytes.indexOf('\r\n');
        if (end < 0) {
          pending.push(bytes.toString('utf8'));
          break;
        }
        pending.push(bytes.subarray(0, end).toString('utf8'));
        bytes = bytes.subarray(end + 2);
        const segments = pending.filter((seg) => seg !== '');
        pending = [];
        const text = lineText(segments);
        const bdat = protocol === 'smtp' || protocol === 'lmtp' ? /^BDAT (\d+)/i.exec(text) : null;
        clientLine(segments, pendingAt);
        if (bdat && Number(bdat[1]) > 0) chunk = { at: record.line, remaining: Number(bdat[1]), bytes: [] };
        pendingAt = record.line;
      }
    }
  }
  endAuth();
  if (pending.length > 0) {
    if (hasRedaction(pending)) unreplayable.push(pendingAt);
    else steps.push({ kind: 'raw', at: pendingAt, bytes: Buffer.from(lineText(pending), 'utf8'), state: inputState(adapter) });
  }
  if (unreplayable.length > 0) {
    throw new UsageError(`cannot replay masked values that are not a login or SASL exchange (transcript line ${unreplayable.join(', ')}); record with --log-secrets to replay them`);
  }
  return { steps, replies, visibleUser };
}
