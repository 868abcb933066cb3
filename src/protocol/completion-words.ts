/**
 * Capabilities as they are typed (ENABLE's arguments): `AUTH=PLAIN`,
 * `UTF8=ACCEPT`, `IDLE` — never a value alone, split off at `=`.
 */
export function capabilityAtoms(caps: ReadonlyMap<string, readonly string[]>): string[] {
  return [...caps].flatMap(([key, values]) => (values.length > 0 ? values.map((v) => `${key}=${v}`) : [key]));
}

/** FETCH data items (RFC 9051 §6.4.5; BINARY RFC 3516, MODSEQ RFC 7162). */
export const FETCH_ITEMS: readonly string[] = [
  'ALL', 'FAST', 'FULL', 'BODY', 'BODY[', 'BODY.PEEK[', 'BODYSTRUCTURE', 'ENVELOPE', 'FLAGS', 'INTERNALDATE',
  'RFC822', 'RFC822.HEADER', 'RFC822.SIZE', 'RFC822.TEXT', 'UID', 'BINARY[', 'BINARY.PEEK[', 'BINARY.SIZE[', 'MODSEQ',
];
