// Reading an untrusted spreadsheet, a row at a time, in bounded memory: CSV (any common delimiter; UTF-8 with or
// without a BOM, UTF-16 with a BOM, Windows-1252 when the bytes are not UTF-8) through csv-parse's stream, and XLSX
// through exceljs' streaming reader after the zip has been checked here (yauzl) for bombs and tricks.
// Nothing in a file is ever evaluated: formula cells are refused, not calculated.
import fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import ExcelJS from 'exceljs';
import yauzl from 'yauzl';
import { AppError } from '../../platform/errors';

export const LIMITS = {
  /** The largest file accepted (a million-row register is about 100 MiB as CSV). */
  maxFileBytes: 512 * 1024 * 1024,
  maxColumns: 200,
  /** A cell longer than this is a row error. */
  maxCellChars: 32 * 1024,
  /** A CSV field longer than this stops the read (memory guard: the parser would otherwise buffer it whole). */
  maxCsvFieldChars: 1024 * 1024,
  /** Rows before the heading row that may be blank or a title. */
  maxLeadingRows: 20,
  zip: {
    maxEntries: 2000,
    /** What the entries may inflate to, in total (a million-row sheet is about 400 MiB of XML). */
    maxUncompressedBytes: 1536 * 1024 * 1024,
    /** Compression ratio beyond which a large entry is taken for a zip bomb (real sheets compress 5–30×). */
    maxRatio: 200,
    ratioCheckAboveBytes: 4 * 1024 * 1024,
  },
};

/** A file Sightline cannot read as a spreadsheet: the message says why, for a person. */
export class FileError extends AppError {
  constructor(message: string) {
    super(422, 'bad_file', message, { file: message });
  }
}

export type CellValue = string | number | boolean | Date | null;

export interface RawRow {
  /** The spreadsheet's row number (the heading row of a CSV is row 1). */
  row: number;
  cells: CellValue[];
  /** Problems the reader found in single cells (formula, too long), by column index. */
  cellErrors: { col: number; reason: string }[] | null;
}

export interface SheetInfo {
  format: 'csv' | 'xlsx';
  encoding: string | null;
  delimiter: string | null;
  sheet: string | null;
  sheets: string[];
}

export interface OpenOptions {
  sheet?: string | null;
  /** Decided by an earlier read of the same file, so a second read sees exactly the same rows. */
  encoding?: string | null;
  delimiter?: string | null;
}

export interface OpenedSheet {
  info: SheetInfo;
  headings: string[];
  headingRow: number;
  rows: AsyncGenerator<RawRow>;
}

const HEAD_BYTES = 64 * 1024;

function readHead(file: string): { head: Buffer; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e: any) {
    throw new FileError(e?.code === 'ENOENT' ? `There is no file at ${file}` : `The file cannot be read (${e?.code ?? e})`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
    fs.readSync(fd, head, 0, head.length, 0);
    return { head, size };
  } finally {
    fs.closeSync(fd);
  }
}

const starts = (b: Buffer, sig: number[] | string) => {
  const s = typeof sig === 'string' ? Buffer.from(sig, 'latin1') : Buffer.from(sig);
  return b.length >= s.length && b.subarray(0, s.length).equals(s);
};

type Kind = { kind: 'xlsx' } | { kind: 'csv'; bom: 'utf8' | 'utf16le' | 'utf16be' | null };

