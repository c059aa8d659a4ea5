import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { newId, nowIso } from '../../src/platform/ids';

describeEachDb('networks', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  let hallId: string;
  let depotId: string;
  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'lowham');
    other = await createOrgFixture(db(), 'highham');
    hallId = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Town Hall' })).json.id;
    depotId = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Depot' })).json.id;
  });
  afterAll(async () => { await app?.close(); });

  it('registers a network through the API with its ranges in canonical form, once each', async () => {
    const r = await api(app, org.tokens.manager, 'POST', '/api/v1/networks', {
      name: 'Corporate LAN', kind: 'core', cidrs: ['10.20.1.7/16', '10.20.0.0/16', '192.168.5.1/24'], siteIds: [hallId, depotId, hallId],
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ name: 'Corporate LAN', kind: 'core', cidrs: ['10.20.0.0/16', '192.168.5.0/24'] });
    expect([...r.json.siteIds].sort()).toEqual([hallId, depotId].sort());
    const got = await api(app, org.tokens.viewer, 'GET', `/api/v1/networks/${r.json.id}`);
    expect(got.json).toEqual(r.json);
  });

  it('names each bad range by its position, refuses unknown fields, and saves nothing', async () => {
    const r = await api(app, org.tokens.manager, 'POST', '/api/v1/networks', {
      name: 'Bad ranges', kind: 'isolated', cidrs: ['10.0.0.0/8', '10.300.0.0/16', '10.1.0.0/33'], vlan: 12,
    });
    expect(r.status).toBe(422);
    expect(r.json.error.fields).toMatchObject({
      'cidrs.1': 'Enter a network range like 10.20.0.0/16', 'cidrs.2': 'Enter a network range like 10.20.0.0/16', vlan: 'Unknown field "vlan"',
    });
    const none = await api(app, org.tokens.manager, 'POST', '/api/v1/networks', { cidrs: [] });
    expect(Object.keys(none.json.error.fields).sort()).toEqual(['kind', 'name']);
    expect(none.json.error.fields.name).toBe('Enter the network name');
    const list = await api(app, org.tokens.viewer, 'GET', '/api/v1/networks?q=bad');
    expect(list.json.items).toHaveLength(0);
  });

  it('refuses another organisation’s site without saying anything about it, and a duplicate name', async () => {
    const theirs = await api(app, other.tokens.manager, 'POST', '/api/v1/sites', { name: 'Their site' });
    const r = await api(app, org.tokens.manager, 'POST', '/api/v1/networks', { name: 'Sneaky', kind: 'isolated', siteIds: [hallId, theirs.json.id] });
    expect(r.status).toBe(422);
    expect(r.json.error.fields).toEqual({ siteIds: 'Choose sites from this organisation' });
    expect(JSON.stringify(r.json)).not.toContain('Their site');
    expect((await api(app, org.tokens.viewer, 'GET', '/api/v1/networks?q=sneaky')).json.items).toHaveLength(0);

    const dup = await api(app, org.tokens.manager, 'POST', '/api/v1/networks', { name: 'corporate lan', kind: 'isolated' });
    expect(dup.status).toBe(409);
    expect(dup.json.error.fields).toHaveProperty('name');
    // The same name is free in another organisation, and its networks stay out of this one's list.
    expect((await api(app, other.tokens.manager, 'POST', '/api/v1/networks', { name: 'Corporate LAN', kind: 'core' })).status).toBe(201);
    expect((await api(app, org.tokens.viewer, 'GET', '/api/v1/networks?q=corporate')).json.items).toHaveLength(1);
  });

  it('merges a PATCH into the network, keeping what it leaves out, and records before and after', async () => {
    const created = await api(app, org.tokens.manager, 'POST', '/api/v1/networks', { name: 'Cameras', kind: 'isolated', cidrs: ['172.16.0.0/12'], siteIds: [depotId] });
    const patched = await api(app, org.tokens.manager, 'PATCH', `/api/v1/networks/${created.json.id}`, { kind: 'internet-facing' });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ name: 'Cameras', kind: 'internet-facing', cidrs: ['172.16.0.0/12'], siteIds: [depotId] });
    const bad = await api(app, org.tokens.manager, 'PATCH', `/api/v1/networks/${created.json.id}`, { cidrs: ['nonsense'] });
    expect(bad.json.error.fields).toHaveProperty('cidrs.0');
    const moved = await api(app, org.tokens.manager, 'PATCH', `/api/v1/networks/${created.json.id}`, { siteIds: [hallId] });
    expect(moved.json.siteIds).toEqual([hallId]);
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/networks?site=${depotId}&q=cameras`)).json.items).toHaveLength(0);
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/networks?site=${hallId}&kind=internet-facing`)).json.items.map((n: any) => n.name)).toEqual(['Cameras']);

    const trail = await api(app, org.tokens.admin, 'GET', `/api/v1/audit?objectType=network&objectId=${created.json.id}`);
    expect(trail.json.events.map((e: any) => e.action)).toEqual(['update', 'update', 'create']);
    expect(trail.json.events[1].before.kind).toBe('isolated');
    expect(trail.json.events[1].after.kind).toBe('internet-facing');
    expect(trail.json.events[0].before.siteIds).toEqual([depotId]);
    expect(trail.json.events[0].after.siteIds).toEqual([hallId]);
  });

  it('keeps viewers and engineers from changing networks', async () => {
    for (const role of ['viewer', 'engineer'] as const) {
      const r = await api(app, org.tokens[role], 'POST', '/api/v1/networks', { name: `By ${role}`, kind: 'core' });
      expect(r.status).toBe(403);
    }
  });

  it('pages through networks by name', async () => {
    const names: string[] = [];
    let url = '/api/v1/networks?limit=2';
    for (;;) {
      const r = await api(app, org.tokens.viewer, 'GET', url);
      names.push(...r.json.items.map((n: any) => n.name));
      if (!r.json.next) break;
      url = `/api/v1/networks?limit=2&cursor=${r.json.next}`;
    }
    expect(names).toEqual(['Cameras', 'Corporate LAN']);
  });

  it('adds a network through the page, with GOV.UK errors first and every bad range named', async () => {
    const agent = await signedInAgent(app, org.users.manager.email);
    const form = await agent.get('/o/lowham/networks/new');
    expect(form.body).toContain('Town Hall');
    const bad = await agent.post('/o/lowham/networks', { name: '', cidrs: '10.0.0.0/8\nbogus\n10.999.0.0/16' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('govuk-error-summary');
    expect(bad.body).toContain('Enter the network name');
    expect(bad.body).toContain('href="#kind"');
    expect(bad.body).toContain('href="#cidrs"');
    expect(bad.body).toContain('“bogus”, “10.999.0.0/16”');
    expect(bad.body).toContain('bogus\n10.999.0.0/16'); // what was typed comes back
    const good = await agent.post('/o/lowham/networks', { name: 'CCTV VLAN', kind: 'isolated', cidrs: '10.50.0.9/16, 10.51.0.0/16', siteIds: [hallId] });
    expect(good.statusCode).toBe(303);
    const page = await agent.get(good.headers.location as string);
    expect(page.body).toContain('Network “CCTV VLAN” added');
    expect(page.body).toContain('10.50.0.0/16, 10.51.0.0/16');
    expect(page.body).toContain(`/o/lowham/sites/${hallId}`);
    expect(page.body).toContain('/o/lowham/assets?network=');
    const list = await agent.get('/o/lowham/networks?q=vlan');
    expect(list.body).toContain('CCTV VLAN');
    expect(list.body).not.toContain('Corporate LAN');
  });

  it('refuses to delete a network while an asset is on it, then deletes it once it is free', async () => {
    const net = await api(app, org.tokens.manager, 'POST', '/api/v1/networks', { name: 'Busy', kind: 'standalone' });
    const now = nowIso();
    const assetId = newId();
    await db().db.insertInto('assets').values({
      id: assetId, org_id: org.id, kind: 'camera', manufacturer_key: '', model_key: '', status: 'in-service', search_text: '',
      network_id: net.json.id, created_at: now, updated_at: now,
    }).execute();
    const refused = await api(app, org.tokens.manager, 'DELETE', `/api/v1/networks/${net.json.id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('in_use');
    expect(refused.json.error.message).toMatch(/1 asset on it/);

    const agent = await signedInAgent(app, org.users.manager.email);
    await agent.get(`/o/lowham/networks/${net.json.id}/delete`);
    const page = await agent.post(`/o/lowham/networks/${net.json.id}/delete`, {});
    expect(page.statusCode).toBe(409);

    await db().db.deleteFrom('assets').where('id', '=', assetId).execute();
    expect((await api(app, org.tokens.manager, 'DELETE', `/api/v1/networks/${net.json.id}`)).status).toBe(204);
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/networks/${net.json.id}`)).status).toBe(404);
    const trail = await api(app, org.tokens.admin, 'GET', `/api/v1/audit?objectType=network&objectId=${net.json.id}`);
    expect(trail.json.events[0]).toMatchObject({ action: 'delete', before: { name: 'Busy' } });
  });
});
