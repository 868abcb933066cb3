/**
 * What POP3 RESP-CODES mean (`-ERR [IN-USE] …`, RFC 2449 §8), for `/explain`
 * and `--explain`: RFC 2449, RFC 3206 and RFC 6856. Pure data.
 */
export const POP3_RESP_CODES: ReadonlyMap<string, string> = new Map([
  ['IN-USE', 'the maildrop is locked, probably by another POP3 session; try again later (RFC 2449)'],
  ['LOGIN-DELAY', 'logging in again this soon is not allowed; see the LOGIN-DELAY capability (RFC 2449)'],
  ['SYS/TEMP', 'a temporary system problem, not the user\'s fault; try again later (RFC 3206)'],
  ['SYS/PERM', 'a permanent system problem: retrying will not help; contact the administrator (RFC 3206)'],
  ['AUTH', 'the credentials are wrong (not a system problem) (RFC 3206)'],
  ['UTF8', 'the command needs UTF8 mode, or is not allowed in it (RFC 6856)'],
]);
