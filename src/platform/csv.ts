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

/**
 * A CSV cell needs quotes only if it holds the quote itself, the delimiter or a line break (RFC 4180). Every line
 * break counts: csv-stringify, with CRLF records, left a lone CR or LF unquoted, which spreadsheets read as the end
 * of the row (a visit's notes on two lines broke the maintenance log).
 */
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV cell: neutralised first (the apostrophe is part of the text), then quoted only when it must be. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined || v === '') return '';
  const s = neutraliseCell(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV record with its CRLF. */
export function csvLine(cells: readonly unknown[]): string {
  let line = cells.length ? csvCell(cells[0]) : '';
  for (let i = 1; i < cells.length; i++) line += `,${csvCell(cells[i])}`;
  return `${line}\r\n`;
}

/** The byte order mark that makes Excel read a CSV as UTF-8. */
const BOM = '\ufeff';

/** A small CSV whole, in memory: BOM, CRLF records, every cell neutralised. */
export function csvText(rows: readonly (readonly unknown[])[]): string {
  return BOM + rows.map(csvLine).join('');
}

/**
 * Characters gathered into one chunk before a streamed export hands them on: a stream write per ~64 KiB, not per
 * row, and below V8's large-object size so each chunk dies young (1 MiB chunks were no faster and peaked 100 MiB
 * higher on a million-row export).
 */
export const STREAM_CHUNK = 1 << 16;

/**
 * Streams rows from async batches as CSV with a header row and a BOM (the one CSV writer: exports, the FOI answer,
 * an import's error list). Lines are built here and go out many at a time: a stream write per row cost more than
 * reading the row. Readable.from asks for the next chunk only when the reader has taken the last one, so
 * back-pressure reaches the source (and a cancelled download stops it).
 */
export function csvStream<T>(columns: { header: string; value: (row: T) => unknown }[], batches: AsyncIterable<T[]>): Readable {
  async function* chunks() {
    let out = BOM + csvLine(columns.map((c) => c.header));
    const cells = new Array<unknown>(columns.length);
    for await (const rows of batches) {
      for (const r of rows) {
        for (let i = 0; i < columns.length; i++) cells[i] = columns[i].value(r);
        out += csvLine(cells);
        if (out.length >= STREAM_CHUNK) { yield out; out = ''; }
      }
    }
    yield out;
  }
  return Readable.from(chunks(), { objectMode: false });
}
