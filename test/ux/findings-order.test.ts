import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';

// Findings most severe first (page and API, paged), one row per device, filtered by rule and by state.

const RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

describeEachDb('findings by severity and device', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  const ids: Record<string, string> = {};
  const base = '/o/sevco';

  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'sevco');
    ids.sensitive = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Town Hall', sensitive: true, sensitiveReason: 'Council chamber' })).json.id;
    ids.depot = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Depot', sensitive: false })).json.id;
    ids.lan = (await api(app, org.tokens.manager, 'POST', '/api/v1/networks', { name: 'Corporate LAN', kind: 'core', cidrs: ['10.10.0.0/16'] })).json.id;
    // Older findings are the critical ones: newest-first would put them last.
    ids.hik = (await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Hikvision', model: 'DS-2CD2143G2-I', serial: 'S1', mac: '44:19:B6:00:01:01', siteId: ids.sensitive })).json.id;
    for (let i = 2; i <= 6; i++) {
      await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Hikvision', model: 'DS-2CD2143G2-I', serial: `S${i}`, mac: `44:19:B6:00:01:0${i}`, siteId: ids.depot, networkId: ids.lan });
    }
    await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', networkId: ids.lan });
  });
  afterAll(async () => { await app?.close(); });

  it('pages the API most severe first and returns every finding exactly once', async () => {
    const newest = (await api(app, org.tokens.viewer, 'GET', '/api/v1/findings?status=open&limit=500')).json.items;
    expect(newest.length).toBeGreaterThan(6);
    expect(newest[0].severity).not.toBe('critical'); // the critical finding is the oldest
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const r = await api(app, org.tokens.viewer, 'GET', `/api/v1/findings?status=open&sort=severity&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.json.items);
      cursor = r.json.next;
    } while (cursor);
    expect(seen.map((f) => f.id).sort()).toEqual(newest.map((f: any) => f.id).sort());
    expect(seen[0].severity).toBe('critical');
    expect(seen.at(-1).severity).not.toBe('critical');
    const ranks = seen.map((f) => RANK[f.severity]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect((await api(app, org.tokens.viewer, 'GET', '/api/v1/findings?sort=worst')).status).toBe(422);
  });

  it('shows each device once, most severe first, and filters by rule and state', async () => {
    const viewer = await signedInAgent(app, org.users.viewer.email);
    const page = (await viewer.get(`${base}/findings`)).body;
    const rows = page.match(/<th scope="row"[\s\S]*?<\/tr>/g) ?? [];
    const assetLinks = rows.map((r) => /assets\/([0-9a-f-]{36})/.exec(r)![1]);
    expect(new Set(assetLinks).size).toBe(assetLinks.length);
    expect(rows[0]).toContain('Critical');
    expect(rows.at(-1)).not.toContain('Critical'); // the camera of unknown make, newest of all, comes last
    expect(page).toContain('name="rule"');

    const byRule = (await viewer.get(`${base}/findings?rule=uk-nil-core-network`)).body;
    const ruleRows = byRule.match(/<th scope="row"[\s\S]*?<\/tr>/g) ?? [];
    expect(ruleRows).toHaveLength(5);
    expect(byRule).not.toContain(ids.hik);

    const [f] = (await api(app, org.tokens.viewer, 'GET', `/api/v1/findings?asset=${ids.hik}`)).json.items;
    const review = new Date(Date.now() + 90 * 86400_000).toISOString().slice(0, 10);
    expect((await api(app, org.tokens.manager, 'POST', `/api/v1/findings/${f.id}/accept`, { reason: 'Funded', reviewDate: review })).status).toBe(200);
    expect((await viewer.get(`${base}/findings`)).body).not.toContain(`findings/${f.id}`);
    const accepted = (await viewer.get(`${base}/findings?status=accepted`)).body;
    expect(accepted).toContain(`findings/${f.id}`);
    expect(accepted).toContain('risk accepted, review');
    const any = (await viewer.get(`${base}/findings?status=any`)).body;
    expect(any).toContain(`findings/${f.id}`);
  });
});
