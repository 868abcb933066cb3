/** Feeding canned server lines to a protocol adapter in unit tests. */
import { announcedLiteral } from '../../src/framing/line-reader.js';
import type { AdapterEvent, LineView, ProtocolAdapter, Reply } from '../../src/protocol/adapter.js';

/** Feeds CRLF-terminated server text line by line; returns each line's view and all events. */
export function feedLines(a: ProtocolAdapter, text: string): { views: LineView[]; events: AdapterEvent[] } {
  const views: LineView[] = [];
  const events: AdapterEvent[] = [];
  for (const l of text.split('\r\n').slice(0, -1)) {
    // As the line reader frames it: a line ending in `{N}` announces a literal.
    const r = a.receive({ bytes: Buffer.from(l), ending: 'crlf', announces: announcedLiteral(l) });
    views.push(r.view);
    events.push(...r.events);
  }
  return { views, events };
}

/** The complete replies among adapter events. */
export const repliesOf = (events: AdapterEvent[]): Reply[] => events.flatMap((e) => (e.type === 'reply' ? [e.reply] : []));

/** The texts of the warnings (`!!`) among adapter events. */
export const warningsOf = (events: AdapterEvent[]): string[] => events.flatMap((e) => (e.type === 'notice' && e.level === 'warn' ? [e.text] : []));
