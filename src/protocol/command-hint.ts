/** Edit distance (insertions, deletions, substitutions, swapped neighbours), case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  const d = Array.from({ length: x.length + 1 }, (_, i) => [i, ...Array<number>(y.length).fill(0)]);
  for (let j = 1; j <= y.length; j++) d[0][j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[x.length][y.length];
}

/** The command closest to a mistyped word, if one is close enough to be what was meant. */
export function closestCommand(word: string, commands: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.min(2, word.length - 2));
  for (const command of commands) {
    const d = distance(word, command);
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = command;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * The note for a line whose first word (in IMAP: neither of the first two,
 * a tag and the command) is no command of the protocol (`aProtocol`: "an
 * SMTP", "a POP3"): the server will most likely refuse it, and the closest
 * command is probably what was meant. mailsh still sends it (SPEC §2: an
 * admin may be testing exactly that).
 */
export function unknownCommandHint(aProtocol: string, words: readonly string[], commands: readonly string[]): string {
  const quoted = words.map((w) => `"${w}"`);
  const subject = quoted.length > 1 ? `neither ${quoted.join(' nor ')} is` : `${quoted[0]} is not`;
  const closest = words.map((w) => closestCommand(w, commands)).find((c) => c !== undefined);
  return `${subject} ${aProtocol} command: sent as typed${closest ? `; did you mean ${closest}?` : ''}`;
}
