import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { attachmentDisposition, FILE_TYPES, safeFilename, sniffFileType } from '../../src/platform/filetype';
import { CSV, DOCM, DOCX, ELF, EXE, GIF, HTML, JPEG, ODS, ODT, PDF, PLAIN_ZIP, PNG, SVG, TEXT, WEBP, XLSX } from './fixtures';

describe('file type by content', () => {
  it('recognises each accepted format from its bytes', async () => {
    const cases: [Buffer, string][] = [
      [PDF, 'application/pdf'], [PNG, 'image/png'], [JPEG, 'image/jpeg'], [GIF, 'image/gif'], [WEBP, 'image/webp'],
      [DOCX, FILE_TYPES.docx.mime], [XLSX, FILE_TYPES.xlsx.mime], [ODT, FILE_TYPES.odt.mime], [CSV, 'text/csv'], [TEXT, 'text/plain'],
    ];
    for (const [data, mime] of cases) {
      const r = await sniffFileType(data);
      expect(r.ok && r.type.mime, mime).toBe(mime);
    }
  });

  it('refuses programs, web pages, SVG and macro documents, saying why', async () => {
    const refused: [Buffer, RegExp][] = [
      [EXE, /program/], [ELF, /program/], [Buffer.from('#!/bin/sh\nrm -rf /\n'), /script/],
      [HTML, /web page, SVG image or script/], [SVG, /web page, SVG image or script/],
      [Buffer.from('Notes\n<svg onload=alert(1)>'), /web page/], [DOCM, /macros/], [ODS, /OpenDocument text/],
      [PLAIN_ZIP, /Zip archives are not accepted/], [Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]), /\.doc, \.xls/],
      [Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe]), /not recognised/], [Buffer.alloc(0), /empty/],
      [Buffer.from([0xc3, 0x28, 0x41]), /not recognised/], // not UTF-8
    ];
    for (const [data, reason] of refused) {
      const r = await sniffFileType(data);
      expect(r.ok, data.subarray(0, 12).toString('latin1')).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    }
  });

  it('reads a sentence starting with "MZ" as text, not as a program', async () => {
    const r = await sniffFileType(Buffer.from('MZ Architects: site survey notes\n'));
    expect(r.ok && r.type.mime).toBe('text/plain');
  });
});

describe('file names', () => {
  it('strips directories, control and direction characters and reserved names, and fits the extension to the content', () => {
    expect(safeFilename('../../etc/passwd', FILE_TYPES.text)).toBe('passwd.txt');
    expect(safeFilename('..\\..\\Windows\\win.ini', FILE_TYPES.text)).toBe('win.txt');
    expect(safeFilename('invoice\u202Efdp.exe', FILE_TYPES.pdf)).toBe('invoicefdp.pdf');
    expect(safeFilename('photo.pdf', FILE_TYPES.png)).toBe('photo.png');
    expect(safeFilename('CON.txt', FILE_TYPES.text)).toBe('_CON.txt');
    expect(safeFilename('a\u0000b\nc.pdf', FILE_TYPES.pdf)).toBe('abc.pdf');
    expect(safeFilename('...', FILE_TYPES.pdf)).toBe('document.pdf');
    expect(safeFilename('report<1>:"final"?.PDF', FILE_TYPES.pdf)).toBe('report_1___final__.pdf');
    expect(safeFilename('Café signage plan.jpeg', FILE_TYPES.jpeg)).toBe('Café signage plan.jpeg');
    expect([...safeFilename('é'.repeat(400) + '.pdf', FILE_TYPES.pdf)].length).toBeLessThanOrEqual(150);
  });

  it('never produces a name with a path, a hidden control or direction character, or the wrong extension', () => {
    const types = Object.values(FILE_TYPES);
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom(...types), (name, type) => {
      const safe = safeFilename(name, type);
      expect(safe).not.toMatch(/[/\\<>:"|?*\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b-\u200f]/);
      expect(safe.startsWith('.')).toBe(false);
      expect([...safe].length).toBeLessThanOrEqual(150);
      expect(safe.split('.').pop()!.toLowerCase()).toMatch(new RegExp(`^(${type.ext}|jpeg|text|log|md)$`));
    }), { numRuns: 500 });
  });

  it('offers the exact name in RFC 5987 form with an ASCII fallback', () => {
    expect(attachmentDisposition('Café plan (v2).pdf')).toBe(`attachment; filename="Cafe plan (v2).pdf"; filename*=UTF-8''Caf%C3%A9%20plan%20%28v2%29.pdf`);
    expect(attachmentDisposition('a"b\\c.txt')).toBe(`attachment; filename="a_b_c.txt"; filename*=UTF-8''a%22b%5Cc.txt`);
  });
});
