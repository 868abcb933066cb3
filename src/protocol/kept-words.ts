/**
 * Words kept from server input for completion and capability checks (LIST
 * names, CAPABILITY/EHLO/CAPA/ManageSieve capability lines), bounded by bytes
 * and not only by count (issue 21 item 8): 400 LIST names of 1 MB each once
 * added 490 MB. A word past the limits is simply not offered for completion;
 * the display and the transcript still get every byte.
 */

/** The longest word kept: far above any real mailbox name or capability. */
const MAX_KEPT_WORD = 1024;
/** All the words of one list together (a LIST's names, one capability set). */
export const MAX_KEPT_BYTES = 256 * 1024;

/** A budget of bytes for the words of one list. */
export class KeptWords {
  private used = 0;

  constructor(private readonly maxBytes = MAX_KEPT_BYTES) {}

  /**
   * A copy of `word` that holds nothing else alive (a V8 slice would keep
   * its whole 1 MB line), or undefined when it is too long or the list is full.
   */
  take(word: string): string | undefined {
    if (word.length > MAX_KEPT_WORD) return undefined;
    const copy = Buffer.from(word, 'utf8');
    if (copy.length > MAX_KEPT_WORD || this.used + copy.length > this.maxBytes) return undefined;
    this.used += copy.length;
    return copy.toString('utf8');
  }
}

/** Capabilities (`AUTH` → [PLAIN, LOGIN]) cut to the budget: what does not fit is left out. */
export function keptCapabilities(caps: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const budget = new KeptWords();
  const kept = new Map<string, string[]>();
  for (const [key, values] of caps) {
    const k = budget.take(key);
    if (k === undefined) continue;
    const vs: string[] = [];
    for (const v of values) {
      const word = budget.take(v);
      if (word !== undefined) vs.push(word);
    }
    kept.set(k, vs);
  }
  return kept;
}
