// Exports of the register, findings and plan: every format parses back to what is stored, cells a spreadsheet
// would run are neutralised (CSV, XLSX) while JSON stays raw, filters are respected, tenants stay apart, and the
// CLI writes the same file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { describeEachDb, type TestDatabase } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { csvStream, csvText, neutraliseCell, unneutraliseCell } from '../../src/platform/csv';
import { newId, nowIso } from '../../src/platform/ids';
import { EXPORT_BATCH } from '../../src/modules/exports/service';

const root = path.resolve(__dirname, '../..');

describe('neutralising cells', () => {
  it('prefixes text a spreadsheet would run, and only that; the importer’s inverse gets the text back', () => {
    for (const s of ['=1+1', '+44 20 7946 0000', '-2', '@SUM(A1)', '\tTab', '\rCR', "'=already quoted", "''+two"]) {
      expect(neutraliseCell(s)).toBe(`'${s}`);
      expect(unneutraliseCell(neutraliseCell(s))).toBe(s);
    }
    for (const s of ['Hikvision', "O'Brien", "'quoted", '1+1', 'a=b', '']) {
      expect(neutraliseCell(s)).toBe(s);
      expect(unneutraliseCell(s)).toBe(s);
    }
    expect(neutraliseCell(-5)).toBe('-5'); // a number is data
    expect(neutraliseCell(null)).toBe('');
  });

  it('writes CSV whose every record parses back whole, line breaks and quotes inside cells included', async () => {
    const rows = [['Visit', 'Notes'], ['1', 'Camera 3 re-aimed\nSign replaced'], ['2', 'Lens\rcleaned'], ['3', 'Said "fine", left'], ['4', '=HYPERLINK("x")']];
    const expected = rows.map((r) => r.map((c) => neutraliseCell(c)));
    expect(csvRows(csvText(rows))).toEqual(expected);
    async function* one() { yield rows.slice(1).map((r) => ({ visit: r[0], notes: r[1] })); }
    const streamed = csvStream([{ header: 'Visit', value: (r: { visit: string }) => r.visit }, { header: 'Notes', value: (r: { notes: string }) => r.notes }], one());
    let text = '';
    for await (const chunk of streamed) text += chunk;
    expect(csvRows(text)).toEqual(expected);
  });
});

const csvRows = (body: string) => parse(body, { bom: true, relax_column_count: false }) as string[][];
const byHeader = (rows: string[][]) => rows.slice(1).map((r) => Object.fromEntries(rows[0].map((h, i) => [h, r[i]])));

async function xlsxRows(buf: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as any);
  const ws = wb.worksheets[0];
  const rows: ExcelJS.CellValue[][] = [];
  ws.eachRow({ includeEmpty: false }, (row) => { rows.push((row.values as ExcelJS.CellValue[]).slice(1)); });
  const header = rows[0].map(String);
  return { name: ws.name, header, items: rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? null]))) };
}

