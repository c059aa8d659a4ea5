import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/db';
import { PgBossJobQueue } from '../../src/platform/pgboss-queue';

// pg-boss runs only on PostgreSQL; the same contract as the job-table queue (test/platform/jobs.test.ts).
describe.runIf(DB_KINDS.includes('postgres'))('pg-boss job queue [postgres]', () => {
  let database: TestDatabase;
  const queues: PgBossJobQueue[] = [];
  const queue = () => { const q = new PgBossJobQueue(database.url!); queues.push(q); return q; };
  beforeAll(async () => { database = await createTestDatabase('postgres'); });
  afterAll(async () => { for (const q of queues) await q.stop(); await database?.dispose(); });

  it('runs a job with its organisation and payload, and reports it done', async () => {
    const q = queue();
    const seen: unknown[] = [];
    q.handle('t.echo', async (job) => { seen.push([job.orgId, job.payload, job.attempt]); return { ok: 1 }; });
    const id = await q.enqueue('t.echo', { n: 7 }, { orgId: null });
    expect(await q.drain()).toBe(1);
    expect(seen).toEqual([[null, { n: 7 }, 1]]);
    expect(await q.get(id!)).toMatchObject({ state: 'done', result: { ok: 1 } });
  });

  it('keeps one job per singleton key and one periodic job per slot across instances', async () => {
    const a = queue();
    const b = queue();
    expect(await a.enqueue('t.single', {}, { singletonKey: 'k' })).not.toBeNull();
    expect(await b.enqueue('t.single', {}, { singletonKey: 'k' })).toBeNull();
    let ticks = 0;
    for (const q of [a, b]) { q.every('t.tick', 3_600_000); q.handle('t.tick', async () => { ticks++; }); }
    await Promise.all([a.drain(), b.drain()]);
    expect(ticks).toBe(1);
  });

  it('records a failure with its message once the attempts are used up', async () => {
    const q = queue();
    q.handle('t.fail', async () => { throw new Error('mail server down'); });
    const id = await q.enqueue('t.fail', {}, { maxAttempts: 1 });
    await q.drain();
    expect(await q.get(id!)).toMatchObject({ state: 'failed', lastError: expect.stringContaining('mail server down') });
    expect((await q.list({ state: 'failed', name: 't.fail' })).map((j) => j.id)).toEqual([id]);
  });
});
