/**
 * FETCH ENVELOPE (RFC 9051 §7.5.2): date, subject, from, sender, reply-to,
 * to, cc, bcc, in-reply-to and message-id, straight from the header (encoded
 * words are left as they are; decoding is the client's job). Addresses are
 * split with nodemailer's addressparser rather than a home-made RFC 5322
 * parser.
 */
import addressparser, { type Address } from 'nodemailer/lib/addressparser';
import { headerValue } from './message-text.js';
import { nstring, type Piece } from './imap-format.js';

/** `(name adl mailbox host)`; a group is `(NIL NIL name NIL)` … `(NIL NIL NIL NIL)` (RFC 9051 §7.5.2). */
function addressPieces(address: Address): Piece[] {
  if (address.group !== undefined) {
    return ['(NIL NIL ', ...nstring(address.name), ' NIL)', ...address.group.flatMap(addressPieces), '(NIL NIL NIL NIL)'];
  }
  const at = address.address.lastIndexOf('@');
  const mailbox = at < 0 ? address.address : address.address.slice(0, at);
  const host = at < 0 ? undefined : address.address.slice(at + 1);
  return ['(', ...nstring(address.name || undefined), ' NIL ', ...nstring(mailbox), ' ', ...nstring(host), ')'];
}

function addressList(value: string | undefined): Piece[] {
  const addresses = value === undefined ? [] : addressparser(value).filter((a) => a.group !== undefined || a.address !== '');
  return addresses.length === 0 ? ['NIL'] : ['(', ...addresses.flatMap(addressPieces), ')'];
}

/** The ENVELOPE structure of a raw message. */
export function envelope(raw: Buffer): Piece[] {
  const field = (name: string): string | undefined => headerValue(raw, name);
  const from = field('From');
  const out: Piece[] = ['(', ...nstring(field('Date')), ' ', ...nstring(field('Subject'))];
  // Sender and Reply-To default to From when absent.
  for (const value of [from, field('Sender') ?? from, field('Reply-To') ?? from, field('To'), field('Cc'), field('Bcc')]) {
    out.push(' ', ...addressList(value));
  }
  out.push(' ', ...nstring(field('In-Reply-To')), ' ', ...nstring(field('Message-ID')), ')');
  return out;
}
