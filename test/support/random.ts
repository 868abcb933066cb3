/** Deterministic randomness for the randomized tests, so a failure repeats exactly. */

/** A linear congruential generator: `random(n)` is an integer in [0, n). */
export function seededRandom(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
}

/** Up to `maxLength - 1` characters drawn from `alphabet`. */
export function randomText(random: (n: number) => number, alphabet: string, maxLength: number): string {
  return Array.from({ length: random(maxLength) }, () => alphabet[random(alphabet.length)]).join('');
}

/** `text` cut into consecutive pieces of 1 to `maxPiece` characters. */
export function randomCuts(random: (n: number) => number, text: string, maxPiece: number): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < text.length; ) {
    const size = 1 + random(maxPiece);
    pieces.push(text.slice(at, at + size));
    at += size;
  }
  return pieces;
}
