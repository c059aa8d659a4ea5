import { stringify } from 'csv-stringify';
import { Readable } from 'node:stream';

/**
 * A spreadsheet executes a cell that starts with = + - @ (or a tab or carriage return before them).
 * Such cells get a leading apostrophe so they open as text (OWASP CSV injection guidance).
 */
export function neutraliseCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** Streams rows from async batches as CSV with a header row and a BOM, so Excel opens UTF-8 correctly. */
export function csvStream<T>(columns: { header: string; value: (row: T) => unknown }[], batches: AsyncIterable<T[]>): Readable {
  const out = stringify({ bom: true, record_delimiter: 'windows' });
  out.write(columns.map((c) => c.header));
  (async () => {
    try {
      for await (const rows of batches) {
        for (const r of rows) {
          // Respect back-pressure: wait for the consumer when its buffer is full.
          if (!out.write(columns.map((c) => neutraliseCell(c.value(r))))) await new Promise((res) => out.once('drain', res));
        }
      }
      out.end();
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return out;
}
