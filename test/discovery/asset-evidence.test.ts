import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { device, report } from './server-fixtures';
import { importSpreadsheet } from '../../src/modules/imports/service';

// What a scan saw of a device (banners, realms, scopes…) stays with the asset: it reaches the "Who made it" panel
// with the rule that read it, and every later evaluation (an edit, a re-assessment) still reads it. The rules named
// here are in the shipped catalogue (src/catalog/data/catalogue.json).

const HIKVISION_SCOPES = ['onvif://www.onvif.org/type/video_encoder', 'onvif://www.onvif.org/name/HIKVISION', 'onvif://www.onvif.org/location/city/hangzhou'];

describeEachDb('discovery: network evidence kept with the asset', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  let assetId: string;
  let registered: string;
  const provenance = async (id: string, token = org.tokens.viewer) => api(app, token, 'GET', `/api/v1/assets/${id}/provenance`);
  const ruleIds = (p: any) => p.evidence.map((e: any) => e.ruleId);
  const upload = (token: string, devices: ReturnType<typeof device>[], finishedAt: string) =>
    api(app, token, 'POST', '/api/v1/discovery/runs', report(['10.40.1.0/24'], devices, { startedAt: finishedAt, finishedAt }));

  beforeAll(async () => {
    app = await createTestApp(db(), { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sl-obs-')) });
    org = await createOrgFixture(db(), 'wexcombe');
    other = await createOrgFixture(db(), 'dunmoor');
    for (const o of [org, other]) expect((await api(app, o.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '10.40.0.0/16' })).status).toBe(201);
    // In both registers: a camera labelled with a brand the catalogue does not know, nothing else recorded.
    const mine = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Acme Security', serial: 'HK-77', ip: '10.40.1.6' });
    expect(mine.status).toBe(201);
    registered = mine.json.id;
    expect((await api(app, other.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Acme Security', serial: 'HK-77', ip: '10.40.1.6' })).status).toBe(201);
  });
  afterAll(async () => { await app?.close(); });

  it('refuses evidence over the contract’s bounds, naming the field', async () => {
    const big = device('10.40.1.5', { httpServer: 'DNVRS-Webs', httpBody: 'x'.repeat(65_537) });
    const r = await upload(org.tokens.engineer, [big], '2026-11-20T10:01:00.000Z');
    expect(r.status).toBe(422);
    expect(Object.keys(r.json.error.fields)).toContain('devices.0.httpBody');
  });

  it('adds a device that only the network identifies, and its page and API show each piece of evidence with the rule that read it', async () => {
    const body = `<html><head><title>Login</title></head><body>${'<script src="/doc/script/lib.js"></script>'.repeat(400)}</body></html>`;
    const seen = device('10.40.1.5', {
      httpServer: 'DNVRS-Webs', realm: 'DS-2CD2143G0-I', wwwAuthenticate: 'Digest realm="DS-2CD2143G0-I", qop="auth"',
      x509Subject: 'CN=10.40.1.5, O=Acme', httpBody: body, faviconMmh3: 999357577, scopes: HIKVISION_SCOPES,
      services: [{ service: 'sadp', port: 37020, rawResponse: '<?xml version="1.0"?><ProbeMatch>' }],
    });
    const run = await upload(org.tokens.engineer, [seen], '2026-11-20T10:01:00.000Z');
    expect(run.status).toBe(201);
    const [item] = (await api(app, org.tokens.viewer, 'GET', `/api/v1/discovery/runs/${run.json.id}/items?kind=new`)).json.items;
    expect(item.device).toMatchObject({ address: '10.40.1.5', origin: 'hikvision', brand: null, model: null });
    const added = await api(app, org.tokens.engineer, 'POST', `/api/v1/discovery/runs/${run.json.id}/items/${item.id}/action`);
    expect(added.json.outcome).toBe('added');
    assetId = added.json.outcomeAssetId;

    const p = (await provenance(assetId)).json;
    expect(p).toMatchObject({ assetId, origin: 'hikvision', nilSubject: true });
    const server = p.evidence.find((e: any) => e.kind === 'httpServer');
    expect(server).toMatchObject({ kindName: 'Web server banner', value: 'DNVRS-Webs', ruleId: 'hikvision-http-server-family', company: 'hikvision' });
    expect(server.sourceTitle).toEqual(expect.any(String));
    expect(p.evidence.find((e: any) => e.kind === 'scope')).toMatchObject({ kindName: 'Discovery scope', ruleId: 'hikvision-scope-name' });
    // Everything the scan saw is kept, including what no rule reads yet, with the scan it came from.
    expect(p.observed).toMatchObject({ seenAt: '2026-11-20T10:01:00.000Z', address: '10.40.1.5', runId: run.json.id });
    expect(p.observed.evidence).toMatchObject({ httpServer: 'DNVRS-Webs', realm: 'DS-2CD2143G0-I', x509Subject: 'CN=10.40.1.5, O=Acme', faviconMmh3: 999357577, scopes: HIKVISION_SCOPES });
    expect(p.observed.evidence.httpBody).toBe(body);
    expect(p.observed.evidence.services).toEqual([{ service: 'sadp', port: 37020, rawResponse: '<?xml version="1.0"?><ProbeMatch>' }]);

    const page = await (await signedInAgent(app, org.users.viewer.email)).get(`/o/wexcombe/assets/${assetId}`);
    expect(page.statusCode).toBe(200);
    const panel = page.body.slice(page.body.indexOf('id="provenance"'), page.body.indexOf('id="findings"'));
    expect(panel).toContain('Hangzhou Hikvision');
    expect(panel).toMatch(/Web server banner<\/td>\s*<td class="govuk-table__cell sl-mono">DNVRS-Webs<\/td>/);
    expect(panel).toContain('hikvision-http-server-family');
    expect(panel).toContain('hikvision-scope-name');
    expect(panel).toContain('What the network said');
    expect(panel).toContain('by the discovery scan of');
    expect(panel).toContain('20 November 2026');
    expect(panel).toContain('Login realm');
    expect(panel).toContain('DS-2CD2143G0-I');
    expect(panel).toContain(`${body.length.toLocaleString('en-GB')} characters of the root page`);
  });

  it('keeps the network evidence when the asset is edited', async () => {
    const r = await api(app, org.tokens.engineer, 'PATCH', `/api/v1/assets/${assetId}`, { manufacturer: 'Acme Security', location: 'Car park gate' });
    expect(r.status).toBe(200);
    const p = (await provenance(assetId)).json;
    expect(p.evidence.map((e: any) => e.kind)).toContain('label');
    expect(ruleIds(p)).toEqual(expect.arrayContaining(['hikvision-http-server-family', 'hikvision-scope-name']));
    expect(p.origin).toBe('hikvision');
  });

  it('keeps the network evidence when the estate is re-assessed', async () => {
    // As if the stored verdict were an old one made from the register alone: the assessment must read the scan again.
    await db().db.updateTable('asset_provenance').set({ origin: null, nil_subject: null, confidence: 0, evidence_json: '[]', catalogue_version: 'old' })
      .where('asset_id', '=', assetId).execute();
    const agent = await signedInAgent(app, org.users.engineer.email);
    const r = await agent.post('/o/wexcombe/assess', {});
    expect(r.statusCode).toBe(303);
    const p = (await provenance(assetId)).json;
    expect(p).toMatchObject({ origin: 'hikvision', nilSubject: true, stale: false });
    expect(ruleIds(p)).toEqual(expect.arrayContaining(['hikvision-http-server-family', 'hikvision-scope-name']));
  });

  it('reads what a scan saw of a register entry at once, and an older scan uploaded late does not replace it', async () => {
    expect((await provenance(registered)).json).toMatchObject({ origin: null, observed: null });
    const newer = await upload(org.tokens.engineer, [device('10.40.1.6', { serial: 'HK-77', httpServer: 'App-webs/', scopes: HIKVISION_SCOPES })], '2026-11-27T10:01:00.000Z');
    expect(newer.status).toBe(201);
    let p = (await provenance(registered)).json;
    expect(p).toMatchObject({ origin: 'hikvision', observed: { seenAt: '2026-11-27T10:01:00.000Z', evidence: { httpServer: 'App-webs/' } } });
    expect(ruleIds(p)).toContain('hikvision-http-server-family');
    const findings = (await api(app, org.tokens.viewer, 'GET', `/api/v1/findings?asset=${registered}`)).json.items.map((f: any) => f.rule);
    expect(findings).toContain('uk-nil-other-site');

    // Seen a week earlier answering as a Xiongmai board: uploaded late, it does not override the newer sighting.
    const older = await upload(org.tokens.engineer, [device('10.40.1.6', { serial: 'HK-77', httpServer: 'uc-httpd 1.0.0' })], '2026-11-20T09:00:00.000Z');
    expect(older.status).toBe(201);
    p = (await provenance(registered)).json;
    expect(p.observed).toMatchObject({ seenAt: '2026-11-27T10:01:00.000Z', runId: newer.json.id, evidence: { httpServer: 'App-webs/' } });
    expect(ruleIds(p)).not.toContain('xiongmai-http-server');

    // A later scan that got no network evidence (its web probes failed) does not erase what was seen.
    const blank = await upload(org.tokens.engineer, [device('10.40.1.6', { serial: 'HK-77' })], '2026-12-01T10:01:00.000Z');
    expect(blank.status).toBe(201);
    expect((await provenance(registered)).json.observed).toMatchObject({ seenAt: '2026-11-27T10:01:00.000Z', evidence: { httpServer: 'App-webs/' } });
  });

  it('keeps the network evidence when a spreadsheet import updates the asset', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sl-obs-import-')), 'register.csv');
    fs.writeFileSync(file, 'Manufacturer,Serial number,IP address,Notes\r\nAcme Security,HK-77,10.40.1.6,Checked at the north gate\r\n');
    const ctx = { db: db().db, orgId: org.id, orgSlug: org.slug, role: 'admin' as const, actor: { type: 'system' as const, id: null, label: 'import test' } };
    const r = await importSpreadsheet(ctx, { path: file });
    expect(r).toMatchObject({ written: true, updated: 1, added: 0 });
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/assets/${registered}`)).json.notes).toBe('Checked at the north gate');
    const p = (await provenance(registered)).json;
    expect(p).toMatchObject({ origin: 'hikvision', observed: { evidence: { httpServer: 'App-webs/' } } });
    expect(ruleIds(p)).toEqual(expect.arrayContaining(['hikvision-http-server-family', 'hikvision-scope-name']));
  });

  it('keeps each organisation’s observations to itself', async () => {
    // The other organisation's scan of its own HK-77 at the same address, newer than ours.
    const theirs = await upload(other.tokens.engineer, [device('10.40.1.6', { serial: 'HK-77', httpServer: 'uc-httpd 1.0.0' })], '2026-12-02T10:01:00.000Z');
    expect(theirs.status).toBe(201);
    const p = (await provenance(registered)).json;
    expect(p.observed.evidence).toEqual({ httpServer: 'App-webs/', scopes: HIKVISION_SCOPES });
    expect(ruleIds(p)).not.toContain('xiongmai-http-server');
    const [their] = (await api(app, other.tokens.viewer, 'GET', '/api/v1/assets?q=HK-77')).json.items;
    expect((await provenance(their.id, other.tokens.viewer)).json).toMatchObject({ origin: 'xiongmai', observed: { evidence: { httpServer: 'uc-httpd 1.0.0' } } });

    expect((await provenance(registered, other.tokens.admin)).status).toBe(404);
    const page = await (await signedInAgent(app, other.users.admin.email)).get(`/o/dunmoor/assets/${registered}`);
    expect(page.statusCode).toBe(404);
    expect(page.body).not.toContain('App-webs/');
  });

  it('judges an asset two devices of one scan matched by what it keeps of them', async () => {
    const twin = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Acme Security', serial: 'TWIN-1', ip: '10.40.1.9' });
    expect(twin.status).toBe(201);
    // One device at the asset's address, another elsewhere with its serial: both are this asset; the first is kept.
    const run = await upload(org.tokens.engineer, [
      device('10.40.1.9', { httpServer: 'App-webs/' }),
      device('10.40.1.10', { serial: 'TWIN-1', httpServer: 'uc-httpd 1.0.0' }),
    ], '2026-12-03T10:01:00.000Z');
    expect(run.status).toBe(201);
    const p = (await provenance(twin.json.id)).json;
    expect(p.observed).toMatchObject({ address: '10.40.1.9', evidence: { httpServer: 'App-webs/' } });
    expect(p.origin).toBe('hikvision');
    expect(ruleIds(p)).not.toContain('xiongmai-http-server');
  });

  it('says so when the verdict names a platform many makers use', async () => {
    // A verdict as the engine gives one for a white-label board: no producer, a platform, and whether that settles PRC-NIL.
    const platform = { id: 'hisilicon-dvr', name: 'HiSilicon-based DVR from a Chinese OEM', note: 'Sold under many brands.', nilSubject: null };
    const item = { kind: 'httpServer', value: 'Boa/0.94.14rc21', company: null, platform: 'hisilicon-dvr', indicates: 'A HiSilicon-platform DVR web server', weight: 0.5, ruleId: 'hisilicon-dvr-boa', source: 'recog' };
    await db().db.updateTable('asset_provenance').set({ origin: null, nil_subject: null, confidence: 0, evidence_json: JSON.stringify([item]), platform_json: JSON.stringify(platform) })
      .where('org_id', '=', org.id).where('asset_id', '=', assetId).execute();
    const p = (await provenance(assetId)).json;
    expect(p).toMatchObject({ origin: null, platform });
    expect(p.evidence[0]).toMatchObject({ kind: 'httpServer', platform: 'hisilicon-dvr', ruleId: 'hisilicon-dvr-boa' });
    const page = await (await signedInAgent(app, org.users.viewer.email)).get(`/o/wexcombe/assets/${assetId}`);
    expect(page.body).toContain('The evidence shows a platform many makers use: <strong>HiSilicon-based DVR from a Chinese OEM</strong>');
    expect(page.body).toContain('The platform alone does not settle whether the producer is subject to the PRC National Intelligence Law');
    expect(page.body).not.toContain('Neither the register nor what the network said');
  });
});
