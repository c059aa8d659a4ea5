import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { device, NETWORK, REGISTER, report } from './server-fixtures';
import { listOperations } from '../../src/web/openapi';

// A scan report uploaded by `sightline discover`, reconciled with the register: new devices, devices not seen,
// changed firmware/IP/MAC and makers that contradict the register, each settled by one click.

describeEachDb('discovery: uploaded scans and reconciliation', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  const assets: Record<string, string> = {};
  let runId: string;
  const items = async (kind?: string) => (await api(app, org.tokens.viewer, 'GET', `/api/v1/discovery/runs/${runId}/items?limit=500${kind ? `&kind=${kind}` : ''}`)).json.items;
  const provenance = (assetId: string) => db().db.selectFrom('asset_provenance').select(['origin', 'nil_subject']).where('asset_id', '=', assetId).executeTakeFirst();

  beforeAll(async () => {
    app = await createTestApp(db(), { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sl-disc-')) });
    org = await createOrgFixture(db(), 'fenwick');
    other = await createOrgFixture(db(), 'otterly');
    expect((await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '10.20.0.0/16', label: 'CCTV VLAN' })).status).toBe(201);
    expect((await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '10.30.0.0/16' })).status).toBe(201);
    for (const [k, a] of Object.entries(REGISTER)) {
      const r = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', a);
      expect(r.status, k).toBe(201);
      assets[k] = r.json.id;
    }
  });
  afterAll(async () => { await app?.close(); });

  it('refuses an upload from a viewer, and from an organisation with no allowed ranges', async () => {
    const body = report(['10.20.1.0/24'], [NETWORK.axis()]);
    expect((await api(app, org.tokens.viewer, 'POST', '/api/v1/discovery/runs', body)).status).toBe(403);
    const none = await api(app, other.tokens.engineer, 'POST', '/api/v1/discovery/runs', body);
    expect(none.status).toBe(409);
    expect(none.json.error.message).toMatch(/no allowed ranges/);
  });

  it('names the field at fault in a malformed report', async () => {
    const bad = report(['10.20.1.0/24'], [{ ...NETWORK.axis(), address: 'camera-1.local' }]);
    const r = await api(app, org.tokens.engineer, 'POST', '/api/v1/discovery/runs', bad);
    expect(r.status).toBe(422);
    expect(r.json.error.fields['devices.0.address']).toMatch(/IPv4/);
  });

  it('stores the run, refuses devices outside the allowed ranges and reconciles the rest', async () => {
    const r = await api(app, org.tokens.engineer, 'POST', '/api/v1/discovery/runs',
      report(['10.20.1.0/24', '192.168.5.0/24'], [NETWORK.axis(), NETWORK.relabelled(), NETWORK.hikvision(), NETWORK.outOfRange()]));
    expect(r.status).toBe(201);
    runId = r.json.id;
    expect(r.json.deviceCount).toBe(3);
    expect(r.json.refused).toEqual([{ address: '192.168.5.5', reason: expect.stringContaining('outside the organisation’s allowed ranges') }]);
    // The Axis changed firmware; the relabelled one gained MAC and firmware and is Dahua, not Axis; the Hikvision is new;
    // the asset at 10.20.1.12 did not answer. 10.30.0.5 was not a target, so it is not "missing".
    expect(r.json.summary).toEqual({ new: 1, missing: 1, changed: 2, provenance: 1 });
    const stored = await db().db.selectFrom('discovery_devices').select('address').where('run_id', '=', runId).execute();
    expect(stored.map((d) => d.address).sort()).toEqual(['10.20.1.10', '10.20.1.11', '10.20.1.20']);

    const [added] = await items('new');
    expect(added.device).toMatchObject({ address: '10.20.1.20', origin: 'hikvision', nilSubject: true });
    const changed = await items('changed');
    expect(changed.find((i: any) => i.asset.id === assets.axis).detail.changes).toEqual([{ field: 'firmware', register: '10.12.153', seen: '10.12.200' }]);
    const [prov] = await items('provenance');
    expect(prov).toMatchObject({ asset: { id: assets.relabelled }, detail: { registerOrigin: 'axis', seenOrigin: 'dahua', label: 'Axis' } });
    const [missing] = await items('missing');
    expect(missing.asset.id).toBe(assets.gone);
  });

  it('adds a new device to the register through the assets service, once however often it is clicked', async () => {
    const [item] = await items('new');
    const first = await api(app, org.tokens.engineer, 'POST', `/api/v1/discovery/runs/${runId}/items/${item.id}/action`);
    expect(first.status).toBe(200);
    expect(first.json.outcome).toBe('added');
    const asset = (await api(app, org.tokens.viewer, 'GET', `/api/v1/assets/${first.json.outcomeAssetId}`)).json;
    expect(asset).toMatchObject({ ip: '10.20.1.20', mac: '24:0F:9B:DC:3C:C3', model: 'DS-2CD2047G2-L', firmware: 'V5.5.82 build 190909', serial: 'DS-2CD2047G2-L20210101AAWR1', manufacturer: 'HIKVISION' });
    expect(await provenance(asset.id)).toMatchObject({ origin: 'hikvision' });
    const findings = (await api(app, org.tokens.viewer, 'GET', `/api/v1/findings?asset=${asset.id}`)).json.items.map((f: any) => f.rule);
    expect(findings).toContain('uk-nil-other-site');

    const again = await api(app, org.tokens.engineer, 'POST', `/api/v1/discovery/runs/${runId}/items/${item.id}/action`);
    expect(again.json).toMatchObject({ outcome: 'added', outcomeAssetId: asset.id });
    const copies = await db().db.selectFrom('assets').select('id').where('mac', '=', '24:0F:9B:DC:3C:C3').execute();
    expect(copies).toHaveLength(1);
  });

  it('updates changed firmware, and applies discovery evidence that changes who the register says made it', async () => {
    const changed = (await items('changed')).find((i: any) => i.asset.id === assets.axis);
    const r = await api(app, org.tokens.engineer, 'POST', `/api/v1/discovery/runs/${runId}/items/${changed.id}/action`);
    expect(r.json.outcome).toBe('updated');
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/assets/${assets.axis}`)).json.firmware).toBe('10.12.200');

    const [prov] = await items('provenance');
    const p = await api(app, org.tokens.engineer, 'POST', `/api/v1/discovery/runs/${runId}/items/${prov.id}/action`);
    expect(p.json.outcome).toBe('updated');
    const asset = (await api(app, org.tokens.viewer, 'GET', `/api/v1/assets/${assets.relabelled}`)).json;
    expect(asset).toMatchObject({ manufacturer: 'Axis', mac: 'E0:50:8B:10:BB:57' });
    expect(asset.notes).toMatch(/identified the maker as Zhejiang Dahua Technology/);
    expect(await provenance(assets.relabelled)).toMatchObject({ origin: 'dahua' });
    const rules = (await api(app, org.tokens.viewer, 'GET', `/api/v1/findings?asset=${assets.relabelled}`)).json.items.map((f: any) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['evidence-conflict', 'uk-nil-other-site']));
  });

  it('marks a register entry missing without changing its status, recording it on the item and in the asset’s history', async () => {
    const [missing] = await items('missing');
    const r = await api(app, org.tokens.engineer, 'POST', `/api/v1/discovery/runs/${runId}/items/${missing.id}/action`);
    expect(r.json).toMatchObject({ outcome: 'marked-missing', outcomeAssetId: assets.gone });
    expect(r.json.outcomeSummary).toMatch(/Not seen on the network at 10\.20\.1\.12/);
    // Not its status (not answering is not removed), but the register shows it missing since that scan.
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/assets/${assets.gone}`)).json).toMatchObject({ status: 'in-service', missingSince: '2026-11-20' });
    const page = await (await signedInAgent(app, org.users.viewer.email)).get(`/o/fenwick/assets/${assets.gone}`);
    expect(page.body).toContain('Marked missing: not found on the network by the discovery scan of 20 November 2026');
    const trail = (await api(app, org.tokens.admin, 'GET', `/api/v1/audit?objectType=asset&objectId=${assets.gone}`)).json.events;
    expect(trail.map((e: any) => e.action)).toContain('mark-missing');
    expect((await items()).filter((i: any) => i.outcome === null).map((i: any) => i.kind)).toEqual(['changed']);
  });

  it('shows the run grouped by kind, acts from the page, and shows what was done', async () => {
    const agent = await signedInAgent(app, org.users.engineer.email);
    const home = await agent.get('/o/fenwick/discovery');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain(`/o/fenwick/discovery/runs/${runId}`);
    let page = await agent.get(`/o/fenwick/discovery/runs/${runId}`);
    expect(page.statusCode).toBe(200);
    for (const heading of ['Found on the network, not in the register', 'In the register, not seen on the network', 'Changed firmware, IP or MAC address', 'Maker differs from the register']) expect(page.body).toContain(heading);
    expect(page.body).toContain('192.168.5.5 is outside');
    const open = (await items('changed')).find((i: any) => i.outcome === null);
    expect(page.body).toContain(`/items/${open.id}"`);
    const posted = await agent.post(`/o/fenwick/discovery/runs/${runId}/items/${open.id}`, {});
    expect(posted.statusCode).toBe(303);
    page = await agent.get(`/o/fenwick/discovery/runs/${runId}`);
    expect(page.body).toMatch(/MAC not recorded → E0:50:8B:10:BB:57/);
    expect(page.body).not.toContain(`/items/${open.id}"`); // no button left: every item is done
    const viewer = await signedInAgent(app, org.users.viewer.email);
    expect((await viewer.post(`/o/fenwick/discovery/runs/${runId}/items/${open.id}`, {})).statusCode).toBe(403);
  });

  it('answers every documented discovery GET with the documented shape', async () => {
    const [item] = await items();
    const ops = listOperations().filter((o) => o.method === 'GET' && o.path.startsWith('/api/v1/discovery') && o.doc.response);
    expect(ops.length).toBeGreaterThanOrEqual(5);
    for (const op of ops) {
      const r = await api(app, org.tokens.admin, 'GET', op.path.replace(':itemId', item.id).replace(':id', runId));
      expect(r.status, op.path).toBe(200);
      const parsed = op.doc.response!.safeParse(r.json);
      expect(parsed.success, `${op.path}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))}`).toBe(true);
    }
  });

  it('keeps runs to their organisation', async () => {
    const [item] = await items();
    for (const role of ['admin', 'engineer'] as const) {
      expect((await api(app, other.tokens[role], 'GET', `/api/v1/discovery/runs/${runId}`)).status).toBe(404);
      expect((await api(app, other.tokens[role], 'GET', `/api/v1/discovery/runs/${runId}/items`)).status).toBe(404);
      expect((await api(app, other.tokens[role], 'POST', `/api/v1/discovery/runs/${runId}/items/${item.id}/action`)).status).toBe(404);
    }
    expect((await api(app, other.tokens.admin, 'GET', '/api/v1/discovery/runs')).json.items).toEqual([]);
    const agent = await signedInAgent(app, other.users.admin.email);
    expect((await agent.get(`/o/otterly/discovery/runs/${runId}`)).statusCode).toBe(404);
    expect((await agent.get(`/o/fenwick/discovery/runs/${runId}`)).statusCode).toBe(404);
  });

  it('accepts a report larger than the app-wide 1 MiB body limit, which other routes keep', async () => {
    const noisy = device('10.20.2.1', { brand: 'Axis', mac: '00:40:8C:00:00:99' });
    noisy.probes = Array.from({ length: 400 }, (_, i) => ({ probe: `http-path-${i}`, ok: false, ms: 1, error: 'x'.repeat(1900) }));
    const big = JSON.stringify(report(['10.20.2.0/24'], [noisy, { ...noisy, address: '10.20.2.2', mac: null }], { interrupted: true }));
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const r = await api(app, org.tokens.engineer, 'POST', '/api/v1/discovery/runs', big);
    expect(r.status).toBe(201);
    // Stopped early: what was not reached is not reported missing.
    expect(r.json.summary.missing).toBe(0);
    const site = await api(app, org.tokens.manager, 'POST', '/api/v1/sites', JSON.stringify({ name: 'x', address: 'y'.repeat(1024 * 1024) }));
    expect(site.status).toBe(413);
  });

  it('clears the missing marker when a later scan sees the asset again', async () => {
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/assets/${assets.gone}`)).json.missingSince).toBe('2026-11-20');
    const back = device('10.20.1.12', { brand: 'HIKVISION', mac: '44:19:B6:00:00:03', onvif: { manufacturer: 'HIKVISION', model: 'DS-2CD2143G2-I', firmwareVersion: null, serialNumber: 'HK-3' } } as any);
    const r = await api(app, org.tokens.engineer, 'POST', '/api/v1/discovery/runs', report(['10.20.1.12'], [back], { startedAt: '2026-11-27T10:00:00.000Z', finishedAt: '2026-11-27T10:00:30.000Z' }));
    expect(r.status).toBe(201);
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/assets/${assets.gone}`)).json.missingSince).toBeNull();
    const page = await (await signedInAgent(app, org.users.viewer.email)).get(`/o/fenwick/assets/${assets.gone}`);
    expect(page.body).not.toContain('Marked missing');
    // An older scan that missed it, uploaded late, cannot mark it missing over the newer sighting.
    const older = await api(app, org.tokens.engineer, 'POST', '/api/v1/discovery/runs', report(['10.20.1.12'], [], { startedAt: '2026-11-10T10:00:00.000Z', finishedAt: '2026-11-10T10:00:30.000Z' }));
    expect(older.status).toBe(201);
    const [stale] = (await api(app, org.tokens.viewer, 'GET', `/api/v1/discovery/runs/${older.json.id}/items?kind=missing`)).json.items;
    expect(stale.asset.id).toBe(assets.gone);
    const late = await api(app, org.tokens.engineer, 'POST', `/api/v1/discovery/runs/${older.json.id}/items/${stale.id}/action`);
    expect(late.status).toBe(409);
    expect(late.json.error.message).toMatch(/A later scan \(2026-11-27\) has seen this asset/);
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/assets/${assets.gone}`)).json.missingSince).toBeNull();
  });
});
