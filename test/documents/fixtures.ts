import fs from 'node:fs';
import { crc32 } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { Agent } from '../helpers/app';

// Sample files of each kind, made from their real signatures, and a multipart encoder for app.inject.

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
export const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00', 'latin1')]);
export const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
export const GIF = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1');
export const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x1a, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);
export const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.from([0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00]), Buffer.from('This program cannot be run in DOS mode.')]);
export const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]);
export const HTML = Buffer.from('  <!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>');
export const SVG = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>');
export const CSV = Buffer.from('site,cameras,sign\r\n"Town Hall, East",4,yes\r\nDepot,2,no\r\n');
export const TEXT = Buffer.from('Annual review of the town centre CCTV.\nAll signs checked – café entrance sign replaced.\n');

/** A zip archive (entries stored, not compressed) with the given entries in order. */
export function zip(entries: [string, string | Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const nameBuf = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0, 6); local.writeUInt16LE(0, 8);
    local.writeUInt32LE(crc, 14); local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26); local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(0, 10);
    central.writeUInt32LE(crc, 16); central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export const DOCX = zip([['[Content_Types].xml', '<Types/>'], ['_rels/.rels', '<Relationships/>'], ['word/document.xml', '<w:document/>']]);
export const XLSX = zip([['[Content_Types].xml', '<Types/>'], ['xl/workbook.xml', '<workbook/>']]);
export const DOCM = zip([['[Content_Types].xml', '<Types/>'], ['word/document.xml', '<w:document/>'], ['word/vbaProject.bin', 'macro']]);
export const ODT = zip([['mimetype', 'application/vnd.oasis.opendocument.text'], ['content.xml', '<office:document-content/>']]);
export const ODS = zip([['mimetype', 'application/vnd.oasis.opendocument.spreadsheet'], ['content.xml', '<x/>']]);
export const PLAIN_ZIP = zip([['notes.txt', 'hello']]);

export interface FilePart { filename: string; data: Buffer; contentType?: string }

/** A multipart/form-data body: fields first (in order), then the file. */
export function multipart(fields: Record<string, string | string[]>, file?: FilePart) {
  const boundary = `----sightline${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    for (const x of Array.isArray(v) ? v : [v]) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${x}\r\n`));
  }
  if (file) {
    const name = file.filename.replace(/"/g, '%22');
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`, 'utf8'), file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Uploads through the API with a bearer token. */
export async function apiUpload(app: FastifyInstance, token: string, url: string, fields: Record<string, string | string[]>, file?: FilePart) {
  const body = multipart(fields, file);
  const res = await app.inject({ method: 'POST', url, payload: body.payload, headers: { authorization: `Bearer ${token}`, 'content-type': body.contentType } });
  let json: any = null;
  try { json = JSON.parse(res.body); } catch { /* not JSON */ }
  return { status: res.statusCode, json, res };
}

/** Posts a multipart form as a signed-in person (the CSRF token first, as the page's form sends it). */
export async function pageUpload(app: FastifyInstance, agent: Agent, url: string, fields: Record<string, string | string[]>, file?: FilePart, opts: { csrf?: boolean } = {}) {
  const body = multipart({ ...(opts.csrf === false ? {} : { _csrf: agent.csrf }), ...fields }, file);
  const res = await app.inject({ method: 'POST', url, payload: body.payload, headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': body.contentType } });
  // Keeps cookies set by the answer (the flash message), as a browser would.
  for (const c of res.cookies as { name: string; value: string }[]) {
    if (c.value) agent.cookies.set(c.name, c.value); else agent.cookies.delete(c.name);
  }
  return res;
}

/** Every blob file under a local storage directory. */
export function blobFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => /[0-9a-f]{64}$/.test(f));
}