/** Decides from the first bytes whether this is a workbook, text, or something else (refused, saying what it is). */
function sniff(head: Buffer, size: number): Kind {
  if (size === 0) throw new FileError('The file is empty');
  if (size > LIMITS.maxFileBytes) throw new FileError(`The file is ${Math.round(size / 2 ** 20)} MiB; the largest Sightline imports is ${LIMITS.maxFileBytes / 2 ** 20} MiB. Split it into smaller files`);
  if (starts(head, 'PK\x03\x04')) return { kind: 'xlsx' };
  if (starts(head, 'PK\x05\x06')) throw new FileError('The file is an empty zip archive, not a spreadsheet');
  const what: [number[] | string, string][] = [
    ['%PDF-', 'a PDF document'], [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'], [[0xff, 0xd8, 0xff], 'a JPEG image'], ['GIF8', 'a GIF image'],
    [[0x1f, 0x8b], 'a gzip archive'], ['Rar!', 'a RAR archive'], [[0x37, 0x7a, 0xbc, 0xaf], 'a 7-Zip archive'], [[0x7f, 0x45, 0x4c, 0x46], 'a program'],
    ['{\\rtf', 'a rich text (RTF) document'],
  ];
  for (const [sig, label] of what) if (starts(head, sig)) throw new FileError(`The file is ${label}, not a spreadsheet. Upload a CSV or an Excel workbook (.xlsx)`);
  if (starts(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    throw new FileError('The file is an Excel 97–2003 workbook (.xls) or another old Office file. Open it in Excel and save it as .xlsx or CSV (UTF-8)');
  }
  if (starts(head, [0xef, 0xbb, 0xbf])) return { kind: 'csv', bom: 'utf8' };
  if (starts(head, [0xff, 0xfe])) return { kind: 'csv', bom: 'utf16le' };
  if (starts(head, [0xfe, 0xff])) return { kind: 'csv', bom: 'utf16be' };
  const zeros = head.reduce((n, b) => n + (b === 0 ? 1 : 0), 0);
  if (zeros > 0) {
    // Text in UTF-16 has a zero in every other byte when it is mostly Latin letters.
    if (zeros > head.length / 4) throw new FileError('The file looks like UTF-16 text without a byte-order mark, which cannot be read reliably. Save it as “CSV UTF-8” and try again');
    throw new FileError('The file contains binary data: it is not a spreadsheet. Upload a CSV or an Excel workbook (.xlsx)');
  }
  if (/^\s*<(!doctype|html|\?xml|svg)/i.test(head.subarray(0, 200).toString('latin1'))) {
    throw new FileError('The file is a web page or XML document, not a spreadsheet. Upload a CSV or an Excel workbook (.xlsx)');
  }
  return { kind: 'csv', bom: null };
}

// ---- CSV ------------------------------------------------------------------------------------------------------

class NotUtf8 extends Error {}

/** Where an incomplete UTF-8 sequence at the end of a chunk starts (it is carried into the next chunk). */
function utf8Cut(buf: Buffer): number {
  for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
    const b = buf[i];
    if ((b & 0xc0) === 0x80) continue;
    if (b < 0xc0) return buf.length;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return buf.length - i < need ? i : buf.length;
  }
  return buf.length;
}

// C0 controls other than tab, LF and CR, and C1 controls: never in a register, always a sign of the wrong encoding.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/**
 * Turns the file's bytes into UTF-8 for the parser. UTF-8 passes through unchanged after a (native) validity check;
 * other encodings are decoded and re-encoded. Invalid UTF-8 throws NotUtf8, so the caller can retry as Windows-1252.
 */
class ToUtf8 extends Transform {
  private carry: Buffer | null = null;
  private decoder: TextDecoder | null;
  private seen = 0;
  constructor(private encoding: string) {
    super();
    this.decoder = encoding === 'utf-8' ? null : new TextDecoder(encoding);
  }

  _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    try {
      if (!this.decoder) {
        const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
        const cut = utf8Cut(buf);
        const body = buf.subarray(0, cut);
        if (!isUtf8(body)) throw new NotUtf8();
        this.carry = cut < buf.length ? Buffer.from(buf.subarray(cut)) : null;
        this.check(body.toString('latin1'), body.length);
        cb(null, body);
      } else {
        const text = this.decoder.decode(chunk, { stream: true });
        this.check(text, chunk.length);
        cb(null, Buffer.from(text, 'utf8'));
      }
    } catch (e) {
      cb(e as Error);
    }
  }

  _flush(cb: TransformCallback) {
    if (this.carry) return cb(this.decoder ? null : new NotUtf8());
    if (this.decoder) {
      const rest = this.decoder.decode();
      if (rest) this.push(Buffer.from(rest, 'utf8'));
    }
    cb();
  }

  /** Control characters mean the bytes were not text in this encoding (or not text at all). */
  private check(text: string, bytes: number) {
    // For UTF-8 passed through, multi-byte characters read as latin1 are >= 0x80, so only C0 controls are looked for.
    const m = this.decoder ? CONTROL.exec(text) : /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(text);
    if (m) {
      throw new FileError(`The file is not text Sightline can read (it has a control character, code ${m[0].charCodeAt(0)}, near byte ${this.seen + m.index}). `
        + 'Save it as “CSV UTF-8” or as an Excel workbook (.xlsx)');
    }
    this.seen += bytes;
  }
}

const DELIMITERS = [',', ';', '\t', '|'];

