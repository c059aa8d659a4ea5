import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { addDays, londonParts } from '../../src/platform/clock';
import * as reminderRepo from '../../src/modules/reminders/repo';

// The overview answers "what needs doing now", most urgent first, each line a link; a new organisation gets a
// task list that ticks itself off from the register.

const today = () => londonParts(new Date()).date;
const todoLinks = (html: string) => {
  const list = html.slice(html.indexOf('id="to-do"'));
  const ol = list.slice(0, list.indexOf('</ol>') + 5);
  return [...ol.matchAll(/<li><a class="govuk-link" href="([^"]+)">([^<]+)<\/a><\/li>/g)].map((m) => ({ href: m[1], text: m[2] }));
};

describeEachDb('overview: what needs doing now', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  const ids: Record<string, string> = {};
  const base = '/o/nowco';

  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'nowco');
  });
  afterAll(async () => { await app?.close(); });

  it('gives an empty organisation the onboarding task list, which ticks itself off from the data', async () => {
    const manager = await signedInAgent(app, org.users.manager.email);
    const empty = (await manager.get(base)).body;
    expect(empty).toContain('Get started');
    expect(empty).toContain('You have completed 0 of 5 steps');
    expect(empty).toContain('govuk-task-list');
    expect(empty).toContain('Nothing is overdue or due in the next month');
    ids.site = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Civic Centre', sensitive: true, sensitiveReason: 'Council chamber' })).json.id;
    await api(app, org.tokens.manager, 'POST', '/api/v1/networks', { name: 'Corporate LAN', kind: 'core', cidrs: ['10.10.0.0/16'] });
    const two = (await manager.get(base)).body;
    expect(two).toContain('You have completed 2 of 5 steps');
    expect(two.match(/govuk-task-list__status--completed/g)).toHaveLength(2);
  });

  it('lists what needs doing, most urgent first, with criticals in a banner and open and accepted counted apart', async () => {
    ids.system = (await api(app, org.tokens.manager, 'POST', '/api/v1/systems', { name: 'Civic CCTV', purpose: 'Protect staff', owner: 'Facilities', retentionDays: 30, siteIds: [ids.site] })).json.id;
    ids.hik = (await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Hikvision', model: 'DS-2CD2143G2-I', serial: 'H1', mac: '44:19:B6:00:02:01', siteId: ids.site })).json.id;
    ids.hik2 = (await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Hikvision', model: 'DS-2CD2143G2-I', serial: 'H2', mac: '44:19:B6:00:02:02', siteId: ids.site })).json.id;
    const [f2] = (await api(app, org.tokens.viewer, 'GET', `/api/v1/findings?asset=${ids.hik2}&severity=critical`)).json.items;
    expect((await api(app, org.tokens.manager, 'POST', `/api/v1/findings/${f2.id}/accept`, { reason: 'Funded', reviewDate: addDays(today(), 30) })).status).toBe(200);
    // Time passes: the review date of the accepted risk comes round.
    await db().db.updateTable('findings').set({ review_date: addDays(today(), -2) }).where('id', '=', f2.id).execute();
    ids.schedule = (await api(app, org.tokens.manager, 'POST', '/api/v1/maintenance/schedules', { title: 'Monthly check', target: { type: 'site', id: ids.site }, rrule: 'FREQ=DAILY;INTERVAL=25', startDate: addDays(today(), -20) })).json.id;
    // A reminder that could not be sent.
    const at = new Date().toISOString();
    const rid = await reminderRepo.recordDelivery(db().db, { org_id: org.id, user_id: org.users.engineer.id, email: org.users.engineer.email, kind: 'overdue', item_key: 'k1', subject: 'Overdue', body_text: 'x' }, at);
    await reminderRepo.claimForSending(db().db, rid!, at);
    await reminderRepo.markFailedAttempt(db().db, rid!, 'relay refused', 'failed', at);

    const admin = await signedInAgent(app, org.users.admin.email);
    const page = (await admin.get(base)).body;
    expect(page).toContain('govuk-notification-banner');
    expect(page).toMatch(/1 critical finding is open/); // the accepted one is not counted as open
    const todo = todoLinks(page);
    expect(todo.map((t) => t.href)).toEqual([
      `${base}/maintenance/schedules/${ids.schedule}`,
      `${base}/findings/${f2.id}`,
      `${base}/compliance/systems/${ids.system}`,
      `${base}/reminders`,
      `${base}/maintenance/schedules/${ids.schedule}`,
    ]);
    expect(todo[0].text).toMatch(/^Overdue maintenance: Monthly check at Civic Centre/);
    expect(todo[1].text).toMatch(/^Accepted risk to review/);
    expect(todo[2].text).toBe('Self-assessment not started: Civic CCTV');
    expect(todo[3].text).toBe('1 reminder e-mail could not be sent');
    expect(todo[4].text).toMatch(/^Maintenance due soon/);
    // Open and accepted apart, in the severity table.
    expect(page).toMatch(/Critical<\/strong><\/th><td[^>]*><a[^>]*>1<span class="govuk-visually-hidden"> open critical findings/);
    expect(page).toMatch(/>1<span class="govuk-visually-hidden"> accepted critical risks/);
    // Only admins hear about reminders that failed.
    const viewer = await signedInAgent(app, org.users.viewer.email);
    expect(todoLinks((await viewer.get(base)).body).map((t) => t.href)).not.toContain(`${base}/reminders`);

    // Starting the self-assessment takes it off the list and ticks the onboarding step.
    await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${ids.system}/assessments`);
    const later = (await admin.get(base)).body;
    expect(todoLinks(later).map((t) => t.href)).not.toContain(`${base}/compliance/systems/${ids.system}`);
    expect(later).toContain('You have completed 4 of 5 steps'); // sites, sensitive + core, maintenance, self-assessment
  });
});
