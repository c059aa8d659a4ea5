import yauzl from 'yauzl';

// What an uploaded file really is, decided from its bytes: the name and the type the browser declared are
// whatever the uploader chose, so neither is trusted. Only formats that are useful as evidence and cannot run
// script in a browser are accepted; everything else is refused with a message that says why.

export interface FileType { mime: string; ext: string; label: string }

export type Sniffed = { ok: true; type: FileType } | { ok: false; reason: string };

export const FILE_TYPES = {
  pdf: { mime: 'application/pdf', ext: 'pdf', label: 'PDF' },
  png: { mime: 'image/png', ext: 'png', label: 'PNG image' },
  jpeg: { mime: 'image/jpeg', ext: 'jpg', label: 'JPEG image' },
  gif: { mime: 'image/gif', ext: 'gif', label: 'GIF image' },
  webp: { mime: 'image/webp', ext: 'webp', label: 'WebP image' },
  docx: { mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', ext: 'docx', label: 'Word document' },
  xlsx: { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ext: 'xlsx', label: 'Excel workbook' },
  odt: { mime: 'application/vnd.oasis.opendocument.text', ext: 'odt', label: 'OpenDocument text' },
  csv: { mime: 'text/csv', ext: 'csv', label: 'CSV' },
  text: { mime: 'text/plain', ext: 'txt', label: 'Plain text' },
} as const satisfies Record<string, FileType>;

export const ACCEPTED_TYPES_TEXT = 'PDF, PNG, JPEG, GIF, WebP, Word (.docx), Excel (.xlsx), OpenDocument text (.odt), plain text or CSV';

const refuse = (reason: string): Sniffed => ({ ok: false, reason });
const accept = (type: FileType): Sniffed => ({ ok: true, type });
const startsWith = (data: Buffer, bytes: number[] | string, at = 0) => {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  return data.length >= at + b.length && data.subarray(at, at + b.length).equals(b);
};

const SCRIPT_RISK = 'The file is a web page, SVG image or script, which could run code when opened. Save it as a PDF or PNG instead';

export async function sniffFileType(data: Buffer): Promise<Sniffed> {
  if (data.length === 0) return refuse('The selected file is empty');

  // Programs first: some of them ("MZ", "#!") would otherwise pass as text.
  // "MZ" also starts ordinary sentences; a DOS/Windows program has binary (NUL) bytes in its header.
  const windowsProgram = startsWith(data, 'MZ') && data.subarray(0, 512).includes(0);
  if (windowsProgram || startsWith(data, [0x7f, 0x45, 0x4c, 0x46])
    || [[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe], [0xca, 0xfe, 0xba, 0xbe]].some((m) => startsWith(data, m))) {
    return refuse('The file is a program (an executable), which Sightline does not store');
  }
  if (startsWith(data, '#!')) return refuse('The file is a script, which Sightline does not store');

  if (startsWith(data, '%PDF-')) return accept(FILE_TYPES.pdf);
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return accept(FILE_TYPES.png);
  if (startsWith(data, [0xff, 0xd8, 0xff])) return accept(FILE_TYPES.jpeg);
  if (startsWith(data, 'GIF87a') || startsWith(data, 'GIF89a')) return accept(FILE_TYPES.gif);
  if (startsWith(data, 'RIFF') && startsWith(data, 'WEBP', 8)) return accept(FILE_TYPES.webp);
  if (startsWith(data, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    return refuse('Older Word and Excel files (.doc, .xls) can carry macros. Save it as .docx, .xlsx or PDF and upload that');
  }
  if (startsWith(data, [0x50, 0x4b, 0x03, 0x04])) return sniffZip(data);
  return sniffText(data);
}

/** An OpenDocument file starts with an uncompressed "mimetype" entry naming its kind (ODF 1.2 part 3, 3.3). */
function openDocumentKind(data: Buffer): string | null {
  if (data.length < 30) return null;
  const nameLength = data.readUInt16LE(26);
  const extraLength = data.readUInt16LE(28);
  const method = data.readUInt16LE(8);
  const size = data.readUInt32LE(18);
  if (method !== 0 || nameLength !== 8 || data.toString('latin1', 30, 38) !== 'mimetype' || size > 100) return null;
  const start = 30 + nameLength + extraLength;
  return data.toString('latin1', start, Math.min(start + size, data.length));
}

const MAX_ZIP_ENTRIES = 20_000;

/** Entry names from the zip's central directory (nothing is decompressed, so zip bombs cost nothing). */
function zipEntryNames(data: Buffer): Promise<string[] | null> {
  return new Promise((resolve) => {
    yauzl.fromBuffer(data, { lazyEntries: true, validateEntrySizes: false, strictFileNames: false }, (err, zip) => {
      if (err || !zip) return resolve(null);
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        names.push(e.fileName);
        if (names.length >= MAX_ZIP_ENTRIES) { zip.close(); resolve(names); } else zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', () => resolve(null));
      zip.readEntry();
    });
  });
}

async function sniffZip(data: Buffer): Promise<Sniffed> {
  const names = await zipEntryNames(data);
  if (!names) return refuse('The file looks like a damaged zip archive');
  const has = (n: string) => names.includes(n);
  const odf = openDocumentKind(data);
  if (odf !== null) {
    if (odf !== FILE_TYPES.odt.mime) return refuse(`Only OpenDocument text (.odt) is accepted from the OpenDocument formats. Accepted: ${ACCEPTED_TYPES_TEXT}`);
    if (names.some((n) => n.startsWith('Basic/') || n.startsWith('Scripts/'))) return refuse('The document contains macros. Save a copy without macros and upload that');
    return accept(FILE_TYPES.odt);
  }
  if (has('[Content_Types].xml')) {
    if (names.some((n) => /(^|\/)vbaProject\.bin$/i.test(n))) return refuse('The document contains macros. Save it as .docx or .xlsx (without macros) and upload that');
    if (has('word/document.xml')) return accept(FILE_TYPES.docx);
    if (has('xl/workbook.xml')) return accept(FILE_TYPES.xlsx);
  }
  return refuse(`Zip archives are not accepted, only ${ACCEPTED_TYPES_TEXT}`);
}

// The patterns browsers use to decide that bytes are HTML (WHATWG MIME Sniffing, 7.1), plus SVG and XML,
// which can carry script too.
const MARKUP_START = /^<(!doctype\s+html|html|head|body|script|iframe|h1|div|font|table|a|style|title|b|br|p|svg|\?xml|!--)[\s>/]/i;
const MARKUP_ANYWHERE = /<(script|svg|html|iframe|object|embed)[\s>/]/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function sniffText(data: Buffer): Sniffed {
  let text: string;
  try { text = utf8.decode(data); } catch {
    return refuse(`The file type is not recognised. Upload a ${ACCEPTED_TYPES_TEXT} file`);
  }
  // Text files carry no control characters apart from tab, line feed, form feed and carriage return.
  if (/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text)) return refuse(`The file type is not recognised. Upload a ${ACCEPTED_TYPES_TEXT} file`);
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (MARKUP_START.test(head) || MARKUP_ANYWHERE.test(text)) return refuse(SCRIPT_RISK);
  return accept(looksLikeCsv(head) ? FILE_TYPES.csv : FILE_TYPES.text);
}

/** At least two lines, each splitting into the same number (two or more) of comma-separated fields. */
function looksLikeCsv(text: string): boolean {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 20);
  if (lines.length < 2) return false;
  const fields = (line: string) => line.replace(/"(?:[^"]|"")*"/g, '""').split(',').length;
  const n = fields(lines[0]);
  return n >= 2 && lines.every((l) => fields(l) === n);
}

