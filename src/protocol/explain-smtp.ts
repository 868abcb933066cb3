/**
 * What SMTP reply codes mean, for `/explain` and `--explain` (SPEC §4):
 * basic codes (RFC 5321 §4.2, with RFC 3207, 4954, 7504) and enhanced status
 * codes `class.subject.detail` (RFC 3463 and the IANA registry "SMTP
 * Enhanced Status Codes"). Pure data and lookups.
 */

/** Basic reply codes: `250` → its meaning. */
export const SMTP_CODES: ReadonlyMap<string, string> = new Map([
  ['211', 'system status, or system help reply'],
  ['214', 'help message'],
  ['220', 'service ready (the greeting)'],
  ['221', 'service closing the transmission channel (after QUIT)'],
  ['235', 'authentication succeeded (RFC 4954)'],
  ['250', 'requested mail action okay, completed'],
  ['251', 'user not local; will forward'],
  ['252', 'cannot VRFY the user, but will accept the message and attempt delivery'],
  ['334', 'SASL challenge: send the next authentication response (RFC 4954)'],
  ['354', 'start mail input; end with <CRLF>.<CRLF>'],
  ['421', 'service not available, closing the transmission channel'],
  ['432', 'a password transition is needed (RFC 4954)'],
  ['450', 'mailbox unavailable (busy or temporarily blocked); try again later'],
  ['451', 'requested action aborted: local error in processing; try again later'],
  ['452', 'insufficient system storage (or too many recipients); try again later'],
  ['454', 'temporary authentication failure (RFC 4954), or TLS not available for a temporary reason (RFC 3207)'],
  ['455', 'server unable to accommodate the parameters'],
  ['500', 'syntax error, command unrecognized (or line too long)'],
  ['501', 'syntax error in parameters or arguments'],
  ['502', 'command not implemented'],
  ['503', 'bad sequence of commands'],
  ['504', 'command parameter not implemented'],
  ['521', 'this host does not accept mail (RFC 7504)'],
  ['530', 'authentication required (RFC 4954), or must issue STARTTLS first (RFC 3207)'],
  ['534', 'authentication mechanism is too weak (RFC 4954)'],
  ['535', 'authentication credentials invalid (RFC 4954)'],
  ['538', 'encryption required for the requested authentication mechanism (RFC 4954)'],
  ['550', 'mailbox unavailable (not found, no access, or refused by policy)'],
  ['551', 'user not local; please try the forward-path given'],
  ['552', 'requested mail action aborted: exceeded storage allocation'],
  ['553', 'mailbox name not allowed (e.g. bad address syntax)'],
  ['554', 'transaction failed (as a greeting: no SMTP service here)'],
  ['555', 'MAIL FROM/RCPT TO parameters not recognized or not implemented'],
  ['556', 'domain does not accept mail (RFC 7504)'],
]);

/** The first digit of a basic code (RFC 5321 §4.2.1). */
const BASIC_CLASS: ReadonlyMap<string, string> = new Map([
  ['2', 'positive completion'],
  ['3', 'positive intermediate: send more'],
  ['4', 'transient negative: try again later'],
  ['5', 'permanent negative: do not repeat as is'],
]);

/** The class digit of an enhanced code (RFC 3463 §3.1). */
const ENHANCED_CLASS: ReadonlyMap<string, string> = new Map([
  ['2', 'success'],
  ['4', 'persistent transient failure'],
  ['5', 'permanent failure'],
]);

/** The subject digit of an enhanced code (RFC 3463 §3.2). */
const ENHANCED_SUBJECT: ReadonlyMap<string, string> = new Map([
  ['0', 'other or undefined status'],
  ['1', 'addressing status'],
  ['2', 'mailbox status'],
  ['3', 'mail system status'],
  ['4', 'network and routing status'],
  ['5', 'mail delivery protocol status'],
  ['6', 'message content or media status'],
  ['7', 'security or policy status'],
]);

