import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db';
import { createOrgFixture, type OrgFixture } from '../helpers/app';
import { importSpreadsheet } from '../../src/modules/imports/service';
import { ctxFor, lyingZip, tempDir, writeWorkbook, zipBomb } from './files';

// Whatever arrives, the answer is a clear message and an untouched register, in bounded memory and time.

describeEachDb('import: bad files', (db) => {
  let dir: string;
  let org: OrgFixture;
  const write = (name: string, data: string | Buffer) => { const f = path.join(dir, name); fs.writeFileSync(f, data); return f; };
  const count = async () => Number((await db().db.selectFrom('assets').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', org.id).executeTakeFirstOrThrow()).n);
  const refused = async (file: string, message: RegExp) => {
    await expect(importSpreadsheet(ctxFor(db(), org), { path: file, createSites: true })).rejects.toThrow(message);
    expect(await count()).toBe(0);
  };
  beforeAll(async () => { dir = tempDir(); org = await createOrgFixture(db(), 'badfiles'); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses things that are not spreadsheets, saying what they are', async () => {
    await refused(write('report.csv', Buffer.concat([Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'), Buffer.alloc(64, 1)])), /is a PDF document, not a spreadsheet/);
    await refused(write('photo.xlsx', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])), /is a PNG image/);
    await refused(write('old.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0])), /Excel 97–2003 workbook \(\.xls\)/);
    await refused(write('random.csv', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))), /binary data: it is not a spreadsheet/);
    await refused(write('empty.csv', ''), /The file is empty/);
    await refused(write('damaged.xlsx', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 7)])), /damaged/);
    await refused(write('one-column.csv', 'just a list\nof words\n'), /no heading row/);
  });

  it('refuses zip bombs and zips whose directory lies, before the workbook reader sees them', async () => {
    await refused(write('bomb.xlsx', zipBomb(64)), /zip bomb/);
    await refused(write('liar.xlsx', lyingZip()), /damaged or disguised/);
  });

  it('refuses a file with thousands of columns', async () => {
    const header = Array.from({ length: 5000 }, (_, i) => `Column ${i + 1}`).join(',');
    await refused(write('wide.csv', `${header}\n${Array.from({ length: 5000 }, () => 'x').join(',')}\n`), /Row 1 has 5,000 columns; Sightline imports at most 200/);
  });

  it('names the row and column of an oversized cell, and stops at a 10 MB one', async () => {
    const big = write('big-cell.csv', `Serial,Notes\nS-1,ok\nS-2,${'x'.repeat(40_000)}\n`);
    const r = await importSpreadsheet(ctxFor(db(), org), { path: big });
    expect(r.written).toBe(false);
    expect(r.errors).toEqual([{ row: 3, column: 'Notes', reason: expect.stringMatching(/40,000 characters; at most 32,768/) }]);
    await refused(write('huge-cell.csv', `Serial,Notes\nS-1,"${'y'.repeat(10 * 1024 * 1024)}"\n`), /Row 2 has a cell larger than 1 MiB/);
  });

  it('refuses formula cells by row and column instead of calculating them', async () => {
    const file = path.join(dir, 'formula.xlsx');
    await writeWorkbook(file, { formula: true });
    const r = await importSpreadsheet(ctxFor(db(), org), { path: file, createSites: true });
    expect(r.written).toBe(false);
    expect(r.errors).toEqual([{ row: 5, column: 'Serial number', reason: expect.stringMatching(/holds a formula \(=CONCATENATE.*does not calculate formulas/) }]);
    expect(await count()).toBe(0);
  });

  it('refuses text in an encoding it cannot read, and reads Windows-1252 that is not UTF-8', async () => {
    await refused(write('utf16.csv', Buffer.from('Serial,Make\r\nS-1,Hikvision\r\n', 'utf16le')), /UTF-16 text without a byte-order mark/);
    await refused(write('controls.csv', Buffer.from('Serial,Make\r\nS-1,Hik\x01vision\r\n', 'latin1')), /not text Sightline can read/);
    // UTF-8 for the first 64 KiB, then a Windows-1252 "é": read again as Windows-1252.
    const late = write('late-1252.csv', Buffer.concat([Buffer.from(`Serial,Site\r\n${Array.from({ length: 3000 }, (_, i) => `A-${i},Depot`).join('\r\n')}\r\n`), Buffer.from('Z-1,Caf\xe9\r\n', 'latin1')]));
    const r = await importSpreadsheet(ctxFor(db(), org), { path: late, createSites: true, dryRun: true });
    expect(r).toMatchObject({ encoding: 'windows-1252', rows: 3001, errorCount: 0 });
    expect(r.newSites).toEqual(['Café', 'Depot']);
    // With a UTF-16 byte-order mark it is read.
    const bom = write('utf16-bom.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Serial\tMake\r\nS-9\tDahua\r\n', 'utf16le')]));
    expect(await importSpreadsheet(ctxFor(db(), org), { path: bom, dryRun: true })).toMatchObject({ encoding: 'utf-16le', delimiter: '\t', added: 1 });
  });
});
