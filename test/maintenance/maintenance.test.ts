import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { listDueItems, londonToday, dueBoard } from '../../src/modules/maintenance/service';
import { provenanceOf } from '../../src/modules/provenance/service';
import { createOrganisation, grantMembership } from '../../src/modules/organisations/service';
import { createApiToken, createUser } from '../../src/modules/users/service';
import type { OrgContext } from '../../src/platform/context';

// Schedules, what falls due, visits and what they change, calendar feeds and the maintenance log, through the API
// and pages as people use them. Dates are fixed: "today" is passed in, never read from the machine's clock.

describeEachDb('maintenance', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  const ids: Record<string, string> = {};
  const ctxOf = (o: OrgFixture): OrgContext => ({ db: db().db, orgId: o.id, orgSlug: o.slug, role: 'admin', actor: { type: 'system', id: null, label: 'test' } });

  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'northam');
    other = await createOrgFixture(db(), 'southam');
    ids.site = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Civic Centre', sensitive: true, sensitiveReason: 'Council data centre' })).json.id;
    ids.asset = (await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Acme Security', model: 'X100', serial: 'ACME-1', siteId: ids.site })).json.id;
    ids.otherSite = (await api(app, other.tokens.manager, 'POST', '/api/v1/sites', { name: 'Southam depot' })).json.id;
  });
  afterAll(async () => { await app?.close(); });

  it('adds a schedule with a recurrence rule, and names a bad rule or a stranger as assignee', async () => {
    const r = await api(app, org.tokens.manager, 'POST', '/api/v1/maintenance/schedules', {
      title: 'Monthly check', target: { type: 'site', id: ids.site }, rrule: 'freq=monthly', startDate: '2026-01-15',
      assigneeUserId: org.users.engineer.id, checklist: ['time-sync', 'field-of-view'], leadDays: 7,
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ rrule: 'FREQ=MONTHLY', ruleText: 'Every month, on day 15', target: { type: 'site', label: 'Civic Centre' }, checklist: ['field-of-view', 'time-sync'], assignee: { email: org.users.engineer.email } });
    ids.monthly = r.json.id;
    const got = await api(app, org.tokens.viewer, 'GET', `/api/v1/maintenance/schedules/${ids.monthly}`);
    expect(got.json.nextDates.slice(0, 2)).toEqual(['2026-01-15', '2026-02-15']);

    const bad = await api(app, org.tokens.manager, 'POST', '/api/v1/maintenance/schedules', { title: 'x', rrule: 'FREQ=HOURLY', startDate: '2026-02-30', assigneeUserId: other.users.engineer.id });
    expect(bad.status).toBe(422);
    expect(bad.json.error.fields.rrule).toMatch(/whole days/);
    expect(bad.json.error.fields.startDate).toMatch(/real date/);
    const stranger = await api(app, org.tokens.manager, 'POST', '/api/v1/maintenance/schedules', { title: 'x', rrule: 'FREQ=DAILY', startDate: '2026-02-01', assigneeUserId: other.users.engineer.id });
    expect(stranger.json.error.fields.assigneeUserId).toMatch(/member of this organisation/);
    const never = await api(app, org.tokens.manager, 'POST', '/api/v1/maintenance/schedules', { title: 'x', rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', startDate: '2026-01-01' });
    expect(never.json.error.fields.rrule).toMatch(/never falls due/);
    expect((await api(app, org.tokens.engineer, 'POST', '/api/v1/maintenance/schedules', { title: 'x', rrule: 'FREQ=DAILY', startDate: '2026-02-01' })).status).toBe(403);
  });

  it('classifies due dates as overdue, due soon and upcoming against a fixed London date', async () => {
    const items = await listDueItems(db().db, { orgId: org.id, from: '2025-01-01', to: '2026-05-31', today: '2026-03-10' });
    const mine = items.filter((i) => i.scheduleId === ids.monthly);
    // 15 January and 15 February were missed: one overdue item, keyed on the earliest, counting both.
    expect(mine.map((i) => [i.key, i.status, i.missed])).toEqual([
      [`${ids.monthly}:2026-01-15`, 'overdue', 2], [`${ids.monthly}:2026-03-15`, 'due', 0],
      [`${ids.monthly}:2026-04-15`, 'upcoming', 0], [`${ids.monthly}:2026-05-15`, 'upcoming', 0],
    ]);
    expect(mine[0]).toMatchObject({ assigneeUserId: org.users.engineer.id, assigneeEmail: org.users.engineer.email, leadDays: 7, where: 'Civic Centre', orgId: org.id, path: `/o/northam/maintenance/schedules/${ids.monthly}` });
    // Without orgId it covers every organisation; the window bounds the due dates.
    const all = await listDueItems(db().db, { from: '2026-04-01', to: '2026-04-30', today: '2026-03-10' });
    expect(all.filter((i) => i.scheduleId === ids.monthly).map((i) => i.dueDate)).toEqual(['2026-04-15']);
    // 23:30 UTC on the day the clocks go forward is already the next day in London.
    expect(londonToday(new Date('2026-03-29T23:30:00Z'))).toBe('2026-03-30');
    expect(londonToday(new Date('2026-01-10T23:30:00Z'))).toBe('2026-01-10');
    // In winter (GMT) 23:30 UTC on 14 March is still the 14th in London: 15 March is due soon, not yet today.
    const gmt = await dueBoard(ctxOf(org), { to: '2026-04-20' }, new Date('2026-03-14T23:30:00Z'));
    expect(gmt.today).toBe('2026-03-14');
    expect(gmt.due.map((i) => i.dueDate)).toContain('2026-03-15');
    // In summer (BST) 23:30 UTC on 15 May is already the 16th: 15 May is overdue.
    const bst = await dueBoard(ctxOf(org), { to: '2026-06-20' }, new Date('2026-05-15T23:30:00Z'));
    expect(bst.today).toBe('2026-05-16');
    expect(bst.overdue[0]).toMatchObject({ dueDate: '2026-01-15', missed: 5 });
  });

  it('records a done visit that fulfils the due dates up to it and gives the next due date', async () => {
    const v = await api(app, org.tokens.engineer, 'POST', '/api/v1/maintenance/visits', {
      scheduleId: ids.monthly, visitDate: '2026-03-12', checklist: [{ item: 'time-sync', result: 'pass' }, { item: 'field-of-view', result: 'fail', note: 'Camera 3 knocked off aim' }],
      faults: 'Camera 3 needs re-aiming',
    });
    expect(v.status).toBe(201);
    expect(v.json).toMatchObject({ status: 'done', occurrenceDate: '2026-02-15', nextDueDate: '2026-03-15', target: { type: 'site', id: ids.site } });
    const items = (await listDueItems(db().db, { orgId: org.id, from: '2025-01-01', to: '2026-04-30', today: '2026-03-13' })).filter((i) => i.scheduleId === ids.monthly);
    expect(items.map((i) => [i.dueDate, i.status])).toEqual([['2026-03-15', 'due'], ['2026-04-15', 'upcoming']]);
    // An early visit fulfils the next due date.
    const early = await api(app, org.tokens.engineer, 'POST', '/api/v1/maintenance/visits', { scheduleId: ids.monthly, visitDate: '2026-03-13' });
    expect(early.json).toMatchObject({ occurrenceDate: '2026-03-15', nextDueDate: '2026-04-15' });
    const wrong = await api(app, org.tokens.engineer, 'POST', '/api/v1/maintenance/visits', { scheduleId: ids.monthly, visitDate: '2026-03-13', occurrenceDate: '2026-03-16' });
    expect(wrong.json.error.fields.occurrenceDate).toMatch(/not a due date/);
  });

  it('plans a visit, then completes it', async () => {
    const planned = await api(app, org.tokens.engineer, 'POST', '/api/v1/maintenance/visits', { scheduleId: ids.monthly, status: 'planned', visitDate: '2026-04-14' });
    expect(planned.json).toMatchObject({ status: 'planned', occurrenceDate: '2026-04-15' });
    const item = (await listDueItems(db().db, { orgId: org.id, from: '2026-04-01', to: '2026-04-30', today: '2026-04-01' })).find((i) => i.scheduleId === ids.monthly);
    expect(item?.planned).toMatchObject({ id: planned.json.id, visitDate: '2026-04-14' });
    const done = await api(app, org.tokens.engineer, 'PATCH', `/api/v1/maintenance/visits/${planned.json.id}`, { status: 'done', checklist: [{ item: 'time-sync', result: 'pass' }] });
    expect(done.json).toMatchObject({ status: 'done', occurrenceDate: '2026-04-15', nextDueDate: '2026-05-15' });
  });

  it('applies firmware seen and a new status to the asset, re-evaluating its provenance and findings', async () => {
    const before = await provenanceOf(ctxOf(org), ids.asset);
    expect(before?.nilSubject).not.toBe(true);
    const findingsOf = async () => (await api(app, org.tokens.viewer, 'GET', `/api/v1/findings?asset=${ids.asset}`)).json.items.filter((f: any) => f.status === 'open').map((f: any) => f.rule).sort();
    const rulesBefore = await findingsOf();
    const v = await api(app, org.tokens.engineer, 'POST', '/api/v1/maintenance/visits', {
      target: { type: 'asset', id: ids.asset }, visitDate: '2026-03-20', assetUpdates: [{ assetId: ids.asset, firmware: 'V5.7.3 build 220112', status: 'faulty' }],
    });
    expect(v.status).toBe(201);
    const asset = await api(app, org.tokens.viewer, 'GET', `/api/v1/assets/${ids.asset}`);
    expect(asset.json).toMatchObject({ firmware: 'V5.7.3 build 220112', status: 'faulty' });
    const after = await provenanceOf(ctxOf(org), ids.asset);
    // The firmware format reveals the real maker, and the finding on the sensitive site changes with it.
    expect(after).toMatchObject({ origin: 'hikvision', nilSubject: true });
    expect(after?.evidence.some((e) => e.kind === 'firmware')).toBe(true);
    expect(rulesBefore).toEqual(['unknown-provenance-exposed']);
    expect(await findingsOf()).toContain('uk-nil-sensitive-site');
    const trail = await api(app, org.tokens.admin, 'GET', `/api/v1/audit?objectType=asset&objectId=${ids.asset}`);
    expect(trail.json.events[0]).toMatchObject({ action: 'update', after: { firmware: 'V5.7.3 build 220112', status: 'faulty' } });
    // A bad status names the field; nothing is written.
    const bad = await api(app, org.tokens.engineer, 'POST', '/api/v1/maintenance/visits', { visitDate: '2026-03-21', assetUpdates: [{ assetId: ids.asset, status: 'replacement-planned' }] });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.json.error.fields)[0]).toMatch(/^assetUpdates\.0\.status/);
    const foreign = await api(app, org.tokens.engineer, 'POST', '/api/v1/maintenance/visits', { visitDate: '2026-03-21', assetUpdates: [{ assetId: ids.otherSite, firmware: 'x' }] });
    expect(foreign.json.error.fields['assetUpdates.0.assetId']).toMatch(/this organisation/);
  });

  it('serves a calendar feed with all-day events at a secret address, until it is revoked', async () => {
    const agent = await signedInAgent(app, org.users.engineer.email);
    const page = await agent.post('/o/northam/maintenance/calendar', { scope: 'mine', assignedOnly: 'mine' });
    expect(page.statusCode).toBe(200);
    const url = /value="(http[^"]+\/calendar\/(slcal_[^"]+)\.ics)"/.exec(page.body);
    expect(url).not.toBeNull();
    const path = new URL(url![1]).pathname;
    const feed = await app.inject({ method: 'GET', url: path });
    expect(feed.statusCode).toBe(200);
    expect(feed.headers['content-type']).toMatch(/^text\/calendar/);
    const events = feed.body.split('BEGIN:VEVENT').slice(1);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(e).toMatch(/\r\nDTSTART;VALUE=DATE:\d{8}\r\n/);
    expect(feed.body).toContain(`UID:${ids.monthly}-`);
    expect(feed.body).toContain('X-WR-TIMEZONE:Europe/London');
    const again = await app.inject({ method: 'GET', url: path });
    const uids = (b: string) => b.split('\r\n').filter((l) => l.startsWith('UID:')).sort();
    expect(uids(again.body)).toEqual(uids(feed.body));
    // The token is stored only as its hash.
    const rows = await db().db.selectFrom('maintenance_feeds').select('token_hash').execute();
    expect(rows.some((r) => r.token_hash === url![2])).toBe(false);
    // Revoke from the feeds page.
    const list = await agent.get('/o/northam/maintenance/calendar');
    const id = /calendar\/([0-9a-f-]{36})\/revoke/.exec(list.body)![1];
    expect((await agent.post(`/o/northam/maintenance/calendar/${id}/revoke`, {})).statusCode).toBe(303);
    expect((await app.inject({ method: 'GET', url: path })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/calendar/slcal_madeupmadeupmadeupmadeup.ics' })).statusCode).toBe(404);
  });

  it('shows an installer every organisation they serve, and only those', async () => {
    await createOrganisation(db().db, { type: 'system', id: null, label: 'test' }, { slug: 'eastham', name: 'Eastham council' });
    const installer = await createUser(db().db, { type: 'system', id: null, label: 'test' }, { email: 'fitter@installer.example', name: 'Fitter', password: 'correct-horse-battery-staple' });
    // An engineer for one client, only a viewer for the other.
    await grantMembership(db().db, { type: 'system', id: null, label: 'test' }, 'northam', installer.id, 'engineer');
    await grantMembership(db().db, { type: 'system', id: null, label: 'test' }, 'southam', installer.id, 'viewer');
    await api(app, other.tokens.manager, 'POST', '/api/v1/maintenance/schedules', { title: 'Southam yearly review', target: { type: 'site', id: ids.otherSite }, rrule: 'FREQ=YEARLY', startDate: '2026-12-01' });
    const east = await createApiToken(db().db, { type: 'system', id: null, label: 'test' }, 'eastham', { name: 'm', role: 'manager' });
    await api(app, east.token, 'POST', '/api/v1/maintenance/schedules', { title: 'Eastham secret check', rrule: 'FREQ=MONTHLY', startDate: '2026-12-01' });
    const agent = await signedInAgent(app, 'fitter@installer.example');
    const all = await agent.get('/maintenance');
    expect(all.statusCode).toBe(200);
    expect(all.body).toContain('Monthly check');
    expect(all.body).toContain('Southam yearly review');
    expect(all.body).not.toContain('Eastham');
    // "Record visit" only where they may record one.
    expect(all.body).toContain('href="/o/northam/maintenance/visits/new?schedule=');
    expect(all.body).not.toContain('href="/o/southam/maintenance/visits/new');
    const onlySouth = await agent.get('/maintenance?org=southam');
    expect(onlySouth.body).toContain('Southam yearly review');
    expect(onlySouth.body).not.toContain('Monthly check');
    // Asking for an organisation one does not belong to shows nothing of it.
    const sneaky = await agent.get('/maintenance?org=eastham');
    expect(sneaky.body).not.toContain('Eastham secret check');
  });

  it('keeps another organisation out of schedules and visits', async () => {
    expect((await api(app, other.tokens.admin, 'GET', `/api/v1/maintenance/schedules/${ids.monthly}`)).status).toBe(404);
    expect((await api(app, other.tokens.admin, 'PATCH', `/api/v1/maintenance/schedules/${ids.monthly}`, { title: 'hijack' })).status).toBe(404);
    const smuggle = await api(app, other.tokens.admin, 'POST', '/api/v1/maintenance/visits', { scheduleId: ids.monthly, visitDate: '2026-03-01' });
    expect(smuggle.status).toBe(422);
    const smuggleTarget = await api(app, other.tokens.admin, 'POST', '/api/v1/maintenance/schedules', { title: 'x', target: { type: 'site', id: ids.site }, rrule: 'FREQ=DAILY', startDate: '2026-03-01' });
    expect(smuggleTarget.json.error.fields['target.id']).toMatch(/this organisation/);
    const due = await api(app, other.tokens.admin, 'GET', `/api/v1/maintenance/due?site=${ids.site}`);
    expect(due.json.items).toEqual([]);
    const agent = await signedInAgent(app, other.users.admin.email);
    expect((await agent.get(`/o/southam/maintenance/schedules/${ids.monthly}`)).statusCode).toBe(404);
    expect((await agent.get(`/o/northam/maintenance`)).statusCode).toBe(404);
  });

  it('builds a rule from the simple form, and explains a bad advanced rule on the page', async () => {
    const agent = await signedInAgent(app, org.users.manager.email);
    const form = { title: 'Quarterly clean', target: `site:${ids.site}`, interval: '1', freq: 'MONTHLY', pattern: 'weekday', ordinal: '-1', weekday: 'FR', months: ['3', '6', '9', '12'],
      'startDate-day': '1', 'startDate-month': '1', 'startDate-year': '2026', checklist: ['cleaning', 'fixings'], leadDays: '14', assigneeUserId: '' };
    const bad = await agent.post('/o/northam/maintenance/schedules', { ...form, rrule: 'FREQ=MONTHLY;BYDAY=XX' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('href="#rrule"');
    expect(bad.body).toContain('BYDAY must list weekdays');
    const good = await agent.post('/o/northam/maintenance/schedules', form);
    expect(good.statusCode).toBe(303);
    const page = await agent.get(good.headers.location as string);
    expect(page.body).toContain('FREQ=MONTHLY;BYMONTH=3,6,9,12;BYDAY=-1FR');
    expect(page.body).toContain('27 March 2026');
  });

  it('writes the maintenance log of a site as CSV and a tagged PDF', async () => {
    const agent = await signedInAgent(app, org.users.viewer.email);
    const csv = await agent.get(`/o/northam/maintenance/report.csv?scope=site:${ids.site}&from=2026-03-01&to=2026-03-31`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.body.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
    expect(lines[0]).toMatch(/^Visit date,Status,Schedule,Due date fulfilled,About,Engineer,Picture quality,Field of view,/);
    const row = lines.find((l) => l.startsWith('2026-03-12'))!;
    expect(row).toContain('Monthly check');
    expect(row).toContain('Fail: Camera 3 knocked off aim');
    expect(row).toContain('Camera 3 needs re-aiming');
    expect(lines.some((l) => l.startsWith('2026-03-20') && l.includes('firmware V5.7.3 build 220112, status faulty'))).toBe(true); // the asset at the site
    expect(lines.some((l) => l.startsWith('2026-04-14'))).toBe(false); // outside the range
    const pdf = await agent.get(`/o/northam/maintenance/report.pdf?scope=site:${ids.site}&from=2026-03-01&to=2026-03-31`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.rawPayload.toString('latin1')).toMatch(/\/StructTreeRoot/);
    const bad = await agent.get('/o/northam/maintenance/report.csv?from=2026-04-01&to=2026-03-01');
    expect(bad.statusCode).toBe(422);
  });
});