/** The delimiter that splits the first lines into the same number (> 1) of fields, quotes respected. */
export function sniffDelimiter(sample: string): string {
  const lines: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of sample) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === '\n' || ch === '\r')) {
      if (cur.trim()) lines.push(cur);
      cur = '';
      if (lines.length >= 20) break;
      continue;
    }
    cur += ch;
  }
  if (cur.trim() && lines.length < 20) lines.push(cur);
  let best = ',';
  let bestScore = -1;
  for (const d of DELIMITERS) {
    const counts = lines.map((l) => {
      let n = 0;
      let q = false;
      for (const ch of l) { if (ch === '"') q = !q; else if (ch === d && !q) n++; }
      return n;
    });
    if (!counts.length || counts[0] === 0) continue;
    // Lines agreeing with the heading line's count, weighted by how many fields that makes.
    const agree = counts.filter((c) => c === counts[0]).length / counts.length;
    const score = agree * 1000 + counts[0];
    if (score > bestScore) { bestScore = score; best = d; }
  }
  return best;
}

function csvRows(file: string, encoding: string, delimiter: string, bom: Kind & { kind: 'csv' }): AsyncGenerator<RawRow> {
  const source = fs.createReadStream(file, { highWaterMark: 256 * 1024, start: bom.bom === 'utf16le' || bom.bom === 'utf16be' ? 2 : 0 });
  const toUtf8 = new ToUtf8(encoding);
  const parser = parseCsv({
    delimiter, bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false,
    max_record_size: LIMITS.maxCsvFieldChars, record_delimiter: ['\r\n', '\n', '\r'],
  });
  source.on('error', (e) => parser.destroy(e));
  toUtf8.on('error', (e) => parser.destroy(e));
  source.pipe(toUtf8).pipe(parser);
  return (async function* () {
    let row = 0;
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        row++;
        let cellErrors: RawRow['cellErrors'] = null;
        for (let c = 0; c < record.length; c++) {
          if (record[c].length > LIMITS.maxCellChars) {
            (cellErrors ??= []).push({ col: c, reason: `The cell has ${record[c].length.toLocaleString('en-GB')} characters; at most ${LIMITS.maxCellChars.toLocaleString('en-GB')} are accepted` });
            record[c] = '';
          }
        }
        yield { row, cells: record, cellErrors };
      }
    } catch (e: any) {
      if (e instanceof NotUtf8 || e instanceof FileError) throw e;
      if (e?.code === 'CSV_MAX_RECORD_SIZE') {
        throw new FileError(`Row ${row + 1} has a cell larger than ${LIMITS.maxCsvFieldChars / 1024 / 1024} MiB (or an unclosed quote that runs on through the file); nothing was imported`);
      }
      if (typeof e?.code === 'string' && e.code.startsWith('CSV_')) throw new FileError(`The CSV cannot be read at row ${row + 1}: ${e.message}`);
      throw e;
    } finally {
      source.destroy();
    }
  })();
}

async function openCsv(file: string, kind: Kind & { kind: 'csv' }, head: Buffer, opts: OpenOptions): Promise<{ info: SheetInfo; rows: AsyncGenerator<RawRow> }> {
  let encoding = opts.encoding ?? (kind.bom === 'utf16le' ? 'utf-16le' : kind.bom === 'utf16be' ? 'utf-16be' : 'utf-8');
  if (!opts.encoding && encoding === 'utf-8') {
    // The head decides for most files; a file that turns out not to be UTF-8 further on is re-read (see readSheet).
    // When the head is the whole file, a sequence cut short at its end is not UTF-8 (fuzzing found a one-byte
    // file, 0xC0, that passed here and failed at the end of the read: a 500).
    const cut = head.length < HEAD_BYTES ? head.length : utf8Cut(head);
    if (!isUtf8(head.subarray(0, cut))) encoding = 'windows-1252';
  }
  const sample = new TextDecoder(encoding).decode(head);
  const delimiter = opts.delimiter ?? sniffDelimiter(sample.replace(/^\uFEFF/, ''));
  return { info: { format: 'csv', encoding, delimiter, sheet: null, sheets: [] }, rows: csvRows(file, encoding, delimiter, kind) };
}

// ---- XLSX -----------------------------------------------------------------------------------------------------

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false }, (err, zip) => (err ? reject(err) : resolve(zip!))));
}

/**
 * Checks the zip's central directory before exceljs touches it: entry count, declared sizes and ratios, that the
 * entries sit one after another with nothing hidden between them (a streaming unzipper reads local headers, which
 * could otherwise differ from the directory checked here), and that each entry really inflates to its declared size.
 * Returns the sheet names of the workbook.
 */
