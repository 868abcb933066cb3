/** What the server announced, flattened for argument completion: `AUTH PLAIN` → AUTH, PLAIN. */
export function capabilityWords(caps: ReadonlyMap<string, readonly string[]>): string[] {
  return [...new Set([...caps.keys(), ...[...caps.values()].flat()])];
}
