/** Help text is laid out for 80 columns at most, however wide the terminal. */
export const HELP_WIDTH = 80;

/**
 * Text of two columns (a usage, then what it does after two spaces or more)
 * fitted to `width`, wrapped at spaces, never inside a word. A wrapped
 * description goes on under its column, or, when that column is past the
 * middle, on rows of its own indented a little; a line that only continues a
 * description is indented the same way. Help texts are ASCII: a character
 * is a column.
 */
export function fitWidth(text: string, width: number): string {
  const w = Math.min(width, HELP_WIDTH);
  return text
    .split('\n')
    .flatMap((line) => fitLine(line, w))
    .join('\n');
}

function fitLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const lead = /^ */.exec(line)![0];
  const narrow = ' '.repeat(Math.min(lead.length, 2) + 4);
  // A row that only continues a description (four spaces or more in).
  if (lead.length > width / 2) return wrap(line.trimStart(), narrow, narrow, width);
  if (lead.length >= 4) return wrap(line, '', lead, width);
  const columns = /^(\s*\S.*?\s{2,})(\S.*)$/.exec(line);
  if (!columns) return wrap(line, '', narrow, width);
  const [, first, second] = columns;
  if (first.length <= width / 2) return wrap(line, '', ' '.repeat(first.length), width);
  return [...wrap(first.trimEnd(), '', narrow, width), ...wrap(second, narrow, narrow, width)];
}

/** Words onto rows of `width`: the first row starts with `first`, the others with `rest`. */
function wrap(text: string, first: string, rest: string, width: number): string[] {
  const rows: string[] = [];
  let row = first;
  // Each word with the spaces before it, so the first row keeps its columns;
  // a word of alternatives too long for a row (`250|2|4xx|…`) breaks after a `|`.
  const tokens = [...text.matchAll(/\s*\S+/g)].flatMap(([t]) => (t.trim().length > width - rest.length ? t.match(/\s*[^|]+\|?|\|/g)! : [t]));
  for (const token of tokens) {
    const fresh = row.trim() === '';
    if (!fresh && row.length + token.length > width) {
      rows.push(row);
      row = rest + token.trimStart();
    } else row += fresh && row !== '' ? token.trimStart() : token;
  }
  rows.push(row);
  return rows;
}