describeEachDb('exports', (db, kind) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  const ids: Record<string, string> = {};
  const get = (token: string, url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'exportshire');
    other = await createOrgFixture(db(), 'elsewhere');
    const post = (token: string, url: string, body: object) => api(app, token, 'POST', url, body).then((r) => {
      if (r.status !== 201) throw new Error(`${url}: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json.id as string;
    });
    ids.hq = await post(org.tokens.manager, '/api/v1/sites', { name: 'Civic Centre, Block "A"', sensitive: true, sensitiveReason: 'Council chamber' });
    ids.park = await post(org.tokens.manager, '/api/v1/sites', { name: 'Parc Ŵyn – café' });
    ids.lan = await post(org.tokens.manager, '/api/v1/networks', { name: 'Core LAN', kind: 'core' });
    ids.sys = await post(org.tokens.manager, '/api/v1/systems', { name: 'Town CCTV', purpose: 'Public safety', owner: 'Facilities', retentionDays: 31 });
    ids.evil = await post(org.tokens.engineer, '/api/v1/assets', {
      kind: 'camera', manufacturer: '=HYPERLINK("http://evil.example","x")', model: 'Model, with "quotes"', serial: '@SERIAL-1',
      mac: '44-19-b6-00-00-01', ip: '10.1.2.3', firmware: '-1+2', siteId: ids.hq, networkId: ids.lan, systemId: ids.sys,
      installDate: '2021-03-27', warrantyEnd: '2026-03-26', status: 'faulty', location: '+44 front door', notes: 'Line one\nline two, “curly” ✓',
    });
    ids.axis = await post(org.tokens.engineer, '/api/v1/assets', { kind: 'camera', manufacturer: 'Axis', model: 'P3245-LVE', serial: 'AX-1', mac: '00:40:8C:00:00:01', siteId: ids.park });
    ids.bare = await post(org.tokens.engineer, '/api/v1/assets', { kind: 'nvr' });
    await post(other.tokens.manager, '/api/v1/sites', { name: 'Secret site of elsewhere' });
    await post(other.tokens.engineer, '/api/v1/assets', { kind: 'camera', manufacturer: 'ELSEWHERE-SECRET', serial: 'ELSE-1' });
  });
  afterAll(async () => { await app?.close(); });

  it('exports the register as CSV that parses back, with importable headings and formula cells neutralised', async () => {
    const res = await get(org.tokens.viewer, '/api/v1/exports/assets.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="exportshire-assets-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = csvRows(res.body);
    expect(rows[0]).toEqual(['Asset ID', 'Kind', 'Manufacturer', 'Model', 'Serial', 'MAC address', 'IP address', 'Firmware', 'Site', 'Network', 'System', 'Status', 'Install date', 'Warranty end', 'Location', 'Notes']);
    const items = byHeader(rows);
    expect(items).toHaveLength(3);
    const evil = items.find((r) => r['Asset ID'] === ids.evil)!;
    expect(evil).toMatchObject({
      Kind: 'camera', Manufacturer: `'=HYPERLINK("http://evil.example","x")`, Model: 'Model, with "quotes"', Serial: "'@SERIAL-1",
      'MAC address': '44:19:B6:00:00:01', 'IP address': '10.1.2.3', Firmware: "'-1+2", Site: 'Civic Centre, Block "A"', Network: 'Core LAN',
      System: 'Town CCTV', Status: 'faulty', 'Install date': '2021-03-27', 'Warranty end': '2026-03-26', Location: "'+44 front door",
      Notes: 'Line one\nline two, “curly” ✓',
    });
    const bare = items.find((r) => r['Asset ID'] === ids.bare)!;
    expect(bare).toMatchObject({ Kind: 'nvr', Manufacturer: '', Site: '', Status: 'in-service', 'Install date': '' });
    expect(res.body).not.toContain('ELSEWHERE-SECRET');
  });

  it('exports XLSX with numbers as numbers, dates as dates and the same neutralisation', async () => {
    const res = await get(org.tokens.viewer, '/api/v1/exports/assets.xlsx?sort=model&order=desc');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toMatch(/filename="exportshire-assets-[\d-]+\.xlsx"/);
    const sheet = await xlsxRows(res.rawPayload);
    expect(sheet.name).toBe('Assets');
    expect(sheet.header).toContain('MAC address');
    expect(sheet.items).toHaveLength(3);
    const evil = sheet.items.find((r) => r['Asset ID'] === ids.evil)!;
    expect(evil.Manufacturer).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(evil.Firmware).toBe("'-1+2");
    expect(evil['Install date']).toBeInstanceOf(Date);
    expect((evil['Install date'] as Date).toISOString()).toBe('2021-03-27T00:00:00.000Z');
    expect(evil.Notes).toBe('Line one\nline two, “curly” ✓');
    // The list's sort is kept: model descending puts the unlabelled NVR (no model) last.
    expect(sheet.items.map((r) => r['Asset ID'])).toEqual([ids.axis, ids.evil, ids.bare]);
    const plan = await xlsxRows((await get(org.tokens.viewer, '/api/v1/exports/plan.xlsx?budget=100')).rawPayload);
    expect(plan.items.length).toBeGreaterThan(0);
    expect(typeof plan.items[0]['Unit cost (GBP)']).toBe('number');
    expect(typeof plan.items[0].Order).toBe('number');
  });

  it('exports JSON raw: the same objects as the list API, nothing prefixed', async () => {
    const res = await get(org.tokens.viewer, '/api/v1/exports/assets.json?status=faulty');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const items = JSON.parse(res.body);
    expect(items).toHaveLength(1);
    const listed = (await api(app, org.tokens.viewer, 'GET', '/api/v1/assets?status=faulty')).json.items;
    expect(items).toEqual(listed);
    expect(items[0].manufacturer).toBe('=HYPERLINK("http://evil.example","x")');
    expect(JSON.parse((await get(org.tokens.viewer, '/api/v1/exports/assets.json?kind=switch')).body)).toEqual([]);
  });

  it('respects the filters, and refuses a bad one with a 422 naming it', async () => {
    const atHq = byHeader(csvRows((await get(org.tokens.viewer, `/api/v1/exports/assets.csv?site=${ids.hq}`)).body));
    expect(atHq.map((r) => r['Asset ID'])).toEqual([ids.evil]);
    const axis = byHeader(csvRows((await get(org.tokens.viewer, '/api/v1/exports/assets.csv?manufacturer=AXIS')).body));
    expect(axis.map((r) => r.Serial)).toEqual(['AX-1']);
    const bad = await api(app, org.tokens.viewer, 'GET', '/api/v1/exports/assets.csv?status=lost');
    expect(bad.status).toBe(422);
    expect(bad.json.error.fields).toHaveProperty('status');
    const badFinding = await api(app, org.tokens.viewer, 'GET', '/api/v1/exports/findings.json?severity=apocalyptic');
    expect(badFinding.status).toBe(422);
  });

  it('exports findings and the plan in all three formats, matching the lists', async () => {
    const listed = (await api(app, org.tokens.viewer, 'GET', '/api/v1/findings?limit=500')).json.items;
    expect(listed.length).toBeGreaterThan(0);
    expect(JSON.parse((await get(org.tokens.viewer, '/api/v1/exports/findings.json')).body)).toEqual(listed);
    const csv = byHeader(csvRows((await get(org.tokens.viewer, '/api/v1/exports/findings.csv')).body));
    expect(csv.map((r) => r['Finding ID'])).toEqual(listed.map((f: any) => f.id));
    expect(csv[0].Source).toBeTruthy();
    const critical = listed.filter((f: any) => f.severity === 'critical');
    const xlsx = await xlsxRows((await get(org.tokens.viewer, '/api/v1/exports/findings.xlsx?severity=critical')).rawPayload);
    expect(xlsx.items.map((r) => r['Finding ID'])).toEqual(critical.map((f: any) => f.id));
    expect(xlsx.items[0]['First seen']).toBeInstanceOf(Date);

    const plan = (await api(app, org.tokens.viewer, 'GET', '/api/v1/plan?budget=500')).json;
    expect(JSON.parse((await get(org.tokens.viewer, '/api/v1/exports/plan.json?budget=500')).body)).toEqual(plan.lines);
    const planCsv = byHeader(csvRows((await get(org.tokens.viewer, '/api/v1/exports/plan.csv?budget=500')).body));
    expect(planCsv.map((r) => r['Asset ID'])).toEqual(plan.lines.map((l: any) => l.assetId));
    expect(planCsv.map((r) => r['Within budget'])).toEqual(plan.lines.map((l: any) => (l.withinBudget ? 'yes' : 'no')));
  });

  it('pages through a register larger than one batch, each asset exactly once, in order', async () => {
    const n = EXPORT_BATCH * 2 + 37;
    const now = nowIso();
    const rows = Array.from({ length: n }, (_, i) => ({
      id: newId(), org_id: other.id, kind: 'camera', manufacturer: i % 3 ? 'Dahua' : 'Hanwha', manufacturer_key: i % 3 ? 'dahua' : 'hanwha',
      model: null, model_key: '', serial: `BULK-${i}`, firmware: null, mac: null, ip: null, network_id: null, site_id: null, system_id: null,
      install_date: null, warranty_end: null, status: 'in-service', location: null, notes: null, search_text: '', created_at: now, updated_at: now,
    }));
    for (let i = 0; i < rows.length; i += 500) await db().db.insertInto('assets').values(rows.slice(i, i + 500)).execute();
    for (const format of ['csv', 'json'] as const) {
      const res = await get(other.tokens.viewer, `/api/v1/exports/assets.${format}`);
      const serials = format === 'csv' ? byHeader(csvRows(res.body)).map((r) => r.Serial) : JSON.parse(res.body).map((a: any) => a.serial);
      expect(serials).toHaveLength(n + 1);
      expect(new Set(serials).size).toBe(n + 1);
      if (format === 'json') {
        // The list's default order (labelled manufacturer, then id) holds across batch boundaries.
        const keys = JSON.parse(res.body).map((a: any) => `${(a.manufacturer ?? '').toLowerCase()}\u0000${a.id}`);
        expect(keys).toEqual([...keys].sort());
      }
    }
    const xlsx = await xlsxRows((await get(other.tokens.viewer, '/api/v1/exports/assets.xlsx?manufacturer=hanwha')).rawPayload);
    expect(xlsx.items).toHaveLength(Math.ceil(n / 3));
    expect(xlsx.items.every((r) => r.Manufacturer === 'Hanwha')).toBe(true);
  });

  it('keeps tenants apart: another organisation’s token, filters and pages see none of these rows', async () => {
    for (const what of ['assets', 'findings', 'plan']) {
      for (const format of ['csv', 'json']) {
        const res = await get(other.tokens.admin, `/api/v1/exports/${what}.${format}`);
        expect(res.statusCode).toBe(200);
        for (const id of [ids.evil, ids.axis, ids.bare]) expect(res.body).not.toContain(id);
        expect(res.body).not.toContain('HYPERLINK');
      }
    }
    const smuggled = await get(other.tokens.admin, `/api/v1/exports/assets.json?site=${ids.hq}`);
    expect(JSON.parse(smuggled.body)).toEqual([]);
    const theirs = await xlsxRows((await get(other.tokens.admin, '/api/v1/exports/assets.xlsx?kind=nvr')).rawPayload);
    expect(theirs.items).toEqual([]);
    const agent = await signedInAgent(app, other.users.admin.email);
    expect((await agent.get('/o/exportshire/exports/assets.csv')).statusCode).toBe(404);
    expect((await agent.get('/o/exportshire/exports/findings.xlsx')).statusCode).toBe(404);
    expect((await api(app, null, 'GET', '/api/v1/exports/assets.csv')).status).toBe(401);
  });

  it('offers the downloads on the list pages, keeping the current filters', async () => {
    const agent = await signedInAgent(app, org.users.viewer.email);
    const list = await agent.get(`/o/exportshire/assets?status=faulty&site=${ids.hq}`);
    const href = /href="([^"]*\/exports\/assets\.xlsx[^"]*)"/.exec(list.body)?.[1].replace(/&amp;/g, '&');
    expect(href).toBe(`/o/exportshire/exports/assets.xlsx?site=${ids.hq}&status=faulty`);
    const file = await app.inject({ method: 'GET', url: href!, headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    expect(file.statusCode).toBe(200);
    expect((await xlsxRows(file.rawPayload)).items.map((r) => r['Asset ID'])).toEqual([ids.evil]);
    const findings = await agent.get('/o/exportshire/findings?severity=critical');
    const fHref = /href="([^"]*\/exports\/findings\.csv[^"]*)"/.exec(findings.body)?.[1].replace(/&amp;/g, '&');
    expect(fHref).toContain('severity=critical');
    const fCsv = byHeader(csvRows((await agent.get(fHref!)).body));
    expect(fCsv.length).toBeGreaterThan(0);
    expect(fCsv.every((r) => r.Severity === 'critical' && r.Status === 'open')).toBe(true);
    const plan = await agent.get('/o/exportshire/plan?budget=%C2%A3450');
    expect(plan.body).toContain('/o/exportshire/exports/plan.json?budget=450');
    const old = await agent.get('/o/exportshire/assets.csv?status=faulty');
    expect(byHeader(csvRows(old.body)).map((r) => r['Asset ID'])).toEqual([ids.evil]);
  });

  it('sightline export writes the file (or stdout), with filters by name, and refuses what does not apply', () => {
    const d: TestDatabase = db();
    const env = { ...process.env, ...(kind === 'sqlite' ? { DATA_DIR: path.dirname(d.file!), DATABASE_URL: '' } : { DATABASE_URL: d.url! }) };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-export-'));
    try {
      const out = path.join(dir, 'register.xlsx');
      execFileSync('node', ['bin/sightline.mjs', 'export', '--org', 'exportshire', '--what', 'assets', '--format', 'xlsx', '--out', out], { cwd: root, env, stdio: 'pipe' });
      expect(fs.readFileSync(out).subarray(0, 2).toString()).toBe('PK');
      expect(fs.readdirSync(dir)).toEqual(['register.xlsx']); // no partial file left beside it
      const csv = execFileSync('node', ['bin/sightline.mjs', 'export', '--org', 'exportshire', '--format', 'csv', '--site', 'civic centre, block "a"'], { cwd: root, env, encoding: 'utf8' });
      expect(byHeader(csvRows(csv)).map((r) => r['Asset ID'])).toEqual([ids.evil]);
      const wrong = spawnSync('node', ['bin/sightline.mjs', 'export', '--org', 'exportshire', '--what', 'plan', '--site', 'Parc'], { cwd: root, env, encoding: 'utf8' });
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toMatch(/--site does not apply to --what plan/);
      const missing = spawnSync('node', ['bin/sightline.mjs', 'export', '--org', 'exportshire', '--site', 'Nowhere', '--out', path.join(dir, 'x.csv')], { cwd: root, env, encoding: 'utf8' });
      expect(missing.status).toBe(2);
      expect(missing.stderr).toMatch(/No site called "Nowhere"/);
      expect(fs.existsSync(path.join(dir, 'x.csv'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000); // four CLI runs, each starting the app's code afresh, on a shared machine
});
