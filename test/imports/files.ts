// Spreadsheets for the import tests, made on the spot: workbooks through exceljs, and hostile zips byte by byte.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import type { OrgContext } from '../../src/platform/context';
import type { TestDatabase } from '../helpers/db';

export const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'imports');
export const MESSY_CSV = path.join(FIXTURES, 'messy-register.csv');

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-import-'));
}

export function ctxFor(db: TestDatabase, org: { id: string; slug: string }, role: OrgContext['role'] = 'admin'): OrgContext {
  return { db: db.db, orgId: org.id, orgSlug: org.slug, role, actor: { type: 'system', id: null, label: 'import test' } };
}

/** A workbook: a title line above the table, real date cells, a number serial, and a second sheet. */
export async function writeWorkbook(file: string, opts: { formula?: boolean; extraSheetFirst?: boolean } = {}) {
  const wb = new ExcelJS.Workbook();
  if (opts.extraSheetFirst) wb.addWorksheet('Notes').addRow(['This workbook lists the cameras', 'on the second sheet']);
  const ws = wb.addWorksheet('Cameras');
  ws.addRow(['Borough CCTV register, April 2024']);
  ws.addRow(['Manufacturer', 'Model', 'Serial number', 'Physical address', 'IP address', 'Location', 'Installed', 'Type']);
  ws.addRow(['Hikvision', 'DS-2CD2143G2-I', 'XL-0001', '44:19:B6:AA:00:01', '10.9.0.1', 'Market Hall', new Date(Date.UTC(2022, 2, 27)), 'Camera']);
  ws.addRow(['Lorex', 'LNB8921BW', 123456, 'e0-50-8b-aa-00-02', '10.9.0.2', 'Market Hall', '14/02/2021', 'Camera']);
  ws.addRow(['Axis', 'P3245-LVE', 'XL-0003', '00408CAA0003', '10.9.0.3', 'Bus Station', 44927, 'Dome']);
  if (opts.formula) ws.getCell('C5').value = { formula: 'CONCATENATE("XL-","0003")', result: 'XL-0003' } as ExcelJS.CellFormulaValue;
  wb.addWorksheet('Spare').addRow(['Manufacturer', 'Serial number']);
  await wb.xlsx.writeFile(file);
}

/** A zip built entry by entry, with whatever sizes it is told to declare. */
export function buildZip(entries: { name: string; data?: Buffer; deflated?: Buffer; size?: number; crc?: number; declaredSize?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = e.deflated ?? zlib.deflateRawSync(e.data ?? Buffer.alloc(0));
    const size = e.declaredSize ?? e.size ?? e.data?.length ?? 0;
    const crc = e.crc ?? zlib.crc32(e.data ?? Buffer.alloc(0));
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0, 6); local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc >>> 0, 14); local.writeUInt32LE(body.length, 18); local.writeUInt32LE(size, 22); local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0); cd.writeUInt16LE(20, 4); cd.writeUInt16LE(20, 6); cd.writeUInt16LE(0, 8); cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(crc >>> 0, 16); cd.writeUInt32LE(body.length, 20); cd.writeUInt32LE(size, 24); cd.writeUInt16LE(name.length, 28); cd.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    central.push(cd, name);
    offset += 30 + name.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBuf.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuf, end]);
}

const WORKBOOK_XML = Buffer.from('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>');

/** An "xlsx" whose sheet inflates from a few KiB to `mib` MiB of spaces. */
export function zipBomb(mib = 64): Buffer {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const deflate = zlib.deflateRawSync(Buffer.concat(Array.from({ length: mib }, () => chunk)), { level: 9 });
  let crc = 0;
  for (let i = 0; i < mib; i++) crc = zlib.crc32(chunk, crc);
  return buildZip([
    { name: 'xl/workbook.xml', data: WORKBOOK_XML },
    { name: 'xl/worksheets/sheet1.xml', deflated: deflate, size: mib * 1024 * 1024, crc },
  ]);
}

/** A zip whose directory claims a small sheet that really inflates to 8 MiB (a lie a streaming unzipper would believe). */
export function lyingZip(): Buffer {
  const data = Buffer.alloc(8 * 1024 * 1024, 0x20);
  return buildZip([
    { name: 'xl/workbook.xml', data: WORKBOOK_XML },
    { name: 'xl/worksheets/sheet1.xml', data, declaredSize: 1000 },
  ]);
}

/** A multipart/form-data body (fields first, as a browser sends them in form order). */
export function multipart(fields: Record<string, string>, file?: { name: string; data: Buffer; type?: string }) {
  const boundary = `----sightline${Date.now().toString(16)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`), file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
