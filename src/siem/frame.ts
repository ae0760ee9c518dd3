// How a destination frames one event in its request body (schema/ocsf.md §5), as data: the framing is done where
// the event's text is built, on the main thread or on a mapping thread (src/siem/map-worker.ts).
import { secondsText } from './ocsf-row.js';
import type { LineBuffer } from './output.js';

const NON_ASCII = /[^\x00-\x7f]/;

export type Frame =
  /** Splunk HEC: `{"time":<s>` + `meta` (`,"host":…,"event":`) + the event + `}`. */
  | { kind: 'hec'; meta: string; metaAscii: boolean }
  /** Elasticsearch `_bulk`: the action line `action` + `"<id>"}}`, then the event. */
  | { kind: 'bulk'; action: string }
  /** The event alone, one per line. */
  | { kind: 'line' };

export function hecFrame(meta: string): Frame {
  return { kind: 'hec', meta, metaAscii: !NON_ASCII.test(meta) };
}

/** Appends the framed event to `out`: `json` is its JSON text (one line), `ascii` whether it is known to be ASCII only. */
export function frameEvent(frame: Frame, id: string, timeMs: number, json: string, ascii: boolean, out: LineBuffer): void {
  switch (frame.kind) {
    case 'hec':
      // one string, one write: the event's text is a rope flattened by the write anyway
      out.line('{"time":' + secondsText(timeMs) + frame.meta + json + '}', ascii && frame.metaAscii);
      return;
    case 'bulk':
      out.line(`${frame.action}${JSON.stringify(id)}}}`);
      out.line(json, ascii);
      return;
    case 'line':
      out.line(json, ascii);
  }
}