export async function inspectWorkbookZip(file: string): Promise<string[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file);
  } catch (e: any) {
    throw new FileError(`The file starts like an Excel workbook (a zip file) but it is damaged: ${e?.message ?? e}`);
  }
  const entries: yauzl.Entry[] = [];
  const centralDirectory = (zip as unknown as { readEntryCursor?: number }).readEntryCursor;
  try {
    if (zip.entryCount > LIMITS.zip.maxEntries) throw new FileError(`The workbook holds ${zip.entryCount} files inside; a spreadsheet has a few dozen. It was refused`);
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => { entries.push(e); zip.readEntry(); });
      zip.on('end', resolve);
      zip.on('error', reject);
      zip.readEntry();
    }).catch((e) => { throw e instanceof FileError ? e : new FileError(`The workbook is damaged: ${e?.message ?? e}`); });
    let total = 0;
    for (const e of entries) {
      if (e.generalPurposeBitFlag & 1) throw new FileError('The workbook is encrypted (password-protected). Remove the password in Excel and save it again');
      if (e.compressionMethod !== 0 && e.compressionMethod !== 8) throw new FileError(`The workbook uses a compression method (${e.compressionMethod}) that Excel does not write; it was refused`);
      total += e.uncompressedSize;
      const ratio = e.uncompressedSize / Math.max(1, e.compressedSize);
      if (total > LIMITS.zip.maxUncompressedBytes || (e.uncompressedSize > LIMITS.zip.ratioCheckAboveBytes && ratio > LIMITS.zip.maxRatio)) {
        throw new FileError(`The workbook would expand to ${total > LIMITS.zip.maxUncompressedBytes ? 'more than ' + LIMITS.zip.maxUncompressedBytes / 2 ** 20 + ' MiB' : `${Math.round(e.uncompressedSize / 2 ** 20)} MiB from ${Math.max(1, Math.round(e.compressedSize / 1024))} KiB`} (a “zip bomb”); it was refused`);
      }
    }
    const names = new Set(entries.map((e) => e.fileName));
    if (!names.has('xl/workbook.xml')) {
      const what = names.has('word/document.xml') ? 'a Word document' : names.has('ppt/presentation.xml') ? 'a PowerPoint presentation' : names.has('mimetype') ? 'an OpenDocument file' : 'a zip archive';
      throw new FileError(`The file is ${what}, not an Excel workbook. Upload a CSV or an Excel workbook (.xlsx)`);
    }
    // Entries must follow one another from the start of the file up to the central directory.
    const sorted = [...entries].sort((a, b) => a.relativeOffsetOfLocalHeader - b.relativeOffsetOfLocalHeader);
    let expected = 0;
    for (const e of sorted) {
      if (e.relativeOffsetOfLocalHeader < expected || e.relativeOffsetOfLocalHeader - expected > 24) throw new FileError('The workbook’s zip structure has overlapping or hidden parts; it was refused');
      const { fileDataStart } = await zip.readLocalFileHeaderPromise(e, { minimal: true });
      expected = fileDataStart + e.compressedSize;
    }
    if (centralDirectory !== undefined && (centralDirectory < expected || centralDirectory - expected > 24)) throw new FileError('The workbook’s zip structure has hidden parts; it was refused');
    // Inflate every entry once, counting: yauzl stops at once if one produces more than it declared. The XML parts
    // are scanned on the way for what the workbook reader would choke on (a 500 before this check).
    for (const e of entries) {
      if (e.fileName.endsWith('/')) continue;
      const stream = await zip.openReadStreamPromise(e);
      const scan = /\.(xml|rels)$/i.test(e.fileName) ? xmlScanner(e.fileName) : null;
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => {
          try { scan?.(chunk); } catch (err) { stream.destroy(); reject(err); }
        });
        stream.on('end', resolve);
        stream.on('error', (err) => reject(new FileError(`The workbook is damaged or disguised (“${e.fileName}”: ${err.message}); it was refused`)));
      });
    }
    const workbookXml = entries.find((e) => e.fileName === 'xl/workbook.xml')!;
    if (workbookXml.uncompressedSize > 4 * 1024 * 1024) throw new FileError('The workbook’s list of sheets is unreasonably large; it was refused');
    const chunks: Buffer[] = [];
    const ws = await zip.openReadStreamPromise(workbookXml);
    for await (const c of ws) chunks.push(c as Buffer);
    const xml = Buffer.concat(chunks).toString('utf8');
    return [...xml.matchAll(/<(?:\w+:)?sheet\b[^>]*\bname="([^"]*)"/g)].map((m) => decodeXml(m[1]));
  } catch (e: any) {
    // yauzl's own errors (a local header that does not match the directory, found by fuzzing) are a damaged file.
    if (e instanceof FileError) throw e;
    throw new FileError(`The workbook is damaged: ${String(e?.message ?? e).slice(0, 200)}`);
  } finally {
    zip.close();
  }
}

