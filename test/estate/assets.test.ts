import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';

describeEachDb('assets', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  let siteId: string;
  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'westham');
    other = await createOrgFixture(db(), 'eastham');
    siteId = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Town Hall', sensitive: true, sensitiveReason: 'Data centre' })).json.id;
  });
  afterAll(async () => { await app?.close(); });

  it('registers an asset, normalising MAC and IP and keeping the label as typed', async () => {
    const r = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', {
      kind: 'camera', manufacturer: 'HikVision ', model: 'DS-2CD2143G2-I', serial: 'SN-0001', mac: '44-19-b6-01-02-03', ip: '10.20.1.015',
      siteId, installDate: '2021-03-27', warrantyEnd: '2026-03-27', location: 'Front door',
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ manufacturer: 'HikVision', mac: '44:19:B6:01:02:03', ip: '10.20.1.15', status: 'in-service', siteId });
  });

  it('names every bad field, refuses unknown fields, and saves nothing', async () => {
    const r = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', {
      kind: 'toaster', mac: '44:19:B6', ip: '300.1.1.1', installDate: '2023-02-30', serialNumber: 'x',
    });
    expect(r.status).toBe(422);
    expect(Object.keys(r.json.error.fields)).toEqual(expect.arrayContaining(['kind', 'mac', 'ip', 'installDate', 'serialNumber']));
    expect(JSON.stringify(r.json)).not.toMatch(/at .*\.ts/); // never a stack trace
  });

  it('refuses a duplicate serial within the organisation but allows it in another', async () => {
    const dup = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', serial: 'SN-0001' });
    expect(dup.status).toBe(409);
    expect(dup.json.error.fields).toHaveProperty('serial');
    const elsewhere = await api(app, other.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', serial: 'SN-0001' });
    expect(elsewhere.status).toBe(201);
  });

  it('refuses a site that belongs to another organisation', async () => {
    const theirs = await api(app, other.tokens.manager, 'POST', '/api/v1/sites', { name: 'Their site' });
    const r = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', siteId: theirs.json.id });
    expect(r.status).toBe(422);
    expect(r.json.error.fields.siteId).toMatch(/this organisation/);
  });

  it('answers malformed JSON, wrong content type and oversized bodies with clear 4xx errors', async () => {
    const bad = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', '{"kind": "camera",');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('malformed_json');
    const big = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', notes: 'x'.repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
    const arr = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', []);
    expect(arr.status).toBe(400);
    const form = await app.inject({ method: 'POST', url: '/api/v1/assets', headers: { authorization: `Bearer ${org.tokens.engineer}`, 'content-type': 'text/plain' }, payload: 'kind=camera' });
    expect(form.statusCode).toBe(415);
  });

  it('pages through every asset exactly once, forwards and backwards, in each sort order', async () => {
    const makes = ['Axis', 'Dahua', 'hikvision', 'Hikvision', 'Bosch', null];
    for (let i = 0; i < 23; i++) {
      const r = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', {
        kind: i % 5 === 0 ? 'nvr' : 'camera', manufacturer: makes[i % makes.length], model: `M-${i % 4}`, serial: `P-${i}`,
        status: i % 3 === 0 ? 'faulty' : 'in-service',
      });
      expect(r.status).toBe(201);
    }
    const total = (await api(app, org.tokens.viewer, 'GET', '/api/v1/assets?limit=500')).json.items.length;
    for (const sort of ['manufacturer', 'model', 'status', 'kind', 'updated', 'created']) {
      for (const order of ['asc', 'desc']) {
        const seen: string[] = [];
        let url = `/api/v1/assets?limit=4&sort=${sort}&order=${order}`;
        let lastPage: any;
        for (;;) {
          const r = await api(app, org.tokens.viewer, 'GET', url);
          expect(r.status).toBe(200);
          seen.push(...r.json.items.map((a: any) => a.id));
          lastPage = r.json;
          if (!r.json.next) break;
          url = `/api/v1/assets?limit=4&sort=${sort}&order=${order}&cursor=${r.json.next}`;
        }
        expect(new Set(seen).size).toBe(total);
        expect(seen).toHaveLength(total);
        // And back again from the last page to the first, via prev cursors.
        const back: string[] = [...lastPage.items.map((a: any) => a.id)].reverse();
        let prev = lastPage.prev;
        while (prev) {
          const r = await api(app, org.tokens.viewer, 'GET', `/api/v1/assets?limit=4&sort=${sort}&order=${order}&cursor=${prev}`);
          back.push(...r.json.items.map((a: any) => a.id).reverse());
          prev = r.json.prev;
        }
        expect(back.reverse()).toEqual(seen);
      }
    }
  });

  it('filters by manufacturer regardless of case, by status and kind, and by free text', async () => {
    const hik = await api(app, org.tokens.viewer, 'GET', '/api/v1/assets?manufacturer=HIKVISION&limit=500');
    expect(hik.json.items.length).toBeGreaterThan(0);
    expect(hik.json.items.every((a: any) => a.manufacturer.toLowerCase() === 'hikvision')).toBe(true);
    const faultyNvr = await api(app, org.tokens.viewer, 'GET', '/api/v1/assets?status=faulty&kind=nvr&limit=500');
    expect(faultyNvr.json.items.every((a: any) => a.status === 'faulty' && a.kind === 'nvr')).toBe(true);
    const text = await api(app, org.tokens.viewer, 'GET', '/api/v1/assets?q=44:19:b6');
    expect(text.json.items.map((a: any) => a.serial)).toEqual(['SN-0001']);
    const literal = await api(app, org.tokens.viewer, 'GET', '/api/v1/assets?q=%25');
    expect(literal.json.items).toHaveLength(0);
    const bad = await api(app, org.tokens.viewer, 'GET', '/api/v1/assets?status=lost');
    expect(bad.status).toBe(422);
    expect(bad.json.error.fields).toHaveProperty('status');
  });

  it('exports the filtered list as CSV with formula cells neutralised', async () => {
    await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'other', manufacturer: '=HYPERLINK("http://evil")', serial: 'CSV-1', notes: '+cmd' });
    const res = await app.inject({ method: 'GET', url: '/api/v1/assets.csv?kind=other', headers: { authorization: `Bearer ${org.tokens.viewer}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const lines = res.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^Asset ID,Kind,Manufacturer/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(lines[1]).toContain(`'+cmd`);
    const agent = await signedInAgent(app, org.users.viewer.email);
    const page = await agent.get('/o/westham/assets.csv?status=faulty');
    expect(page.statusCode).toBe(200);
    expect(page.body.trim().split('\r\n').length).toBeGreaterThan(1);
  });

  it('lets an engineer add and change an asset through the pages, with history on its page', async () => {
    const agent = await signedInAgent(app, org.users.engineer.email);
    const bad = await agent.post('/o/westham/assets', { kind: 'camera', mac: 'nope', 'installDate-day': '31', 'installDate-month': '2', 'installDate-year': '2023' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Enter a MAC address like 44:19:B6:12:34:56');
    expect(bad.body).toContain('Install date must be a real date');
    expect(bad.body).toContain('value="31"'); // what the person typed is kept
    const ok = await agent.post('/o/westham/assets', { kind: 'camera', manufacturer: 'Axis', model: 'P3245-LVE', serial: 'PAGE-1', siteId, status: 'in-service', 'installDate-day': '1', 'installDate-month': '4', 'installDate-year': '2022' });
    expect(ok.statusCode).toBe(303);
    const url = ok.headers.location as string;
    const changed = await agent.post(url, { kind: 'camera', manufacturer: 'Axis', model: 'P3245-LVE', serial: 'PAGE-1', siteId, status: 'faulty', 'installDate-day': '1', 'installDate-month': '4', 'installDate-year': '2022' });
    expect(changed.statusCode).toBe(303);
    const page = await agent.get(url);
    expect(page.body).toContain('1 April 2022');
    expect(page.body).toMatch(/status: in-service → faulty/);
    expect(page.body).toContain('engineer@westham.example.gov.uk');
  });

  it('lists, filters and pages assets on the page without JavaScript', async () => {
    const agent = await signedInAgent(app, org.users.viewer.email);
    const page = await agent.get('/o/westham/assets?manufacturer=axis');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('match these filters');
    expect(page.body).not.toContain('Add an asset'); // viewers cannot add
    for (let i = 0; i < 50; i++) await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Vivotek', serial: `PG-${i}` });
    const paged = await agent.get('/o/westham/assets');
    expect(paged.body).toContain('rel="next"');
  });

  it('changes only the fields a PATCH names', async () => {
    const a = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'nvr', serial: 'PATCH-1', status: 'faulty', siteId });
    const p = await api(app, org.tokens.engineer, 'PATCH', `/api/v1/assets/${a.json.id}`, { firmware: 'V4.30.085' });
    expect(p.json).toMatchObject({ kind: 'nvr', status: 'faulty', siteId, firmware: 'V4.30.085' });
    const cleared = await api(app, org.tokens.engineer, 'PATCH', `/api/v1/assets/${a.json.id}`, { siteId: null });
    expect(cleared.json.siteId).toBeNull();
  });

  it('keeps viewers from changing assets and engineers from deleting them', async () => {
    const a = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', serial: 'PERM-1' });
    expect((await api(app, org.tokens.viewer, 'PATCH', `/api/v1/assets/${a.json.id}`, { status: 'removed' })).status).toBe(403);
    expect((await api(app, org.tokens.engineer, 'DELETE', `/api/v1/assets/${a.json.id}`)).status).toBe(403);
    expect((await api(app, org.tokens.manager, 'DELETE', `/api/v1/assets/${a.json.id}`)).status).toBe(204);
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/assets/${a.json.id}`)).status).toBe(404);
  });
});
