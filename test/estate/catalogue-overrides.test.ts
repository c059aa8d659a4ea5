import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';

// "Our contract says brand X is made by Y": an organisation's own brand record changes its verdicts, and only its own.

describeEachDb('organisation brand records', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  let mine: string;
  let theirs: string;
  const origin = async (token: string, id: string) => {
    const r = await api(app, token, 'GET', `/api/v1/findings?asset=${id}`);
    return r.json.items.map((f: any) => f.rule);
  };
  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'ownrecords');
    other = await createOrgFixture(db(), 'elsewhere');
    const site = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'HQ', sensitive: true, sensitiveReason: 'Data centre' })).json.id;
    const otherSite = (await api(app, other.tokens.manager, 'POST', '/api/v1/sites', { name: 'HQ', sensitive: true, sensitiveReason: 'Data centre' })).json.id;
    mine = (await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Acme Secure', siteId: site })).json.id;
    theirs = (await api(app, other.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Acme Secure', siteId: otherSite })).json.id;
  });
  afterAll(async () => { await app?.close(); });

  it('lets an admin record who makes a brand, re-evaluating that organisation’s assets only', async () => {
    expect(await origin(org.tokens.viewer, mine)).toEqual(['unknown-provenance-exposed']);
    const manager = await signedInAgent(app, org.users.manager.email);
    expect((await manager.post('/o/ownrecords/catalogue/overrides', { brandName: 'Acme Secure', company: 'hikvision', basis: 'Contract 2021/114' })).statusCode).toBe(403);
    const admin = await signedInAgent(app, org.users.admin.email);
    await admin.get('/o/ownrecords/catalogue');
    const bad = await admin.post('/o/ownrecords/catalogue/overrides', { brandName: 'Acme Secure', company: 'no-such-maker', basis: '' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Say what this is based on');
    const ok = await admin.post('/o/ownrecords/catalogue/overrides', { brandName: 'Acme Secure', company: 'hikvision', basis: 'Installation contract 2021/114, schedule 3' });
    expect(ok.statusCode).toBe(303);
    expect(await origin(org.tokens.viewer, mine)).toContain('uk-nil-sensitive-site');
    expect(await origin(other.tokens.viewer, theirs)).toEqual(['unknown-provenance-exposed']);
    const page = await admin.get(`/o/ownrecords/assets/${mine}`);
    expect(page.body).toContain('Installation contract 2021/114');
  });

  it('removes the record and the verdict goes back to unknown', async () => {
    const admin = await signedInAgent(app, org.users.admin.email);
    const page = await admin.get('/o/ownrecords/catalogue');
    const id = /catalogue\/overrides\/([0-9a-f-]{36})\/delete/.exec(page.body)![1];
    expect((await admin.post(`/o/ownrecords/catalogue/overrides/${id}/delete`, {})).statusCode).toBe(303);
    const open = (await api(app, org.tokens.viewer, 'GET', `/api/v1/findings?asset=${mine}&status=open`)).json.items.map((f: any) => f.rule);
    expect(open).toEqual(['unknown-provenance-exposed']);
  });
});