// ---- file names -------------------------------------------------------------------------------------------

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
// Control characters, bidirectional overrides/isolates and invisible characters that can disguise a name
// ("invoice\u202Efdp.exe" shows as "invoiceexe.pdf").
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;
const MAX_NAME = 150;

/**
 * A name that is safe to show and to offer as a download: no directories, no control or direction-changing
 * characters, no characters Windows refuses, no reserved device names, and the extension of the type the
 * content really is ("photo.pdf" holding PNG bytes becomes "photo.png").
 */
export function safeFilename(name: string, type: FileType): string {
  let n = String(name ?? '').normalize('NFC').replace(UNSAFE_CHARS, '');
  n = n.split(/[/\\]/).pop() ?? '';
  n = n.replace(/[<>:"|?*]/g, '_').replace(/\s+/g, ' ').trim().replace(/^[.\s]+|[.\s]+$/g, '');
  const dot = n.lastIndexOf('.');
  let stem = dot > 0 ? n.slice(0, dot) : n;
  const ext = dot > 0 ? n.slice(dot + 1).toLowerCase() : '';
  stem = stem.replace(/[.\s]+$/, '');
  if (!stem) stem = 'document';
  if (WINDOWS_RESERVED.test(stem.split('.')[0])) stem = `_${stem}`;
  const sameKind = ext === type.ext || (type.ext === 'jpg' && ext === 'jpeg') || (type.ext === 'txt' && ['txt', 'text', 'log', 'md'].includes(ext));
  const finalExt = sameKind ? ext : type.ext;
  // Shortened by code points, so a multi-byte character is never cut in half.
  const chars = [...stem];
  if (chars.length + finalExt.length + 1 > MAX_NAME) stem = chars.slice(0, MAX_NAME - finalExt.length - 1).join('').trimEnd();
  return `${stem}.${finalExt}`;
}

/** Content-Disposition for a download: an ASCII fallback and the exact name in RFC 5987 / RFC 6266 form. */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]/g, '_').replace(/["\\%;]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
