import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/db';
import { startSmtpPeer } from '../helpers/smtp';
import { api, createOrgFixture, createTestApp, type OrgFixture } from '../helpers/app';
import { addDays, londonParts } from '../../src/platform/clock';
import { scanReminders } from '../../src/modules/reminders/service';
import { dueItemsForReminders } from '../../src/modules/reminders/due';

// The bar: two app instances on one PostgreSQL (each with its own pg-boss worker and SMTP connection) send
// each due reminder exactly once, from real maintenance schedules.
describe.runIf(DB_KINDS.includes('postgres'))('reminders with two app instances on one PostgreSQL [postgres]', () => {
  let database: TestDatabase;
  let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
  let apps: FastifyInstance[] = [];
  let org: OrgFixture;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    smtp = await startSmtpPeer();
    const env = { SMTP_URL: smtp.url, SIGHTLINE_QUEUE: 'pg-boss', SIGHTLINE_PUBLIC_URL: 'https://cctv.example.gov.uk' };
    apps = [await createTestApp(database, env), await createTestApp(database, env)];
    org = await createOrgFixture(database, 'twinborough');
  });
  afterAll(async () => { for (const a of apps) await a.close(); await smtp?.close(); await database?.dispose(); });

  it('runs pg-boss and sends every reminder once however the two instances interleave', async () => {
    expect(apps[0].deps.jobs.constructor.name).toBe('PgBossJobQueue');
    const today = londonParts(new Date()).date;
    const site = await api(apps[0], org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Town Hall' });
    const titles = ['Lens cleaning', 'Recorder health check', 'Signage check'];
    for (const [i, title] of titles.entries()) {
      const r = await api(apps[i % 2], org.tokens.manager, 'POST', '/api/v1/maintenance/schedules', {
        title, target: { type: 'site', id: site.json.id }, rrule: 'FREQ=MONTHLY', startDate: addDays(today, 2 + i), leadDays: 7,
        assigneeUserId: org.users.engineer.id,
      });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
    }
    // Both instances scan (outside the once-per-slot periodic job too, as if their clocks disagreed) and send,
    // concurrently and repeatedly.
    const scan = (a: FastifyInstance) => scanReminders({ db: a.deps.db, jobs: a.deps.jobs, mailer: a.deps.mailer, publicUrl: a.deps.config.publicUrl, dueSource: dueItemsForReminders }, new Date());
    const created = await Promise.all([scan(apps[0]), scan(apps[1]), scan(apps[0]), scan(apps[1])]);
    expect(created.reduce((a, b) => a + b, 0)).toBe(3);
    await Promise.all([apps[0].deps.jobs.drain(), apps[1].deps.jobs.drain(), apps[0].deps.jobs.drain(), apps[1].deps.jobs.drain()]);
    await Promise.all([apps[1].deps.jobs.drain(), apps[0].deps.jobs.drain()]);
    const dueSoon = smtp.received.filter((m) => m.subject.startsWith('Due soon:'));
    expect(dueSoon.map((m) => m.subject.split(' – ')[0]).sort()).toEqual(titles.map((t) => `Due soon: ${t}`).sort());
    expect(dueSoon.every((m) => m.to[0] === `engineer@${org.slug}.example.gov.uk`)).toBe(true);
    expect(dueSoon[0].body).toContain('https://cctv.example.gov.uk/o/twinborough/');
    const rows = await database.db.selectFrom('reminder_deliveries').select(['state']).where('kind', '=', 'due_soon').execute();
    expect(rows.map((r) => r.state)).toEqual(['sent', 'sent', 'sent']);
  });
});