/**
 * Checks one XML part of a workbook as it streams past: no DTD (Excel never writes one; its entities can expand
 * without bound or reach outside the file), and in a sheet, every cell carries its reference (r="B7"), which the
 * workbook reader needs. Throws a FileError naming the part.
 */
function xmlScanner(part: string): (chunk: Buffer) => void {
  const sheet = /^xl\/worksheets\/[^/]+\.xml$/i.test(part);
  let tail = '';
  return (chunk) => {
    const text = tail + chunk.toString('latin1');
    if (/<!(DOCTYPE|ENTITY)/i.test(text)) throw new FileError(`The workbook part “${part}” contains a DTD (<!DOCTYPE or <!ENTITY); spreadsheet programs never write one, so the file was refused`);
    if (sheet) {
      const cell = /<(?:\w+:)?c(?=[\s>/])[^>]*>/g;
      for (let m; (m = cell.exec(text)); ) {
        if (!/\sr\s*=/.test(m[0])) throw new FileError(`The sheet “${part}” has a cell without a reference (r="A1"), so it cannot be read; open it in a spreadsheet program and save it again`);
      }
    }
    // Keep an unfinished tag (bounded) for the next chunk, so nothing is missed at a boundary.
    const open = text.lastIndexOf('<');
    tail = open >= 0 && text.indexOf('>', open) < 0 ? text.slice(Math.max(open, text.length - 4096)) : '';
  };
}

const decodeXml = (s: string) => s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e]);

/** A cell's value as import sees it; formulas and error values are problems to report, never evaluated. */
function xlsxCell(v: ExcelJS.CellValue): { value: CellValue; problem?: string } {
  if (v === null || v === undefined) return { value: null };
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return { value: v };
  const o = v as unknown as Record<string, unknown>;
  if ('formula' in o || 'sharedFormula' in o) {
    const f = String(o.formula ?? o.sharedFormula ?? '').slice(0, 60);
    return { value: null, problem: `The cell holds a formula (=${f}); Sightline does not calculate formulas. Replace it with its value (copy, then Paste Values) and import again` };
  }
  if ('error' in o) return { value: null, problem: `The cell shows the spreadsheet error ${String(o.error)}` };
  if ('richText' in o && Array.isArray(o.richText)) return { value: (o.richText as { text: string }[]).map((r) => r.text).join('') };
  if ('text' in o) return { value: typeof o.text === 'string' ? o.text : xlsxCell(o.text as ExcelJS.CellValue).value };
  return { value: null, problem: 'The cell holds a kind of value Sightline cannot read' };
}

async function openXlsx(file: string, opts: OpenOptions): Promise<{ info: SheetInfo; rows: AsyncGenerator<RawRow> }> {
  const sheets = await inspectWorkbookZip(file);
  if (!sheets.length) throw new FileError('The workbook has no sheets');
  let wanted = 0;
  if (opts.sheet) {
    wanted = sheets.findIndex((s) => s === opts.sheet);
    if (wanted < 0) wanted = sheets.findIndex((s) => s.trim().toLowerCase() === opts.sheet!.trim().toLowerCase());
    if (wanted < 0) throw new FileError(`The workbook has no sheet called “${opts.sheet}”. Its sheets are: ${sheets.map((s) => `“${s}”`).join(', ')}`);
  }
  const sheetName = sheets[wanted];
  const rows = (async function* () {
    const input = fs.createReadStream(file);
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
      worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', entries: 'ignore',
    } as any);
    try {
      for await (const sheet of reader as AsyncIterable<any>) {
        if (sheet.name !== sheetName) {
          // Skipping a sheet still has to read through it (the zip is one stream).
          for await (const _ of sheet) { /* skip */ }
          continue;
        }
        for await (const r of sheet as AsyncIterable<ExcelJS.Row>) {
          const values = r.values as ExcelJS.CellValue[];
          const width = Math.max(0, values.length - 1);
          if (width > 16_384) throw new FileError(`Row ${r.number} is wider than a spreadsheet can be; the file is damaged`);
          const cells: CellValue[] = new Array(width).fill(null);
          let cellErrors: RawRow['cellErrors'] = null;
          for (let c = 1; c < values.length; c++) {
            const { value, problem } = xlsxCell(values[c]);
            if (problem) (cellErrors ??= []).push({ col: c - 1, reason: problem });
            if (typeof value === 'string' && value.length > LIMITS.maxCellChars) {
              (cellErrors ??= []).push({ col: c - 1, reason: `The cell has ${value.length.toLocaleString('en-GB')} characters; at most ${LIMITS.maxCellChars.toLocaleString('en-GB')} are accepted` });
              continue;
            }
            cells[c - 1] = value;
          }
          yield { row: r.number, cells, cellErrors };
        }
        return; // the chosen sheet is done: the rest of the workbook is not read
      }
    } catch (e: any) {
      // Whatever else the workbook reader trips on is the file's fault: say so rather than answer 500.
      if (e instanceof AppError) throw e;
      throw new FileError(`The sheet “${sheetName}” could not be read; the workbook is damaged (${String(e?.message ?? e).slice(0, 200)}). Open it in a spreadsheet program and save it again`);
    } finally {
      input.destroy();
    }
  })();
  return { info: { format: 'xlsx', encoding: null, delimiter: null, sheet: sheetName, sheets }, rows };
}

