import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { documentStatus } from '../../src/modules/dpia/repo';

const todayUk = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
const daysFrom = (iso: string, n: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describeEachDb('signage register and disclosure log', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  const ids: Record<string, string> = {};
  const mgr = () => org.tokens.manager;

  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'westham');
    other = await createOrgFixture(db(), 'eastham');
    ids.site = (await api(app, mgr(), 'POST', '/api/v1/sites', { name: 'Leisure Centre' })).json.id;
    ids.system = (await api(app, mgr(), 'POST', '/api/v1/systems', { name: 'Leisure CCTV', purpose: 'Safety', owner: 'Manager', retentionDays: 30, siteIds: [ids.site] })).json.id;
  });
  afterAll(async () => { await app?.close(); });

  it('records a sign, says whether its wording is adequate and whether a yearly check is due', async () => {
    const good = await api(app, mgr(), 'POST', '/api/v1/signs', {
      siteId: ids.site, location: 'Main entrance', showsOperator: true, showsPurpose: true, showsContact: true,
      wording: 'CCTV operated by Westham Council for public safety. Contact 01234 567890.', lastChecked: daysFrom(todayUk(), -30), condition: 'good',
    });
    expect(good.status).toBe(201);
    expect(good.json).toMatchObject({ siteName: 'Leisure Centre', adequate: true, checkDue: false });
    const poor = await api(app, mgr(), 'POST', '/api/v1/signs', { siteId: ids.site, location: 'Car park', showsOperator: true, showsPurpose: false, showsContact: true, condition: 'worn' });
    expect(poor.json).toMatchObject({ adequate: false, checkDue: true, lastChecked: null });
    const checked = await api(app, mgr(), 'PATCH', `/api/v1/signs/${poor.json.id}`, { showsPurpose: true, lastChecked: todayUk() });
    expect(checked.json).toMatchObject({ adequate: true, checkDue: false, location: 'Car park', condition: 'worn' });
    const listed = await api(app, org.tokens.viewer, 'GET', `/api/v1/signs?site=${ids.site}`);
    expect(listed.json.items.map((s: any) => s.location)).toEqual(['Main entrance', 'Car park']);
  });

  it('names each bad sign field', async () => {
    const r = await api(app, mgr(), 'POST', '/api/v1/signs', { siteId: 'nope', location: '', showsOperator: 'yes', showsPurpose: true, showsContact: true, condition: 'shiny', lastChecked: daysFrom(todayUk(), 2), photoDocumentId: 'x' });
    expect(r.status).toBe(422);
    expect(Object.keys(r.json.error.fields).sort()).toEqual(['condition', 'lastChecked', 'location', 'photoDocumentId', 'showsOperator', 'siteId']);
    const foreign = await api(app, other.tokens.admin, 'POST', '/api/v1/signs', { siteId: ids.site, location: 'x', showsOperator: true, showsPurpose: true, showsContact: true, condition: 'good' });
    expect(foreign.status).toBe(422);
    expect(foreign.json.error.fields).toHaveProperty('siteId');
  });

  it('accepts a photo only if it is one of the organisation’s documents (once the documents area exists)', async () => {
    const unknownDoc = randomUUID();
    const status = await documentStatus(db().db, org.id, unknownDoc);
    const r = await api(app, mgr(), 'POST', '/api/v1/signs', { siteId: ids.site, location: 'Side door', showsOperator: true, showsPurpose: true, showsContact: true, condition: 'good', photoDocumentId: unknownDoc });
    if (status === 'unknown') {
      expect(r.status).toBe(201);
      expect(r.json.photoDocumentId).toBe(unknownDoc);
    } else {
      expect(status).toBe('missing');
      expect(r.status).toBe(422);
      expect(r.json.error.fields).toHaveProperty('photoDocumentId');
    }
  });

  it('computes statutory deadlines and the overdue flag', async () => {
    const sar = await api(app, mgr(), 'POST', '/api/v1/disclosures', { systemId: ids.system, requestType: 'subject-access', requester: 'Data subject', receivedOn: '2024-01-31' });
    expect(sar.status).toBe(201);
    expect(sar.json).toMatchObject({ deadline: '2024-02-29', outcome: 'open', overdue: true, closedLate: false, systemName: 'Leisure CCTV' });
    // 20 working days over Christmas 2025: the 25th, 26th and 1 January do not count.
    const foi = await api(app, mgr(), 'POST', '/api/v1/disclosures', { systemId: ids.system, requestType: 'foi', requester: 'Member of the public', receivedOn: '2025-12-19' });
    expect(foi.json.deadline).toBe('2026-01-21');
    const police = await api(app, mgr(), 'POST', '/api/v1/disclosures', { systemId: ids.system, requestType: 'third-party', requester: 'Thames Valley Police', reference: 'TVP-1', receivedOn: todayUk() });
    expect(police.json).toMatchObject({ deadline: null, overdue: false });
    const fresh = await api(app, mgr(), 'POST', '/api/v1/disclosures', { systemId: ids.system, requestType: 'subject-access', requester: 'Data subject', receivedOn: todayUk() });
    expect(fresh.json.overdue).toBe(false);

    const closed = await api(app, mgr(), 'PATCH', `/api/v1/disclosures/${sar.json.id}`, { outcome: 'partly-disclosed', closedOn: '2024-03-05' });
    expect(closed.json).toMatchObject({ overdue: false, closedLate: true, deadline: '2024-02-29' });
    const overdue = await api(app, org.tokens.viewer, 'GET', `/api/v1/disclosures?status=overdue&system=${ids.system}`);
    expect(overdue.json.items.map((d: any) => d.id)).not.toContain(sar.json.id);
    expect(overdue.json.items.every((d: any) => d.overdue)).toBe(true);
    // Changing the type recomputes the deadline.
    const retyped = await api(app, mgr(), 'PATCH', `/api/v1/disclosures/${police.json.id}`, { requestType: 'foi' });
    expect(retyped.json.deadline).not.toBeNull();
  });

  it('names bad request fields and keeps the outcome and closing date consistent', async () => {
    const r = await api(app, mgr(), 'POST', '/api/v1/disclosures', { systemId: ids.system, requestType: 'gossip', requester: '', receivedOn: daysFrom(todayUk(), 3) });
    expect(Object.keys(r.json.error.fields).sort()).toEqual(['receivedOn', 'requestType', 'requester']);
    const noDate = await api(app, mgr(), 'POST', '/api/v1/disclosures', { systemId: ids.system, requestType: 'foi', requester: 'Journalist', receivedOn: '2026-01-05', outcome: 'disclosed' });
    expect(noDate.json.error.fields).toHaveProperty('closedOn');
    const early = await api(app, mgr(), 'POST', '/api/v1/disclosures', { systemId: ids.system, requestType: 'foi', requester: 'Journalist', receivedOn: '2026-01-05', outcome: 'refused', closedOn: '2026-01-04' });
    expect(early.json.error.fields.closedOn).toContain('on or after');
    expect((await api(app, org.tokens.viewer, 'POST', '/api/v1/disclosures', { systemId: ids.system, requestType: 'foi', requester: 'x', receivedOn: '2026-01-05' })).status).toBe(403);
  });

  it('keeps signs and requests to their organisation', async () => {
    const sign = (await api(app, mgr(), 'GET', '/api/v1/signs')).json.items[0];
    const req = (await api(app, mgr(), 'GET', '/api/v1/disclosures')).json.items[0];
    for (const [method, url] of [['GET', `/api/v1/signs/${sign.id}`], ['PATCH', `/api/v1/signs/${sign.id}`], ['DELETE', `/api/v1/signs/${sign.id}`],
      ['GET', `/api/v1/disclosures/${req.id}`], ['PATCH', `/api/v1/disclosures/${req.id}`], ['DELETE', `/api/v1/disclosures/${req.id}`]] as const) {
      const r = await api(app, other.tokens.admin, method, url, method === 'PATCH' ? { notes: 'x' } : undefined);
      expect(r.status, `${method} ${url}`).toBe(404);
    }
    expect((await api(app, other.tokens.admin, 'GET', `/api/v1/signs?site=${ids.site}`)).json.items).toEqual([]);
    expect((await api(app, other.tokens.admin, 'GET', `/api/v1/disclosures?system=${ids.system}`)).json.items).toEqual([]);
    const agent = await signedInAgent(app, other.users.admin.email);
    expect((await agent.get(`/o/eastham/compliance/signage/${sign.id}/edit`)).statusCode).toBe(404);
    expect((await agent.get(`/o/eastham/compliance/disclosures/${req.id}/edit`)).statusCode).toBe(404);
    expect((await agent.get('/o/eastham/compliance/signage')).body).not.toContain('Leisure Centre');
    expect((await api(app, mgr(), 'GET', `/api/v1/signs/${sign.id}`)).status).toBe(200);
  });

  it('works through the pages, with errors named by field', async () => {
    const agent = await signedInAgent(app, org.users.manager.email);
    const bad = await agent.post('/o/westham/compliance/signage', { siteId: '', location: '', 'lastChecked-day': '31', 'lastChecked-month': '2', 'lastChecked-year': '2026' });
    expect(bad.statusCode).toBe(422);
    for (const f of ['siteId', 'location', 'lastChecked', 'condition']) expect(bad.body).toContain(`href="#${f}"`);
    const ok = await agent.post('/o/westham/compliance/signage', { siteId: ids.site, location: 'Pool hall', shows: ['operator', 'purpose', 'contact'], condition: 'good' });
    expect(ok.statusCode).toBe(303);
    expect((await agent.get(ok.headers.location as string)).body).toContain('Pool hall');

    const badReq = await agent.post('/o/westham/compliance/disclosures', { systemId: ids.system, requester: '', outcome: 'open' });
    expect(badReq.statusCode).toBe(422);
    for (const f of ['requestType', 'requester', 'receivedOn']) expect(badReq.body).toContain(`href="#${f}"`);
    const okReq = await agent.post('/o/westham/compliance/disclosures', { systemId: ids.system, requestType: 'subject-access', requester: 'Data subject', outcome: 'open',
      'receivedOn-day': '31', 'receivedOn-month': '1', 'receivedOn-year': '2025' });
    expect(okReq.statusCode).toBe(303);
    const list = await agent.get('/o/westham/compliance/disclosures?status=overdue');
    expect(list.body).toContain('28 February 2025');
    expect(list.body).toContain('Overdue');
  });
});
