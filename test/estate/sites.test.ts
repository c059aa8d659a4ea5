import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';

describeEachDb('sites', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'northam');
  });
  afterAll(async () => { await app?.close(); });

  it('registers a sensitive site through the API and reads it back with a normalised postcode', async () => {
    const r = await api(app, org.tokens.manager, 'POST', '/api/v1/sites', {
      name: 'Civic Centre', postcode: 'nm11aa', sensitive: true, sensitiveReason: 'Council data centre', siteType: 'office', latitude: 52.24, longitude: -0.9,
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ name: 'Civic Centre', postcode: 'NM1 1AA', sensitive: true, sensitiveReason: 'Council data centre', latitude: 52.24 });
    const got = await api(app, org.tokens.viewer, 'GET', `/api/v1/sites/${r.json.id}`);
    expect(got.json.name).toBe('Civic Centre');
  });

  it('names each bad field and saves nothing', async () => {
    const r = await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: '', postcode: 'not a postcode', sensitive: true, latitude: 95, colour: 'blue' });
    expect(r.status).toBe(422);
    expect(Object.keys(r.json.error.fields).sort()).toEqual(expect.arrayContaining(['name', 'postcode', 'latitude', 'colour']));
    const list = await api(app, org.tokens.viewer, 'GET', '/api/v1/sites?q=not');
    expect(list.json.items).toHaveLength(0);
  });

  it('asks for a reason when a site is sensitive, and refuses a duplicate name', async () => {
    const noReason = await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Depot', sensitive: true });
    expect(noReason.json.error.fields).toHaveProperty('sensitiveReason');
    const dup = await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'civic centre' });
    expect(dup.status).toBe(409);
    expect(dup.json.error.fields).toHaveProperty('name');
  });

  it('lets a manager change a site and records before and after in its history', async () => {
    const created = await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Library' });
    const patched = await api(app, org.tokens.manager, 'PATCH', `/api/v1/sites/${created.json.id}`, { siteType: 'leisure' });
    expect(patched.json.siteType).toBe('leisure');
    const trail = await api(app, org.tokens.admin, 'GET', `/api/v1/audit?objectType=site&objectId=${created.json.id}`);
    expect(trail.json.events.map((e: any) => e.action)).toEqual(['update', 'create']);
    expect(trail.json.events[0].before.siteType).toBe('other');
    expect(trail.json.events[0].after.siteType).toBe('leisure');
  });

  it('changes only the fields a PATCH names', async () => {
    const created = await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Police hub', sensitive: true, sensitiveReason: 'Custody', siteType: 'police' });
    const patched = await api(app, org.tokens.manager, 'PATCH', `/api/v1/sites/${created.json.id}`, { name: 'Police and council hub' });
    expect(patched.json).toMatchObject({ name: 'Police and council hub', sensitive: true, sensitiveReason: 'Custody', siteType: 'police' });
  });

  it('keeps viewers and engineers from changing sites', async () => {
    for (const role of ['viewer', 'engineer'] as const) {
      const r = await api(app, org.tokens[role], 'POST', '/api/v1/sites', { name: `By ${role}` });
      expect(r.status).toBe(403);
    }
  });

  it('adds a site through the page, with GOV.UK errors first', async () => {
    const agent = await signedInAgent(app, org.users.manager.email);
    const bad = await agent.post('/o/northam/sites', { name: '', postcode: 'zzz', sensitive: 'yes' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('govuk-error-summary');
    expect(bad.body).toContain('Enter the site name');
    expect(bad.body).toContain('href="#postcode"');
    const good = await agent.post('/o/northam/sites', { name: 'Town Square', siteType: 'public-space', sensitive: 'no' });
    expect(good.statusCode).toBe(303);
    const page = await agent.get(good.headers.location as string);
    expect(page.body).toContain('Town Square');
    expect(page.body).toContain('Site “Town Square” added');
  });

  it('refuses a form posted without the CSRF token', async () => {
    const agent = await signedInAgent(app, org.users.manager.email);
    const r = await agent.post('/o/northam/sites', { name: 'Forged' }, { csrf: null });
    expect(r.statusCode).toBe(403);
    const list = await api(app, org.tokens.viewer, 'GET', '/api/v1/sites?q=forged');
    expect(list.json.items).toHaveLength(0);
  });
});
