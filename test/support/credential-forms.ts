/**
 * Every credential form of every protocol, generated rather than listed
 * (issue 21): verb case × leading blanks × separators × atom, quoted string
 * or literal × typed tag or none. A form is the lines a user types and the
 * server lines that come between them.
 */
export const USER = 'alice';
export const PASSWORD = 'alice-secret';
export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
export const PLAIN = b64(`\0${USER}\0${PASSWORD}`);

/** The forms a secret may take on disk or on screen. */
export const NEEDLES = [PASSWORD, b64(PASSWORD), PLAIN, b64(`${USER}\0${PASSWORD}`)];

export type FormProtocol = 'smtp' | 'pop3' | 'imap' | 'sieve';

/** A typed line, or a server line (`{ server }`) that arrives before the next one. */
export type Step = string | { server: string };

export interface CredentialForm {
  protocol: FormProtocol;
  name: string;
  steps: Step[];
}

const CASES: ((verb: string) => string)[] = [(v) => v.toUpperCase(), (v) => v.toLowerCase(), (v) => v.replace(/[A-Z](?=[A-Z])/g, (c, i: number) => (i % 2 ? c.toLowerCase() : c))];
const LEADS = ['', ' ', '\t', ' \t '];
const SEPS = [' ', '\t', '  ', ' \t'];

/** The shapes of one protocol: `v` cases a verb, `s` is the separator. */
type Shape = (v: (verb: string) => string, s: string) => Step[];

const SHAPES: Record<FormProtocol, Record<string, Shape>> = {
  smtp: {
    'auth-plain-ir': (v, s) => [`${v('AUTH')}${s}PLAIN${s}${PLAIN}`],
    'auth-plain-continuation': (v, s) => [`${v('AUTH')}${s}PLAIN`, { server: '334 ' }, PLAIN],
    'auth-login-ir': (v, s) => [`${v('AUTH')}${s}LOGIN${s}${b64(USER)}`, { server: '334 UGFzc3dvcmQ6' }, b64(PASSWORD)],
    'auth-login': (v, s) => [`${v('AUTH')}${s}${v('login')}`, { server: '334 VXNlcm5hbWU6' }, b64(USER), { server: '334 UGFzc3dvcmQ6' }, b64(PASSWORD)],
  },
  pop3: {
    'user-pass': (v, s) => [`${v('USER')}${s}${USER}`, { server: '+OK' }, `${v('PASS')}${s}${PASSWORD}`],
    'pass-quoted': (v, s) => [`${v('PASS')}${s}"${PASSWORD}"`],
    'auth-plain-ir': (v, s) => [`${v('AUTH')}${s}PLAIN${s}${PLAIN}`],
    'auth-plain-continuation': (v, s) => [`${v('AUTH')}${s}PLAIN`, { server: '+ ' }, PLAIN],
    'apop': (v, s) => [`${v('APOP')}${s}${USER}${s}${PASSWORD}`],
  },
  imap: {
    'login-atoms': (v, s) => [`${v('LOGIN')}${s}${USER}${s}${PASSWORD}`],
    'login-quoted': (v, s) => [`${v('LOGIN')}${s}"${USER}"${s}"${PASSWORD}"`],
    'login-literal': (v, s) => [`${v('LOGIN')}${s}${USER}${s}{${PASSWORD.length}}`, { server: '+ go' }, PASSWORD],
    'login-literal-plus': (v, s) => [`${v('LOGIN')}${s}"${USER}"${s}{${PASSWORD.length}+}`, PASSWORD],
    'login-user-literal': (v, s) => [`${v('LOGIN')}${s}{${USER.length}}`, { server: '+ go' }, `${USER}${s}${PASSWORD}`],
    'authenticate-ir': (v, s) => [`${v('AUTHENTICATE')}${s}PLAIN${s}${PLAIN}`],
    'authenticate-continuation': (v, s) => [`${v('AUTHENTICATE')}${s}PLAIN`, { server: '+ ' }, PLAIN],
  },
  sieve: {
    'authenticate-quoted': (v, s) => [`${v('AUTHENTICATE')}${s}"PLAIN"${s}"${PLAIN}"`],
    'authenticate-literal': (v, s) => [`${v('AUTHENTICATE')}${s}"PLAIN"${s}{${PLAIN.length}+}`, PLAIN],
    'authenticate-mechanism-literal': (v, s) => [`${v('AUTHENTICATE')}${s}{5+}`, `PLAIN${s}"${PLAIN}"`],
    'authenticate-continuation': (v, s) => [`${v('AUTHENTICATE')}${s}"PLAIN"`, { server: '""' }, `"${PLAIN}"`],
  },
};

/** Every form: shapes × case × leading blanks × separators (× a typed tag or none for IMAP). */
export function credentialForms(): CredentialForm[] {
  const forms: CredentialForm[] = [];
  for (const [protocol, shapes] of Object.entries(SHAPES) as [FormProtocol, Record<string, Shape>][]) {
    for (const [shape, make] of Object.entries(shapes)) {
      CASES.forEach((v, c) =>
        LEADS.forEach((lead, l) =>
          SEPS.forEach((sep, s) => {
            for (const tag of protocol === 'imap' ? ['', `x${c}${sep}`] : ['']) {
              const steps = make(v, sep);
              steps[0] = `${lead}${tag}${steps[0] as string}`;
              forms.push({ protocol, name: `${protocol} ${shape} case${c} lead${l} sep${s}${tag ? ' tagged' : ''}`, steps });
            }
          }),
        ),
      );
    }
  }
  return forms;
}