/** `subject.detail` → meaning (RFC 3463 §3.3–3.9 and the IANA registry). */
export const ENHANCED_DETAILS: ReadonlyMap<string, string> = new Map([
  ['0.0', 'other undefined status'],
  ['1.0', 'other address status'],
  ['1.1', 'bad destination mailbox address (no such user)'],
  ['1.2', 'bad destination system address'],
  ['1.3', 'bad destination mailbox address syntax'],
  ['1.4', 'destination mailbox address ambiguous'],
  ['1.5', 'destination address valid'],
  ['1.6', 'destination mailbox has moved, no forwarding address'],
  ['1.7', "bad sender's mailbox address syntax"],
  ['1.8', "bad sender's system address"],
  ['1.9', 'message relayed to a non-compliant mailer (RFC 3886)'],
  ['1.10', 'recipient address has a null MX (RFC 7505)'],
  ['2.0', 'other or undefined mailbox status'],
  ['2.1', 'mailbox disabled, not accepting messages'],
  ['2.2', 'mailbox full'],
  ['2.3', 'message length exceeds administrative limit'],
  ['2.4', 'mailing list expansion problem'],
  ['3.0', 'other or undefined mail system status'],
  ['3.1', 'mail system full'],
  ['3.2', 'system not accepting network messages'],
  ['3.3', 'system not capable of selected features'],
  ['3.4', 'message too big for system'],
  ['3.5', 'system incorrectly configured'],
  ['3.6', 'requested priority was changed (RFC 6710)'],
  ['4.0', 'other or undefined network or routing status'],
  ['4.1', 'no answer from host'],
  ['4.2', 'bad connection'],
  ['4.3', 'directory server failure (e.g. DNS)'],
  ['4.4', 'unable to route'],
  ['4.5', 'mail system congestion'],
  ['4.6', 'routing loop detected'],
  ['4.7', 'delivery time expired'],
  ['5.0', 'other or undefined protocol status'],
  ['5.1', 'invalid command'],
  ['5.2', 'syntax error'],
  ['5.3', 'too many recipients'],
  ['5.4', 'invalid command arguments'],
  ['5.5', 'wrong protocol version'],
  ['5.6', 'authentication exchange line is too long (RFC 4954)'],
  ['6.0', 'other or undefined media error'],
  ['6.1', 'media not supported'],
  ['6.2', 'conversion required and prohibited'],
  ['6.3', 'conversion required but not supported'],
  ['6.4', 'conversion with loss performed'],
  ['6.5', 'conversion failed'],
  ['6.6', 'message content not available (RFC 4468)'],
  ['6.7', 'non-ASCII addresses not permitted for that sender or recipient (RFC 6531)'],
  ['6.8', 'UTF-8 string reply is required, but not permitted by the client (RFC 6531)'],
  ['6.9', 'UTF-8 header message cannot be transferred to one or more recipients (RFC 6531)'],
  ['7.0', 'other or undefined security status'],
  ['7.1', 'delivery not authorized, message refused (e.g. relay access denied)'],
  ['7.2', 'mailing list expansion prohibited'],
  ['7.3', 'security conversion required but not possible'],
  ['7.4', 'security features not supported'],
  ['7.5', 'cryptographic failure'],
  ['7.6', 'cryptographic algorithm not supported'],
  ['7.7', 'message integrity failure'],
  ['7.8', 'authentication credentials invalid (RFC 4954)'],
  ['7.9', 'authentication mechanism is too weak (RFC 4954)'],
  ['7.10', 'encryption needed (RFC 5248)'],
  ['7.11', 'encryption required for the requested authentication mechanism (RFC 4954)'],
  ['7.12', 'a password transition is needed (RFC 4954)'],
  ['7.13', 'user account disabled (RFC 5248)'],
  ['7.14', 'trust relationship required (RFC 5248)'],
  ['7.15', 'priority level is too low (RFC 6710)'],
  ['7.16', 'message is too big for the specified priority (RFC 6710)'],
  ['7.17', 'mailbox owner has changed (RFC 7293)'],
  ['7.18', 'domain owner has changed (RFC 7293)'],
  ['7.19', 'RRVS test cannot be completed (RFC 7293)'],
  ['7.20', 'no passing DKIM signature found (RFC 7372)'],
  ['7.21', 'no acceptable DKIM signature found (RFC 7372)'],
  ['7.22', 'no valid author-matched DKIM signature found (RFC 7372)'],
  ['7.23', 'SPF validation failed (RFC 7372)'],
  ['7.24', 'SPF validation error (RFC 7372)'],
  ['7.25', 'reverse DNS validation failed (RFC 7372)'],
  ['7.26', 'multiple authentication checks failed (RFC 7372)'],
  ['7.27', 'sender address has a null MX (RFC 7505)'],
  ['7.28', 'mail flood detected'],
  ['7.29', 'ARC validation failure (RFC 8617)'],
  ['7.30', 'REQUIRETLS support required (RFC 8689)'],
]);

/** `550` → `550: mailbox unavailable …`; an unlisted code says so and gives its class. */
export function explainSmtpCode(code: string): string {
  const known = SMTP_CODES.get(code);
  if (known) return `${code}: ${known}`;
  const cls = BASIC_CLASS.get(code[0]);
  return cls ? `${code}: not a code RFC 5321 defines (${code[0]}xx: ${cls})` : `${code}: not an SMTP reply code (they start with 2 to 5)`;
}

/** `5.7.1` → `5.7.1: permanent failure, security or policy status: delivery not authorized …`. */
export function explainEnhancedCode(code: string): string {
  const [cls, subject, detail] = code.split('.');
  const klass = ENHANCED_CLASS.get(cls);
  const area = ENHANCED_SUBJECT.get(subject);
  if (!klass || !area) return `${code}: not an enhanced status code (class 2, 4 or 5; subject 0 to 7; RFC 3463)`;
  const meaning = ENHANCED_DETAILS.get(`${subject}.${detail}`);
  return `${code}: ${klass}, ${area}: ${meaning ?? 'a detail the IANA registry does not list'}`;
}

/** `250 2.1.0 Ok` (a final reply line) → its basic and enhanced code. */
export function smtpCodesOf(line: string): { code: string; enhanced?: string } | undefined {
  const m = /^([2-5]\d\d)(?: ([245]\.\d{1,3}\.\d{1,3})\b)?/.exec(line);
  return m ? { code: m[1], enhanced: m[2] } : undefined;
}
