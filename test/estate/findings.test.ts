import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';

// The policy rules applied to a real register: findings open when a PRC-NIL device sits where the 2022 statement
// says it should not, move with the device, can be accepted as a risk with a review date, and resolve on removal.

describeEachDb('provenance and findings in the register', (db, kind) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  const ids: Record<string, string> = {};
  const open = async (assetId: string) => (await api(app, org.tokens.viewer, 'GET', `/api/v1/findings?asset=${assetId}&limit=500`)).json.items
    .filter((f: any) => f.status !== 'resolved').map((f: any) => f.rule).sort();

  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'redbridge');
    ids.townHall = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Town Hall', sensitive: true, sensitiveReason: 'Council data centre' })).json.id;
    ids.depot = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Depot' })).json.id;
    ids.lan = (await api(app, org.tokens.manager, 'POST', '/api/v1/networks', { name: 'Corporate LAN', kind: 'core', cidrs: ['10.10.0.0/16'] })).json.id;
    ids.vlan = (await api(app, org.tokens.manager, 'POST', '/api/v1/networks', { name: 'CCTV VLAN', kind: 'isolated', cidrs: ['10.20.0.0/16'] })).json.id;
  });
  afterAll(async () => { await app?.close(); });

  it('sees a relabelled Hikvision camera on a sensitive site and raises a critical finding citing the statement', async () => {
    const a = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', {
      kind: 'camera', manufacturer: 'Acme Security', model: 'DS-2CD2143G2-I', mac: '44:19:B6:10:20:30', firmware: 'V5.7.3 build 220112',
      serial: 'HIK-1', siteId: ids.townHall, networkId: ids.vlan,
    });
    expect(a.status).toBe(201);
    ids.hik = a.json.id;
    expect(await open(ids.hik)).toEqual(expect.arrayContaining(['uk-nil-sensitive-site']));
    const list = await api(app, org.tokens.viewer, 'GET', `/api/v1/findings?asset=${ids.hik}&severity=critical`);
    expect(list.json.items[0].citation.reference).toMatch(/HCWS386/);
    const agent = await signedInAgent(app, org.users.viewer.email);
    const page = await agent.get(`/o/redbridge/assets/${ids.hik}`);
    expect(page.body).toContain('Subject to PRC National Intelligence Law');
    expect(page.body).toContain('44:19:B6');
  });

  it('moves the findings with the device: off the sensitive site and onto the core network', async () => {
    await api(app, org.tokens.engineer, 'PATCH', `/api/v1/assets/${ids.hik}`, { siteId: ids.depot, networkId: ids.lan });
    expect(await open(ids.hik)).toEqual(expect.arrayContaining(['uk-nil-core-network', 'uk-nil-other-site']));
    expect(await open(ids.hik)).not.toContain('uk-nil-sensitive-site');
    const resolved = (await api(app, org.tokens.viewer, 'GET', `/api/v1/findings?asset=${ids.hik}&status=resolved`)).json.items;
    expect(resolved.map((f: any) => f.rule)).toContain('uk-nil-sensitive-site');
    expect(resolved[0].resolution).toMatch(/no longer/);
  });

  it('re-evaluates a site’s devices when the site becomes sensitive', async () => {
    await api(app, org.tokens.manager, 'PATCH', `/api/v1/sites/${ids.depot}`, { sensitive: true, sensitiveReason: 'Now holds the emergency control room' });
    expect(await open(ids.hik)).toContain('uk-nil-sensitive-site');
  });

  it('lets a manager accept a risk with a reason and a future review date, and nobody below', async () => {
    const f = (await api(app, org.tokens.viewer, 'GET', `/api/v1/findings?asset=${ids.hik}&rule=uk-nil-core-network`)).json.items[0];
    expect((await api(app, org.tokens.engineer, 'POST', `/api/v1/findings/${f.id}/accept`, { reason: 'x', reviewDate: '2027-03-31' })).status).toBe(403);
    const past = await api(app, org.tokens.manager, 'POST', `/api/v1/findings/${f.id}/accept`, { reason: 'Replacement funded', reviewDate: '2020-01-01' });
    expect(past.status).toBe(422);
    expect(past.json.error.fields.reviewDate).toMatch(/future/);
    const ok = await api(app, org.tokens.manager, 'POST', `/api/v1/findings/${f.id}/accept`, { reason: 'Replacement funded for April', reviewDate: '2027-03-31' });
    expect(ok.json).toMatchObject({ status: 'accepted', acceptedReason: 'Replacement funded for April', reviewDate: '2027-03-31' });
    // Accepted findings stay accepted while the rule still applies.
    await api(app, org.tokens.engineer, 'PATCH', `/api/v1/assets/${ids.hik}`, { location: 'Gatehouse' });
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/findings/${f.id}`)).json.status).toBe('accepted');
    const trail = await api(app, org.tokens.admin, 'GET', `/api/v1/audit?objectType=finding&objectId=${f.id}`);
    expect(trail.json.events.map((e: any) => e.action)).toEqual(expect.arrayContaining(['accept', 'create']));
  });

  it('resolves every finding when the device is removed', async () => {
    await api(app, org.tokens.engineer, 'PATCH', `/api/v1/assets/${ids.hik}`, { status: 'removed' });
    expect(await open(ids.hik)).toEqual([]);
  });

  it('raises no UK finding for an Axis camera, and asks to establish provenance for an unlabelled device on the core network', async () => {
    const axis = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Axis', model: 'P3245-LVE', mac: '00:40:8C:11:22:33', siteId: ids.townHall, networkId: ids.lan });
    expect((await open(axis.json.id)).filter((r: string) => r.startsWith('uk-'))).toEqual([]);
    const unknown = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', networkId: ids.lan });
    expect(await open(unknown.json.id)).toEqual(['unknown-provenance-exposed']);
  });

  it('shows a label that disagrees with the MAC prefix as a conflict to verify', async () => {
    const a = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Axis', mac: '3C:EF:8C:01:02:03', siteId: ids.depot });
    expect(await open(a.json.id)).toEqual(expect.arrayContaining(['evidence-conflict']));
  });

  it('re-evaluates an estate judged with an older catalogue and records what changed', async () => {
    // As if an earlier catalogue had believed this camera was made by Axis.
    await db().db.updateTable('asset_provenance').set({ catalogue_version: '2020.01.01-1', origin: 'axis', nil_subject: 0 }).where('asset_id', '=', ids.hik).execute();
    const { reassessStaleEstates, lastAssessment, staleVerdicts } = await import('../../src/modules/provenance/service');
    const lines: string[] = [];
    await reassessStaleEstates(db().db, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/Re-assessed redbridge .*1 devices? changed origin/);
    const ctx = { db: db().db, orgId: org.id, orgSlug: org.slug, role: 'admin' as const, actor: { type: 'system' as const, id: null, label: 'test' } };
    expect(await staleVerdicts(ctx)).toBe(0);
    const last = await lastAssessment(ctx);
    expect(last!.changes.examples).toContainEqual({ assetId: ids.hik, from: 'axis', to: 'hikvision' });
  });

  it('sightline assess --json summarises the estate and lists the findings', () => {
    const env = { ...process.env, ...(kind === 'sqlite' ? { DATA_DIR: path.dirname(db().file!), DATABASE_URL: '' } : { DATABASE_URL: db().url! }) };
    const out = JSON.parse(execFileSync('node', ['bin/sightline.mjs', 'assess', '--org', 'redbridge', '--json'], { env, encoding: 'utf8' }));
    expect(out.summary.assets).toBeGreaterThanOrEqual(3);
    expect(out.summary.bySeverity).toHaveProperty('critical');
    expect(out.findings.length).toBeGreaterThan(0);
    expect(out.findings[0]).toHaveProperty('citation');
  });
});