// ---- both -----------------------------------------------------------------------------------------------------

export const cellText = (v: CellValue): string => {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10);
  return String(v);
};

const isBlank = (cells: CellValue[]) => cells.every((c) => c === null || (typeof c === 'string' && c.trim() === ''));

/**
 * Opens a spreadsheet for reading: finds the heading row (the first with two or more filled cells, so a title
 * line above the table is skipped), checks the number of columns, and returns the data rows that follow it.
 */
async function openOnce(file: string, opts: OpenOptions): Promise<OpenedSheet> {
  const { head, size } = readHead(file);
  const kind = sniff(head, size);
  const { info, rows } = kind.kind === 'xlsx' ? await openXlsx(file, opts) : await openCsv(file, kind, head, opts);
  let headings: string[] | null = null;
  let headingRow = 0;
  let seen = 0;
  let first: IteratorResult<RawRow>;
  while (!(first = await rows.next()).done) {
    const r = first.value;
    if (r.cells.length > LIMITS.maxColumns && r.cells.slice(LIMITS.maxColumns).some((c) => c !== null && cellText(c).trim() !== '')) {
      await rows.return(undefined);
      throw new FileError(`Row ${r.row} has ${r.cells.length.toLocaleString('en-GB')} columns; Sightline imports at most ${LIMITS.maxColumns}. Remove the columns you do not need`);
    }
    if (r.cells.filter((c) => cellText(c).trim() !== '').length >= 2) {
      headings = r.cells.map((c) => cellText(c).trim());
      while (headings.length && headings[headings.length - 1] === '') headings.pop();
      headingRow = r.row;
      break;
    }
    if (++seen >= LIMITS.maxLeadingRows) break;
  }
  if (!headings) {
    await rows.return(undefined);
    throw new FileError(info.format === 'xlsx' ? `The sheet “${info.sheet}” has no heading row (a row with at least two column names)` : 'The file has no heading row (a row with at least two column names)');
  }
  const width = headings.length;
  async function* data(): AsyncGenerator<RawRow> {
    for await (const r of rows) {
      if (isBlank(r.cells)) continue;
      if (r.cells.length > width) {
        const extra = r.cells.slice(width);
        if (extra.some((c) => cellText(c).trim() !== '')) {
          if (r.cells.length > LIMITS.maxColumns) throw new FileError(`Row ${r.row} has ${r.cells.length.toLocaleString('en-GB')} columns; Sightline imports at most ${LIMITS.maxColumns}. Remove the columns you do not need`);
          r.cellErrors = [...(r.cellErrors ?? []), { col: width, reason: `The row has values beyond the last heading (${r.cells.length} cells, ${width} headings)` }];
        }
        r.cells.length = width;
      }
      yield r;
    }
  }
  return { info, headings, headingRow, rows: data() };
}

/**
 * Reads a spreadsheet. A CSV whose first 64 KiB are UTF-8 but which has other bytes further on is Windows-1252
 * after all: the read that meets them fails with NotUtf8 (see isNotUtf8), and the caller reads it again as such.
 */
export async function openSheet(file: string, opts: OpenOptions = {}): Promise<OpenedSheet> {
  return openOnce(file, opts);
}

export function isNotUtf8(e: unknown): boolean {
  return e instanceof NotUtf8;
}
