/**
 * What ManageSieve response codes mean (`NO (QUOTA/MAXSIZE) …`, RFC 5804
 * §1.3), for `/explain` and `--explain`. Pure data.
 */
export const SIEVE_RESPONSE_CODES: ReadonlyMap<string, string> = new Map([
  ['AUTH-TOO-WEAK', 'the SASL mechanism is too weak for this user or site policy'],
  ['ENCRYPT-NEEDED', 'use STARTTLS (or a SASL security layer) before this command'],
  ['QUOTA', 'the server-side quota would be exceeded'],
  ['QUOTA/MAXSCRIPTS', 'too many scripts for this user'],
  ['QUOTA/MAXSIZE', 'the script is too large'],
  ['REFERRAL', 'the server sends the client to another server (a sieve:// URL follows)'],
  ['SASL', 'the SASL mechanism\'s last data (e.g. the SCRAM server signature) follows'],
  ['TRANSITION-NEEDED', 'the password must be changed or re-entered in another way first'],
  ['TRYLATER', 'a temporary failure; try again later'],
  ['ACTIVE', 'the command is not allowed on the active script'],
  ['NONEXISTENT', 'the script does not exist'],
  ['ALREADYEXISTS', 'a script with that name already exists'],
  ['TAG', 'the string that follows is the tag the client gave with NOOP'],
  ['WARNINGS', 'the script was stored but has problems worth a look (the text says which)'],
]);
