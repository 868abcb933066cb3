const MB = 1024 * 1024;

/** A one-line progress bar for `/send` and `/append` of large files. */
export function progressLine(done: number, total: number, width = 30): string {
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(fraction * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  return `[${bar}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${(done / MB).toFixed(1)} of ${(total / MB).toFixed(1)} MB`;
}
