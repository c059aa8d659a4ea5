import { stringify } from 'csv-stringify';
import { Readable } from 'node:stream';

/**
 * A spreadsheet executes a cell that starts with = + - @ (or a tab or carriage return before them).
 * Such cells get a leading apostrophe so they open as text (OWASP CSV injection guidance). Text that already
 * starts with apostrophes before such a character gets one more, so an importer can always remove exactly one
 * (see unneutraliseCell) and get the original back. Numbers are data, not formulas, and stay as they are.
 */
export function neutraliseCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  const s = String(v);
  return FORMULA_START.test(s) ? `'${s}` : s;
}

const FORMULA_START = /^'*[=+\-@\t\r]/;

/** The inverse of neutraliseCell, for importers: drops the one apostrophe an export added. */
export function unneutraliseCell(s: string): string {
  return s.startsWith("'") && FORMULA_START.test(s) ? s.slice(1) : s;
}

function drainedOrClosed(stream: Readable & NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { stream.off('drain', done); stream.off('close', done); resolve(); };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** Streams rows from async batches as CSV with a header row and a BOM, so Excel opens UTF-8 correctly. */
export function csvStream<T>(columns: { header: string; value: (row: T) => unknown }[], batches: AsyncIterable<T[]>): Readable {
  const out = stringify({ bom: true, record_delimiter: 'windows' });
  out.write(columns.map((c) => c.header));
  (async () => {
    try {
      for await (const rows of batches) {
        for (const r of rows) {
          // Respect back-pressure: wait for the consumer when its buffer is full (or gone: a download cancelled).
          if (!out.write(columns.map((c) => neutraliseCell(c.value(r))))) await drainedOrClosed(out);
          if (out.destroyed) return;
        }
      }
      out.end();
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return out;
}
