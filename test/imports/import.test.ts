import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, type OrgFixture } from '../helpers/app';
import { importSpreadsheet } from '../../src/modules/imports/service';
import { assessOrganisation } from '../../src/modules/provenance/service';
import { ctxFor, MESSY_CSV, tempDir, writeWorkbook } from './files';

// Bringing a council's own spreadsheet in: messy spellings and formats are read and tidied (the original text kept),
// the same file twice changes nothing, a later version updates what changed, and one bad row stops everything.

const assetsOf = async (app: FastifyInstance, token: string) => (await api(app, token, 'GET', '/api/v1/assets?limit=500&sort=created')).json.items as any[];

describeEachDb('import: reading and normalising', (db) => {
  let app: FastifyInstance;
  let dir: string;
  beforeAll(async () => { app = await createTestApp(db()); dir = tempDir(); });
  afterAll(async () => { await app?.close(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('reads a semicolon-separated Windows-1252 register with mixed spellings, MAC formats and UK dates', async () => {
    const org = await createOrgFixture(db(), 'messy');
    const r = await importSpreadsheet(ctxFor(db(), org), { path: MESSY_CSV, createSites: true });
    expect(r).toMatchObject({ written: true, rows: 6, added: 6, updated: 0, unchanged: 0, errorCount: 0, sitesCreated: 3, encoding: 'windows-1252', delimiter: ';' });
    expect(r.newSites).toEqual(['Café Nero Unit', 'Depot', 'Town Hall']);
    const assets = await assetsOf(app, org.tokens.viewer);
    const bySerial = Object.fromEntries(assets.map((a) => [a.serial ?? 'none', a]));
    expect(bySerial['DS-A0001']).toMatchObject({ manufacturer: 'Hikvision', mac: '44:19:B6:00:00:01', ip: '10.20.1.15', installDate: '2023-03-27', siteName: 'Town Hall', location: 'Front door', status: 'in-service' });
    expect(bySerial['DS-A0002']).toMatchObject({ manufacturer: 'Hikvision', mac: '44:19:B6:00:00:02', installDate: '2022-04-03', siteName: 'Town Hall', kind: 'camera' });
    expect(bySerial['DH-A0003']).toMatchObject({ manufacturer: 'Dahua', mac: '3C:EF:8C:00:00:03', status: 'faulty', siteName: 'Café Nero Unit', notes: 'Lens cracked; see ticket #12' });
    expect(bySerial['HW-A0004']).toMatchObject({ kind: 'nvr', manufacturer: 'Honeywell', installDate: '2020-06-05' });
    expect(bySerial['AX-A0005']).toMatchObject({ manufacturer: 'Axis', installDate: '2023-01-01', status: 'replacement-planned', notes: "=cmd|' /C calc'!A0" });
    // "N/A" is no value: not a manufacturer, not a serial.
    expect(bySerial.none).toMatchObject({ manufacturer: null, serial: null, siteName: 'Depot' });
    // The original text of every rewritten cell is kept with the asset.
    const row = await db().db.selectFrom('assets').select(['import_original_json', 'external_key']).where('serial', '=', 'DS-A0002').executeTakeFirstOrThrow();
    expect(JSON.parse(row.import_original_json!)).toMatchObject({ Make: 'hikvison', 'MAC Address': '4419.b600.0002', 'Install date': '3/4/2022', Status: 'Live' });
    expect(row.external_key).toBe('CAM-002');
    expect(r.normalised).toContainEqual({ column: 'Make', original: 'HIK VISION', value: 'Hikvision', rows: 1 });
  });

  it('re-importing the same file changes nothing and adds no audit noise', async () => {
    const org = await createOrgFixture(db(), 'again');
    const ctx = ctxFor(db(), org);
    await importSpreadsheet(ctx, { path: MESSY_CSV, createSites: true });
    const before = JSON.stringify(await assetsOf(app, org.tokens.viewer));
    const events = async () => (await db().db.selectFrom('audit_events').select('id').where('org_id', '=', org.id).where('object_type', 'in', ['asset', 'finding', 'site']).execute()).length;
    const eventsBefore = await events();
    const r = await importSpreadsheet(ctx, { path: MESSY_CSV, createSites: true });
    expect(r).toMatchObject({ written: true, added: 0, updated: 0, unchanged: 6, notInFile: 0, sitesCreated: 0, findingsOpened: 0 });
    expect(JSON.stringify(await assetsOf(app, org.tokens.viewer))).toBe(before);
    expect(await events()).toBe(eventsBefore);
  });

  it('a later version updates the matched assets (by serial, MAC, then key) and reports what is no longer in the file', async () => {
    const org = await createOrgFixture(db(), 'later');
    const ctx = ctxFor(db(), org);
    await importSpreadsheet(ctx, { path: MESSY_CSV, createSites: true });
    const v2 = path.join(dir, 'v2.csv');
    fs.writeFileSync(v2, [
      'Asset Tag,Make,Serial No,MAC Address,Building,Status,Install date',
      'CAM-001,Hikvision,DS-A0001,44:19:B6:00:00:01,Town Hall,Faulty,27/03/2023', // status changed (matched by serial)
      'CAM-002,Hikvision,,44:19:B6:00:00:02,Town Hall,In service,03/04/2022', // serial gone: matched by MAC
      'CAM-006,Generic,,,Depot,In service,', // matched by the organisation's key; make now recorded
      'CAM-007,Axis,AX-B0007,00:40:8C:00:00:07,Depot,In service,01/01/2024', // new
    ].join('\n'));
    const dry = await importSpreadsheet(ctx, { path: v2, dryRun: true });
    expect(dry).toMatchObject({ written: false, added: 1, updated: 3, unchanged: 0, notInFile: 3, errorCount: 0 });
    const r = await importSpreadsheet(ctx, { path: v2 });
    expect(r).toMatchObject({ written: true, added: 1, updated: 3, unchanged: 0, notInFile: 3 });
    const assets = await assetsOf(app, org.tokens.viewer);
    expect(assets).toHaveLength(7);
    expect(assets.find((a) => a.serial === 'DS-A0001').status).toBe('faulty');
    expect(assets.find((a) => a.mac === '44:19:B6:00:00:02').serial).toBeNull();
    const generic = assets.filter((a) => a.manufacturer === 'Generic');
    expect(generic).toHaveLength(1);
    // The changes are in the assets' own history, attributed to the spreadsheet.
    const trail = await api(app, org.tokens.admin, 'GET', `/api/v1/audit?objectType=asset&objectId=${generic[0].id}`);
    expect(trail.json.events[0]).toMatchObject({ action: 'update', after: { manufacturer: 'Generic' } });
    expect((await importSpreadsheet(ctx, { path: v2 })).unchanged).toBe(4);
  });

  it('reads an XLSX workbook: a chosen sheet, a title line above the headings, date cells and number cells', async () => {
    const org = await createOrgFixture(db(), 'workbook');
    await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Market Hall' });
    await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Bus Station' });
    const file = path.join(dir, 'register.xlsx');
    await writeWorkbook(file, { extraSheetFirst: true });
    const ctx = ctxFor(db(), org);
    const first = importSpreadsheet(ctx, { path: file });
    await expect(first).rejects.toThrow(/no heading row|nothing to import|Map at least one column/);
    const r = await importSpreadsheet(ctx, { path: file, sheet: 'cameras' });
    expect(r).toMatchObject({ format: 'xlsx', sheet: 'Cameras', written: true, added: 3, errorCount: 0, sitesCreated: 0 });
    const assets = await assetsOf(app, org.tokens.viewer);
    expect(assets.map((a) => [a.serial, a.mac, a.installDate, a.siteName, a.kind]).sort()).toEqual([
      ['123456', 'E0:50:8B:AA:00:02', '2021-02-14', 'Market Hall', 'camera'],
      ['XL-0001', '44:19:B6:AA:00:01', '2022-03-27', 'Market Hall', 'camera'],
      ['XL-0003', '00:40:8C:AA:00:03', '2023-01-01', 'Bus Station', 'camera'],
    ]);
    await expect(importSpreadsheet(ctx, { path: file, sheet: 'Nope' })).rejects.toThrow(/no sheet called “Nope”.*“Notes”, “Cameras”, “Spare”/);
  });

  it('an export of the register, imported back into it, changes nothing (devices with no serial or MAC too)', async () => {
    const org = await createOrgFixture(db(), 'selfie');
    const site = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Crematorium' })).json.id;
    await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Bosch', serial: 'B-1', siteId: site, installDate: '2020-01-31' });
    await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'switch', location: 'Comms room' });
    const res = await app.inject({ method: 'GET', url: '/api/v1/exports/assets.csv', headers: { authorization: `Bearer ${org.tokens.viewer}` } });
    const file = path.join(dir, 'self-export.csv');
    fs.writeFileSync(file, res.rawPayload);
    const r = await importSpreadsheet(ctxFor(db(), org), { path: file });
    expect(r).toMatchObject({ written: true, added: 0, updated: 0, unchanged: 2, notInFile: 0 });
  });

  it('uses a mapping given by the caller, and names a heading the file does not have', async () => {
    const org = await createOrgFixture(db(), 'mapped');
    const ctx = ctxFor(db(), org);
    const file = path.join(dir, 'odd-headings.csv');
    fs.writeFileSync(file, 'Kit,Ident,Where,Remarks\r\nHikvision,M-1,Library,"north door, inside"\r\n');
    await expect(importSpreadsheet(ctx, { path: file, mapping: { Kit: 'manufacturer', Ident: 'serial', Missing: 'notes' } })).rejects.toMatchObject({ fields: { 'mapping.Missing': expect.stringContaining('no column headed “Missing”') } });
    const r = await importSpreadsheet(ctx, { path: file, createSites: true, mapping: { Kit: 'manufacturer', Ident: 'serial', Where: 'site', Remarks: 'location' } });
    expect(r).toMatchObject({ added: 1, sitesCreated: 1 });
    expect((await assetsOf(app, org.tokens.viewer))[0]).toMatchObject({ manufacturer: 'Hikvision', serial: 'M-1', siteName: 'Library', location: 'north door, inside' });
  });
});

describeEachDb('import: all or nothing', (db) => {
  let app: FastifyInstance;
  let dir: string;
  beforeAll(async () => { app = await createTestApp(db()); dir = tempDir(); });
  afterAll(async () => { await app?.close(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('lists every row error by row, column and reason and writes nothing', async () => {
    const org = await createOrgFixture(db(), 'strict');
    await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Depot' });
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(file, [
      'Serial,MAC,IP,Site,Install date,Warranty end,Type,Status',
      'S-1,44:19:B6:00:00:01,10.0.0.1,Depot,01/02/2020,01/02/2025,camera,in service',
      'S-2,not-a-mac,10.0.0.2,Depot,31/02/2020,,camera,in service',
      'S-3,44:19:B6:00:00:03,999.1.1.1,Nowhere,01/02/2020,01/01/2019,toaster,on fire',
      'S-1,44:19:B6:00:00:04,10.0.0.4,Depot,,,camera,',
    ].join('\r\n'));
    const r = await importSpreadsheet(ctxFor(db(), org), { path: file });
    expect(r.written).toBe(false);
    const got = r.errors.map((e) => `${e.row}|${e.column}`);
    expect(got).toEqual(expect.arrayContaining(['3|MAC', '3|Install date', '4|IP', '4|Site', '4|Warranty end', '4|Type', '4|Status', '5|Serial']));
    expect(r.errors.find((e) => e.row === 3 && e.column === 'MAC')!.reason).toMatch(/not a MAC address/);
    expect(r.errors.find((e) => e.row === 4 && e.column === 'Site')!.reason).toMatch(/no site called “Nowhere”/);
    expect(r.errors.find((e) => e.row === 5)!.reason).toMatch(/also on row 2/);
    expect(r.errorCount).toBe(r.errors.length);
    expect(await assetsOf(app, org.tokens.viewer)).toEqual([]);
  });

  it('a dry run reports exactly what an import then does, and writes nothing', async () => {
    const org = await createOrgFixture(db(), 'dryrun');
    const ctx = ctxFor(db(), org);
    const dry = await importSpreadsheet(ctx, { path: MESSY_CSV, createSites: true, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, written: false, added: 6, sitesCreated: 0, newSites: ['Café Nero Unit', 'Depot', 'Town Hall'] });
    expect(await assetsOf(app, org.tokens.viewer)).toEqual([]);
    expect((await api(app, org.tokens.viewer, 'GET', '/api/v1/sites')).json.items).toEqual([]);
    const real = await importSpreadsheet(ctx, { path: MESSY_CSV, createSites: true });
    expect({ ...real, seconds: 0, dryRun: true, written: false, sitesCreated: 0, findingsOpened: 0 }).toEqual({ ...dry, seconds: 0 });
  });

  it('without permission to create sites, unknown sites are row errors', async () => {
    const org = await createOrgFixture(db(), 'engineer');
    const r = await importSpreadsheet(ctxFor(db(), org, 'engineer'), { path: MESSY_CSV, createSites: true });
    expect(r.written).toBe(false);
    expect(r.errors[0]).toMatchObject({ row: 2, column: 'Building', reason: expect.stringMatching(/only a manager or admin can create sites/) });
    await expect(importSpreadsheet(ctxFor(db(), org, 'viewer'), { path: MESSY_CSV })).rejects.toMatchObject({ status: 403 });
  });
});

describeEachDb('import: provenance, findings and tenants', (db) => {
  let app: FastifyInstance;
  let dir: string;
  let a: OrgFixture;
  let b: OrgFixture;
  beforeAll(async () => {
    app = await createTestApp(db());
    dir = tempDir();
    a = await createOrgFixture(db(), 'provena');
    b = await createOrgFixture(db(), 'provenb');
  });
  afterAll(async () => { await app?.close(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('identifies relabelled Hikvision kit and opens the findings the policy gives, as an edit in the app would', async () => {
    await api(app, a.tokens.manager, 'POST', '/api/v1/sites', { name: 'Police HQ', sensitive: true, sensitiveReason: 'Custody suite' });
    const file = path.join(dir, 'relabels.csv');
    fs.writeFileSync(file, [
      'Make,Model,Serial,MAC,Site',
      'Annke,C800,AN-1,44:19:B6:10:00:01,Police HQ',
      'Honeywell,DS-2CD2143G2-I,HW-1,44:19:B6:10:00:02,Police HQ',
      'Axis,P3245-LVE,AX-1,00:40:8C:10:00:03,Police HQ',
    ].join('\n'));
    const r = await importSpreadsheet(ctxFor(db(), a), { path: file });
    expect(r.written).toBe(true);
    expect(r.findingsOpened).toBeGreaterThanOrEqual(3);
    const assets = await assetsOf(app, a.tokens.viewer);
    const annke = assets.find((x) => x.serial === 'AN-1');
    const prov = await db().db.selectFrom('asset_provenance').selectAll().where('asset_id', '=', annke.id).executeTakeFirstOrThrow();
    expect(prov).toMatchObject({ origin: 'hikvision', nil_subject: 1 });
    const findings = (await api(app, a.tokens.viewer, 'GET', `/api/v1/findings?asset=${annke.id}`)).json.items;
    expect(findings.map((f: any) => f.rule)).toContain('uk-nil-sensitive-site');
    const honeywell = assets.find((x) => x.serial === 'HW-1');
    const hwFindings = (await api(app, a.tokens.viewer, 'GET', `/api/v1/findings?asset=${honeywell.id}`)).json.items.map((f: any) => f.rule);
    expect(hwFindings).toEqual(expect.arrayContaining(['uk-nil-sensitive-site', 'evidence-conflict']));
    const axis = assets.find((x) => x.serial === 'AX-1');
    expect((await api(app, a.tokens.viewer, 'GET', `/api/v1/findings?asset=${axis.id}`)).json.items.map((f: any) => f.rule)).not.toContain('uk-nil-sensitive-site');
    // The bulk path and the per-asset evaluation agree: re-assessing changes nothing.
    const again = await assessOrganisation(ctxFor(db(), a));
    expect(again.changes).toMatchObject({ originChanged: 0, findingsOpened: 0, findingsResolved: 0 });
    // One audit event summarises the import.
    const trail = await api(app, a.tokens.admin, 'GET', '/api/v1/audit?objectType=import');
    expect(trail.json.events[0]).toMatchObject({ action: 'import', after: { added: 3 } });
  });

  it('keeps organisations apart: the same serials in another organisation are new assets there', async () => {
    const before = JSON.stringify(await assetsOf(app, a.tokens.viewer));
    const file = path.join(dir, 'relabels.csv');
    const r = await importSpreadsheet(ctxFor(db(), b), { path: file, createSites: true });
    expect(r).toMatchObject({ written: true, added: 3, updated: 0, unchanged: 0, notInFile: 0, sitesCreated: 1 });
    expect(JSON.stringify(await assetsOf(app, a.tokens.viewer))).toBe(before);
    const bSites = (await api(app, b.tokens.viewer, 'GET', '/api/v1/sites')).json.items;
    expect(bSites.map((s: any) => [s.name, s.sensitive])).toEqual([['Police HQ', false]]);
  });
});
