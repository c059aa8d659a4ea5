import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { csvStream, neutraliseCell, STREAM_CHUNK } from '../../platform/csv';

/**
 * One column of an export. `type` decides how XLSX stores the cell: text (neutralised against formula
 * injection), a number, a date (YYYY-MM-DD text in the database) or a date-time (ISO-8601 text).
 * CSV writes every cell as text (neutralised); JSON does not use columns at all and stays raw.
 */
export interface ExportColumn<T> {
  header: string;
  type?: 'text' | 'number' | 'date' | 'datetime';
  width?: number;
  value: (row: T) => string | number | boolean | null | undefined;
}

import type { ExportFormat } from './schemas';
export { EXPORT_FORMATS, type ExportFormat } from './schemas';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  json: 'application/json; charset=utf-8',
};

/**
 * Pulls the next batch while the current one is being written, so the database and the writer work at the same
 * time (at most two batches are held). Between batches it gives the event loop a turn: SQLite answers
 * synchronously and a fast reader drains through callbacks, so without it a long export would keep every other
 * request waiting.
 */
export async function* prefetch<T>(batches: AsyncIterable<T>): AsyncGenerator<T> {
  const it = batches[Symbol.asyncIterator]();
  let pending = it.next();
  try {
    for (;;) {
      const r = await pending;
      if (r.done) return;
      pending = it.next();
      // A failed prefetch must not become an unhandled rejection if the consumer stops early.
      pending.catch(() => undefined);
      yield r.value;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    // The consumer stopped early (a cancelled download): end the source too, so it releases what it holds.
    it.return?.().catch(() => undefined);
  }
}

/** CSV with a BOM and CRLF, every cell neutralised: the shared writer (platform/csv.ts), one batch read ahead. */
export function writeCsv<T>(columns: ExportColumn<T>[], batches: AsyncIterable<T[]>): Readable {
  return csvStream(columns, prefetch(batches));
}

/** JSON: one array of raw objects, written in chunks like CSV; nothing is neutralised (JSON does not execute). */
export function writeJson<T>(toJson: (row: T) => unknown, batches: AsyncIterable<T[]>): Readable {
  async function* chunks() {
    let out = '[';
    let sep = '\n';
    for await (const rows of prefetch(batches)) {
      for (const r of rows) {
        out += sep + JSON.stringify(toJson(r));
        sep = ',\n';
        if (out.length >= STREAM_CHUNK) { yield out; out = ''; }
      }
    }
    yield `${out}\n]\n`;
  }
  // Readable.from pulls a chunk only when the consumer asks for one: back-pressure all the way to the database.
  return Readable.from(chunks(), { objectMode: false });
}

const DATE_FORMATS = { date: 'yyyy-mm-dd', datetime: 'yyyy-mm-dd hh:mm:ss' } as const;

/** A cell value for XLSX: text neutralised, numbers as numbers, dates as real (UTC) dates. */
function xlsxCell(type: ExportColumn<unknown>['type'], v: unknown): ExcelJS.CellValue {
  if (v === null || v === undefined || v === '') return null;
  if (type === 'number') return typeof v === 'number' ? v : Number.isFinite(Number(v)) ? Number(v) : neutraliseCell(v);
  if (type === 'date' || type === 'datetime') {
    const d = new Date(type === 'date' ? `${v}T00:00:00Z` : String(v));
    return Number.isNaN(d.getTime()) ? neutraliseCell(v) : d;
  }
  if (typeof v === 'boolean') return v;
  return neutraliseCell(v);
}

/**
 * XLSX through exceljs' streaming writer: rows are committed as they are added, strings are inline (no shared
 * string table growing with the file). Between batches the writer waits for the zip stream to catch up, so a
 * slow reader holds the export back instead of the export piling up in memory.
 */
export function writeXlsx<T>(columns: ExportColumn<T>[], batches: AsyncIterable<T[]>, sheetName: string): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = 'Sightline';
  const sheet = wb.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c, i) => ({
    key: String(i), width: c.width ?? Math.min(40, Math.max(10, c.header.length + 2)),
    style: c.type === 'date' || c.type === 'datetime' ? { numFmt: DATE_FORMATS[c.type] } : {},
  }));
  // The header row is written by hand (not from `columns`) so that it is plain bold text, neutralised like the rest.
  const header = sheet.addRow(columns.map((c) => neutraliseCell(c.header)));
  header.font = { bold: true };
  header.commit();
  // exceljs writes the sheet's XML into its own buffer stream, which pushes into archiver's input without waiting
  // (it ignores write()'s answer), so that input grows without limit if rows come faster than they are
  // compressed and read. Its buffered bytes are the measure of lag; rows wait while it is over a few MiB.
  // (That input is a readable-stream 2 PassThrough, which has no writableLength: its states' lengths are read.)
  type StreamState = { _writableState?: { length: number }; _readableState?: { length: number } };
  const sheetStream = (sheet as unknown as { stream?: { pipes?: StreamState[] } }).stream;
  const pending = () => (sheetStream?.pipes ?? []).reduce((n, p) => n + (p._writableState?.length ?? 0) + (p._readableState?.length ?? 0), 0);
  const lagging = () => pending() > 4 << 20 || out.readableLength >= out.readableHighWaterMark;
  const caughtUp = () => new Promise<void>((resolve) => {
    const check = () => (lagging() && !out.destroyed ? setTimeout(check, 2) : resolve());
    check();
  });
  (async () => {
    try {
      for await (const rows of prefetch(batches)) {
        for (const r of rows) sheet.addRow(columns.map((c) => xlsxCell(c.type, c.value(r)))).commit();
        await caughtUp();
        if (out.destroyed) return; // the reader went away (a cancelled download): stop reading the database
      }
      sheet.commit();
      await wb.commit();
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return out;
}
