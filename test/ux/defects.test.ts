import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { PRINCIPLES } from '../../src/domain/compliance';
import { addDays, londonParts } from '../../src/platform/clock';

// The defects found by trying Sightline as a council's CCTV manager would (issue 13), each through the pages a
// person uses, on both database engines.

const today = () => londonParts(new Date()).date;
const dateForm = (name: string, iso: string) => {
  const [y, m, d] = iso.split('-');
  return { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y };
};

describeEachDb('issue 13 defects', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  const ids: Record<string, string> = {};
  const base = '/o/ux13';

  beforeAll(async () => {
    app = await createTestApp(db(), { SIGHTLINE_PUBLIC_URL: 'https://cctv.example.gov.uk' });
    org = await createOrgFixture(db(), 'ux13');
    ids.site = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Civic Centre', sensitive: true, sensitiveReason: 'Council chamber' })).json.id;
    ids.system = (await api(app, org.tokens.manager, 'POST', '/api/v1/systems', { name: 'Civic CCTV', purpose: 'Protect staff', owner: 'Head of Facilities', retentionDays: 30, siteIds: [ids.site] })).json.id;
  });
  afterAll(async () => { await app?.close(); });

  it('1. shows list and record values in the audit trail as words, not [object Object]', async () => {
    expect((await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${ids.system}/assessments`)).status).toBe(201);
    const p1 = PRINCIPLES[0];
    const closed = p1.questions.find((q) => q.kind === 'closed' && !q.derived)!;
    const r = await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${ids.system}/assessment/answers`, { principle: 1, answers: [{ questionId: closed.id, answer: 'partly', note: 'Reviewed in May' }] });
    expect(r.status).toBe(200);
    await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${ids.system}/assessment/answers`, { principle: 1, answers: [{ questionId: closed.id, answer: 'yes', note: 'Reviewed in May' }] });
    const admin = await signedInAgent(app, org.users.admin.email);
    const page = (await admin.get(`${base}/audit?type=assessment`)).body;
    expect(page).not.toContain('[object Object]');
    // The change names the question and reads as text.
    expect(page).toContain(`${closed.id} answer: partly → yes`);
  });

  it('2. records no visit from an untouched form, refuses a done visit in the future and a second visit for a due date', async () => {
    const start = addDays(today(), -40);
    ids.schedule = (await api(app, org.tokens.manager, 'POST', '/api/v1/maintenance/schedules', { title: 'Monthly check', target: { type: 'site', id: ids.site }, rrule: 'FREQ=MONTHLY', startDate: start, checklist: ['time-sync'] })).json.id;
    const engineer = await signedInAgent(app, org.users.engineer.email);
    const form = (await engineer.get(`${base}/maintenance/visits/new?schedule=${ids.schedule}&occurrence=${start}`)).body;
    expect(form).not.toMatch(/name="status"[^>]*value="done"[^>]*checked|checked[^>]*name="status"[^>]*value="done"/);
    expect(form).not.toMatch(/name="visitDate-year"[^>]*value="\d{4}"/);
    const untouched = await engineer.post(`${base}/maintenance/visits`, { scheduleId: ids.schedule, occurrenceDate: start });
    expect(untouched.statusCode).toBe(422);
    expect(untouched.body).toContain('Say whether the visit is planned or done');
    expect(untouched.body).toContain('Enter the visit date');
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/maintenance/visits?schedule=${ids.schedule}`)).json.items).toHaveLength(0);

    const future = await engineer.post(`${base}/maintenance/visits`, { scheduleId: ids.schedule, occurrenceDate: start, status: 'done', ...dateForm('visitDate', '2030-01-10') });
    expect(future.statusCode).toBe(422);
    expect(future.body).toContain('must be today or in the past');
    // Planned visits may of course be in the future.
    expect((await api(app, org.tokens.engineer, 'POST', '/api/v1/maintenance/visits', { scheduleId: ids.schedule, status: 'planned', visitDate: '2030-01-10' })).status).toBe(201);

    const first = await engineer.post(`${base}/maintenance/visits`, { scheduleId: ids.schedule, occurrenceDate: start, status: 'done', ...dateForm('visitDate', start) });
    expect(first.statusCode).toBe(303);
    const second = await engineer.post(`${base}/maintenance/visits`, { scheduleId: ids.schedule, occurrenceDate: start, status: 'done', ...dateForm('visitDate', addDays(start, 1)) });
    expect(second.statusCode).toBe(422);
    expect(second.body).toContain(`already fulfils the due date ${start}`);
    const viaApi = await api(app, org.tokens.engineer, 'POST', '/api/v1/maintenance/visits', { scheduleId: ids.schedule, status: 'done', visitDate: addDays(start, 2), occurrenceDate: start });
    expect(viaApi.status).toBe(422);
    const done = (await api(app, org.tokens.viewer, 'GET', `/api/v1/maintenance/visits?schedule=${ids.schedule}`)).json.items.filter((v: any) => v.status === 'done');
    expect(done).toHaveLength(1);
  });

  it('3. keeps typed answers when "Link evidence" or "Add action" is pressed', async () => {
    const manager = await signedInAgent(app, org.users.manager.email);
    const home = `${base}/compliance/systems/${ids.system}`;
    const page = (await manager.get(`${home}/principles/2`)).body;
    // One form: the evidence picker and the action fields belong to the answers' form.
    expect(page.match(/<form method="post" action="[^"]*\/principles\/2"/g)).toHaveLength(1);
    expect(page).toContain('value="link-evidence"');
    const q = PRINCIPLES[1].questions.find((x) => x.kind === 'closed' && !x.derived)!;
    const htmlId = `q-${q.id.replace(/\./g, '-')}`;
    const linked = await manager.post(`${home}/principles/2`, { [`${htmlId}-answer`]: 'no', [`${htmlId}-note`]: 'Typed before linking', action: 'link-evidence', evidence: `site:${ids.site}` });
    expect(linked.statusCode).toBe(303);
    const after = (await manager.get(`${home}/principles/2`)).body;
    expect(after).toContain('Typed before linking');
    expect(after).toMatch(new RegExp(`name="${htmlId}-answer"[^>]*value="no"[^>]*checked|value="no"[^>]*checked[^>]*name="${htmlId}-answer"`));
    expect(after).toContain('Site: <a class="govuk-link"');
    // A bad action keeps the answers on the page and says what is wrong.
    const bad = await manager.post(`${home}/principles/2`, { [`${htmlId}-answer`]: 'partly', [`${htmlId}-note`]: 'Changed my mind', action: 'add-action', title: '' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Changed my mind');
  });

  it('4. takes the maintenance report period with date inputs and answers a bad date inside the organisation', async () => {
    const agent = await signedInAgent(app, org.users.viewer.email);
    const form = (await agent.get(`${base}/maintenance/report`)).body;
    expect(form).toContain('name="from-day"');
    expect(form).not.toContain('YYYY-MM-DD');
    const bad = await agent.get(`${base}/maintenance/report.csv?from-day=31&from-month=2&from-year=2026&to-day=1&to-month=3&to-year=2026`);
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['content-type']).toMatch(/text\/html/);
    expect(bad.body).toContain('govuk-service-navigation'); // the organisation's navigation
    expect(bad.body).toContain('There is a problem');
    expect(bad.body).toContain('value="31"'); // what was typed stays
    expect(bad.body).toContain('From must be a real date, for example 1 4 2026'); // in the hint's form, not YYYY-MM-DD
    const good = await agent.get(`${base}/maintenance/report.csv?from-day=1&from-month=1&from-year=2026&to-day=31&to-month=12&to-year=2026`);
    expect(good.statusCode).toBe(200);
    expect(good.headers['content-disposition']).toContain('maintenance-log-2026-01-01-to-2026-12-31.csv');
  });

  it('5. refuses an untouched "Add an asset" form and pre-sets no answer to "Is this a sensitive site?"', async () => {
    const manager = await signedInAgent(app, org.users.manager.email);
    const before = (await api(app, org.tokens.viewer, 'GET', '/api/v1/assets')).json.items.length;
    const assetForm = (await manager.get(`${base}/assets/new`)).body;
    expect(assetForm).not.toMatch(/<option value="camera" selected/);
    const blank = await manager.post(`${base}/assets`, { kind: '', status: 'in-service' });
    expect(blank.statusCode).toBe(422);
    expect(blank.body).toContain('Choose the kind of asset');
    expect((await api(app, org.tokens.viewer, 'GET', '/api/v1/assets')).json.items.length).toBe(before);

    const siteForm = (await manager.get(`${base}/sites/new`)).body;
    expect(siteForm).not.toMatch(/name="sensitive"[^>]*checked/);
    const unanswered = await manager.post(`${base}/sites`, { name: 'Depot', siteType: 'office' });
    expect(unanswered.statusCode).toBe(422);
    expect(unanswered.body).toContain('Say whether the site is sensitive');
    expect(unanswered.body).not.toMatch(/name="sensitive"[^>]*checked/);
  });

  it('6. lists accepted risks apart on the plan and names makers, not slugs', async () => {
    ids.hik = (await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Hikvision', model: 'DS-2CD2143G2-I', serial: 'HIK-A', mac: '44:19:B6:00:00:01', siteId: ids.site })).json.id;
    ids.hik2 = (await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Hikvision', model: 'DS-2CD2143G2-I', serial: 'HIK-B', mac: '44:19:B6:00:00:02', siteId: ids.site })).json.id;
    const findings = (await api(app, org.tokens.viewer, 'GET', `/api/v1/findings?asset=${ids.hik2}&status=open`)).json.items;
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect((await api(app, org.tokens.manager, 'POST', `/api/v1/findings/${f.id}/accept`, { reason: 'Replacement funded', reviewDate: addDays(today(), 200) })).status).toBe(200);
    }
    const plan = (await api(app, org.tokens.viewer, 'GET', '/api/v1/plan')).json;
    const lines = plan.lines ?? plan.items;
    expect(lines.map((l: any) => [l.assetId, l.accepted])).toEqual([[ids.hik, false], [ids.hik2, true]]);
    const page = (await (await signedInAgent(app, org.users.viewer.email)).get(`${base}/plan`)).body;
    expect(page).toContain('Accepted risks');
    const openTable = page.slice(0, page.indexOf('id="accepted"'));
    const acceptedTable = page.slice(page.indexOf('id="accepted"'));
    expect(openTable).toContain(ids.hik);
    expect(openTable).not.toContain(ids.hik2);
    expect(acceptedTable).toContain(ids.hik2);
    expect(page).toContain('made by Hangzhou Hikvision');
    expect(page).not.toContain('made by hikvision');
  });

  it('7. shows words not codes, the right grammar, the public address in the API docs, and the user bar in a landmark', async () => {
    const viewer = await signedInAgent(app, org.users.viewer.email);
    const one = (await viewer.get(`${base}/assets?q=HIK-A`)).body;
    expect(one).toContain('1 asset matches these filters');
    const docs = (await viewer.get('/api/docs')).body;
    expect(docs).toContain('https://cctv.example.gov.uk/api/v1/assets');
    expect(docs).not.toContain('localhost:8080');
    // The signed-in bar sits inside the page header (banner landmark).
    const home = (await viewer.get(`${base}/reminders`)).body;
    const header = home.slice(home.indexOf('<header'), home.indexOf('</header>'));
    expect(header).toContain('Signed in as');
    // A page outside the navigation's sections does not claim to be the Overview.
    expect(home).not.toMatch(/aria-current="page"[^>]*>\s*(<[^>]+>\s*)*Overview/);
    expect(home).toMatch(/href="\/o\/ux13\/reminders" aria-current="page">Reminders/);
    // Every area is one click away from any page, and the most specific section is the one highlighted.
    const dpias = (await viewer.get(`${base}/compliance/dpias`)).body;
    for (const area of ['reminders', 'compliance/dpias', 'catalogue', 'findings', 'maintenance', 'documents', 'discovery']) expect(dpias).toContain(`href="${base}/${area}"`);
    expect(dpias).toMatch(/href="\/o\/ux13\/compliance\/dpias" aria-current="page"/);
    expect(dpias.match(/aria-current="page"/g)).toHaveLength(1);
    const manager = await signedInAgent(app, org.users.manager.email);
    const action = await manager.post(`${base}/compliance/systems/${ids.system}/actions`, { principle: '1', title: 'Review signage', ownerId: '' });
    expect(action.body).not.toContain('Choose a owner');
    expect(action.body).toContain('Choose an owner');
  });
});
