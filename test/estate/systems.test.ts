import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { newId, nowIso } from '../../src/platform/ids';

const RETENTION = 'Enter how many days images are kept, from 1 to 3650';

describeEachDb('systems', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  let parkId: string;
  let squareId: string;
  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'midham');
    other = await createOrgFixture(db(), 'farham');
    parkId = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Car Park' })).json.id;
    squareId = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Market Square' })).json.id;
  });
  afterAll(async () => { await app?.close(); });

  it('registers a system through the API and reads it back', async () => {
    const r = await api(app, org.tokens.manager, 'POST', '/api/v1/systems', {
      name: 'Town centre CCTV', purpose: 'Prevent and detect crime in the town centre', owner: 'Head of Community Safety',
      operator: 'Acme Monitoring Ltd', retentionDays: 31, siteIds: [squareId, parkId],
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ name: 'Town centre CCTV', owner: 'Head of Community Safety', operator: 'Acme Monitoring Ltd', retentionDays: 31 });
    expect([...r.json.siteIds].sort()).toEqual([parkId, squareId].sort());
    const got = await api(app, org.tokens.viewer, 'GET', `/api/v1/systems/${r.json.id}`);
    expect(got.json).toEqual(r.json);
  });

  it('names each missing or bad field, refuses unknown fields, and saves nothing', async () => {
    const r = await api(app, org.tokens.manager, 'POST', '/api/v1/systems', { name: '', retentionDays: 0, colour: 'blue' });
    expect(r.status).toBe(422);
    expect(r.json.error.fields).toMatchObject({
      name: 'Enter the system name', purpose: 'Describe what the system is for', owner: 'Enter the responsible person or role',
      retentionDays: RETENTION, colour: 'Unknown field "colour"',
    });
    for (const retentionDays of [3651, 7.5, '31', null]) {
      const bad = await api(app, org.tokens.manager, 'POST', '/api/v1/systems', { name: 'Odd', purpose: 'x', owner: 'y', retentionDays });
      expect(bad.json.error.fields).toEqual({ retentionDays: RETENTION });
    }
    expect((await api(app, org.tokens.viewer, 'GET', '/api/v1/systems?q=odd')).json.items).toHaveLength(0);
  });

  it('refuses another organisation’s site without saying anything about it, and a duplicate name', async () => {
    const theirs = await api(app, other.tokens.manager, 'POST', '/api/v1/sites', { name: 'Their site' });
    const r = await api(app, org.tokens.manager, 'POST', '/api/v1/systems', { name: 'Sneaky', purpose: 'x', owner: 'y', retentionDays: 30, siteIds: [theirs.json.id] });
    expect(r.status).toBe(422);
    expect(r.json.error.fields).toEqual({ siteIds: 'Choose sites from this organisation' });
    expect(JSON.stringify(r.json)).not.toContain('Their site');
    const dup = await api(app, org.tokens.manager, 'POST', '/api/v1/systems', { name: 'TOWN CENTRE cctv', purpose: 'x', owner: 'y', retentionDays: 30 });
    expect(dup.status).toBe(409);
    expect(dup.json.error.fields).toHaveProperty('name');
  });

  it('merges a PATCH into the system, keeping what it leaves out, and records before and after', async () => {
    const created = await api(app, org.tokens.manager, 'POST', '/api/v1/systems', {
      name: 'Car park ANPR', purpose: 'Enforce parking', owner: 'Parking manager', operator: 'Contractor', retentionDays: 90, siteIds: [parkId],
    });
    const patched = await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${created.json.id}`, { retentionDays: 30 });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ name: 'Car park ANPR', operator: 'Contractor', retentionDays: 30, siteIds: [parkId] });
    const cleared = await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${created.json.id}`, { operator: null });
    expect(cleared.json.operator).toBeNull();
    const bad = await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${created.json.id}`, { owner: '' });
    expect(bad.json.error.fields).toEqual({ owner: 'Enter the responsible person or role' });
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/systems?site=${parkId}`)).json.items.map((s: any) => s.name)).toEqual(['Car park ANPR', 'Town centre CCTV']);

    const trail = await api(app, org.tokens.admin, 'GET', `/api/v1/audit?objectType=system&objectId=${created.json.id}`);
    expect(trail.json.events.map((e: any) => e.action)).toEqual(['update', 'update', 'create']);
    expect(trail.json.events[1].before.retentionDays).toBe(90);
    expect(trail.json.events[1].after.retentionDays).toBe(30);
  });

  it('keeps viewers and engineers from changing systems', async () => {
    for (const role of ['viewer', 'engineer'] as const) {
      const r = await api(app, org.tokens[role], 'POST', '/api/v1/systems', { name: `By ${role}`, purpose: 'x', owner: 'y', retentionDays: 30 });
      expect(r.status).toBe(403);
    }
  });

  it('adds a system through the page, with GOV.UK errors first', async () => {
    const agent = await signedInAgent(app, org.users.manager.email);
    const bad = await agent.post('/o/midham/systems', { name: 'Library cameras', purpose: '', owner: 'Librarian', retentionDays: 'a month' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('govuk-error-summary');
    expect(bad.body).toContain('Describe what the system is for');
    expect(bad.body).toContain('href="#retentionDays"');
    expect(bad.body).toContain('value="a month"'); // what was typed comes back
    const good = await agent.post('/o/midham/systems', { name: 'Library cameras', purpose: 'Safety of staff', owner: 'Librarian', retentionDays: '14', siteIds: squareId });
    expect(good.statusCode).toBe(303);
    const page = await agent.get(good.headers.location as string);
    expect(page.body).toContain('System “Library cameras” added');
    expect(page.body).toContain('14 days');
    expect(page.body).toContain(`/o/midham/sites/${squareId}`);
    expect(page.body).toContain('/o/midham/assets?system=');
    const list = await agent.get('/o/midham/systems?q=library');
    expect(list.body).toContain('Library cameras');
    expect(list.body).not.toContain('Car park ANPR');
  });

  it('refuses to delete a system while an asset belongs to it, then deletes it once it is free', async () => {
    const sys = await api(app, org.tokens.manager, 'POST', '/api/v1/systems', { name: 'Busy', purpose: 'x', owner: 'y', retentionDays: 30 });
    const now = nowIso();
    const assetId = newId();
    await db().db.insertInto('assets').values({
      id: assetId, org_id: org.id, kind: 'camera', manufacturer_key: '', model_key: '', status: 'in-service', search_text: '',
      system_id: sys.json.id, created_at: now, updated_at: now,
    }).execute();
    const refused = await api(app, org.tokens.manager, 'DELETE', `/api/v1/systems/${sys.json.id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('in_use');
    expect((await api(app, org.tokens.engineer, 'DELETE', `/api/v1/systems/${sys.json.id}`)).status).toBe(403);

    await db().db.deleteFrom('assets').where('id', '=', assetId).execute();
    expect((await api(app, org.tokens.manager, 'DELETE', `/api/v1/systems/${sys.json.id}`)).status).toBe(204);
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/systems/${sys.json.id}`)).status).toBe(404);
  });
});
