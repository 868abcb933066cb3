/**
 * IMAP sequence sets (RFC 9051 §9 sequence-set): `1`, `2:4`, `7:*`, `1,3:5`,
 * over message sequence numbers or UIDs; `*` is the largest number in use.
 */

/** A parsed set; `undefined` bounds stand for `*`. */
export type SequenceSet = [number | undefined, number | undefined][];

/** Parses a sequence set, or returns undefined when it is malformed. */
export function parseSequenceSet(text: string): SequenceSet | undefined {
  const ranges: SequenceSet = [];
  for (const part of text.split(',')) {
    const m = /^(\d+|\*)(?::(\d+|\*))?$/.exec(part);
    if (!m) return undefined;
    const bound = (s: string): number | undefined => (s === '*' ? undefined : Number(s));
    const low = bound(m[1]);
    const high = m[2] === undefined ? low : bound(m[2]);
    if (low === 0 || high === 0) return undefined;
    ranges.push([low, high]);
  }
  return ranges;
}

/** Whether `n` is in the set, `*` being `max` (a range is the same either way round). */
export function inSequenceSet(set: SequenceSet, n: number, max: number): boolean {
  return set.some(([a, b]) => {
    const lo = a ?? max;
    const hi = b ?? max;
    return n >= Math.min(lo, hi) && n <= Math.max(lo, hi);
  });
}

/** The shortest set for sorted numbers: [1,2,3,5] → `1:3,5`. */
export function compactSequenceSet(numbers: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; i++) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++;
    parts.push(j > i ? `${numbers[i]}:${numbers[j]}` : String(numbers[i]));
    i = j;
  }
  return parts.join(',');
}
