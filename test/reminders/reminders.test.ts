import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db';
import { startSmtpPeer } from '../helpers/smtp';
import { createOrgFixture, createTestApp, signedInAgent, api, type OrgFixture } from '../helpers/app';
import { DbJobQueue } from '../../src/platform/jobs';
import { createSmtpMailer } from '../../src/platform/mail';
import { registerReminderJobs, scanReminders, type DueItem, type ReminderDeps } from '../../src/modules/reminders/service';
import type { FastifyInstance } from 'fastify';

// The reminder engine against a real SMTP peer on loopback. Due items come from a fixed source here so each case
// controls exactly what is due; test/reminders/two-instances.test.ts drives real maintenance schedules.
describeEachDb('e-mail reminders', (db, kind) => {
  let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
  let org: OrgFixture;
  let items: DueItem[] = [];
  let app: FastifyInstance;
  // The periodic scan (run by drain()) reads this clock, never today's date: each step below sets it.
  let clock = new Date('2026-11-25T09:00:00Z');
  const scanAt = (d: ReminderDeps, at: Date) => { clock = at; return scanReminders(d, at); };
  const deps = (): ReminderDeps => ({
    now: () => clock,
    db: db().db, jobs: new DbJobQueue(db().db, kind, { backoffMs: 0 }), mailer: createSmtpMailer(smtp.url, 'Sightline <reminders@sightline.test>'),
    publicUrl: 'https://sightline.test', dueSource: async (_db, q) => items.filter((i) => i.orgId === q.orgId),
  });
  const item = (over: Partial<DueItem>): DueItem => ({
    key: `sched-1:${over.dueDate}`, orgId: org.id, title: 'Quarterly camera check', dueDate: '2026-12-05', leadDays: 14,
    assigneeUserId: org.users.engineer.id, where: 'Civic Centre', path: `/o/${org.slug}/maintenance`, ...over,
  });

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    org = await createOrgFixture(db(), 'remindshire');
    app = await createTestApp(db(), { SMTP_URL: smtp.url });
  });
  afterAll(async () => { await app?.close(); await smtp?.close(); });

  it('e-mails the assignee once when an item is due soon, and once more when it is overdue', async () => {
    items = [item({ dueDate: '2026-12-05' })];
    const d = deps();
    registerReminderJobs(d);
    await scanAt(d, new Date('2026-11-25T09:00:00Z')); // 10 days before: within the 14-day lead time
    await scanAt(d, new Date('2026-11-26T09:00:00Z')); // again: nothing new
    await d.jobs.drain();
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].to).toEqual([`engineer@${org.slug}.example.gov.uk`]);
    expect(smtp.received[0].subject).toBe('Due soon: Quarterly camera check – Civic Centre (due 5 December 2026)');
    expect(smtp.received[0].body).toContain(`https://sightline.test/o/${org.slug}/maintenance`);

    await scanAt(d, new Date('2026-12-08T09:00:00Z')); // a Tuesday: no digest in the way
    await scanAt(d, new Date('2026-12-09T09:00:00Z'));
    await d.jobs.drain();
    expect(smtp.received.map((m) => m.subject)).toEqual([
      'Due soon: Quarterly camera check – Civic Centre (due 5 December 2026)',
      'Overdue: Quarterly camera check – Civic Centre (was due 5 December 2026)',
    ]);
  });

  it('sends unassigned items to managers and admins, and respects a person’s choices', async () => {
    smtp.received.length = 0;
    items = [item({ key: 'sched-2:2026-12-01', dueDate: '2026-12-01', assigneeUserId: null, title: 'Annual system review' })];
    const agent = await signedInAgent(app, org.users.manager.email);
    const saved = await agent.post(`/o/${org.slug}/reminders/preferences`, { kinds: ['dueSoon', 'digest'] }); // no overdue
    expect(saved.statusCode).toBe(303);
    const d = deps();
    registerReminderJobs(d);
    await scanAt(d, new Date('2026-12-02T10:00:00Z'));
    await d.jobs.drain();
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual([`admin@${org.slug}.example.gov.uk`]);
  });

  it('retries a refused message with backoff, sends it once, and shows failures to admins', async () => {
    smtp.received.length = 0;
    items = [item({ key: 'sched-3:2026-12-03', dueDate: '2026-12-03', title: 'Firmware review' })];
    const d = deps();
    registerReminderJobs(d);
    smtp.failNext(1);
    await scanAt(d, new Date('2026-12-01T10:00:00Z'));
    await d.jobs.drain(); // attempt 1 refused; attempt 2 (backoff 0) succeeds in the same drain
    expect(smtp.received.filter((m) => m.subject.startsWith('Due soon: Firmware review'))).toHaveLength(1);

    smtp.failNext(100);
    items = [item({ key: 'sched-4:2026-12-03', dueDate: '2026-12-03', title: 'Lens cleaning' })];
    await scanAt(d, new Date('2026-12-01T10:00:00Z'));
    await d.jobs.drain();
    smtp.failNext(0);
    const list = await api(app, org.tokens.admin, 'GET', '/api/v1/reminders?state=failed');
    expect(list.status).toBe(200);
    expect(list.json.items).toHaveLength(1);
    expect(list.json.items[0]).toMatchObject({ subject: expect.stringContaining('Lens cleaning'), attempts: 5, lastError: expect.stringContaining('451') });
    expect((await api(app, org.tokens.engineer, 'GET', '/api/v1/reminders')).status).toBe(403);

    const admin = await signedInAgent(app, org.users.admin.email);
    const page = await admin.get(`/o/${org.slug}/reminders`);
    expect(page.body).toContain('Lens cleaning');
    expect(page.body).toContain('Send again');
    const retry = await admin.post(`/o/${org.slug}/reminders/${list.json.items[0].id}/retry`, {});
    expect(retry.statusCode).toBe(303);
    await app.deps.jobs.drain();
    expect(smtp.received.filter((m) => m.subject.includes('Lens cleaning'))).toHaveLength(1);
  });

  it('sends a weekly digest on Monday morning, once per week', async () => {
    smtp.received.length = 0;
    items = [item({ key: 'sched-5:2026-12-09', dueDate: '2026-12-09', leadDays: 1, title: 'Signage check' }), item({ key: 'sched-6:2026-11-20', dueDate: '2026-11-20', title: 'Backup test' })];
    const d = deps();
    registerReminderJobs(d);
    await scanAt(d, new Date('2026-11-30T06:30:00Z')); // Monday 06:30 London: too early for the digest
    await d.jobs.drain();
    expect(smtp.received.filter((m) => m.subject.includes('weekly digest'))).toHaveLength(0);
    await scanAt(d, new Date('2026-11-30T07:30:00Z'));
    await scanAt(d, new Date('2026-12-01T07:30:00Z'));
    await d.jobs.drain();
    const digests = smtp.received.filter((m) => m.subject.includes('weekly digest'));
    expect(digests).toHaveLength(1);
    expect(digests[0].subject).toBe('Sightline weekly digest for remindshire council: 2 maintenance items, 1 overdue');
    expect(digests[0].body).toContain('Signage check');
  });
});
