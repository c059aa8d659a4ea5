import { expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db';
import { DbJobQueue } from '../../src/platform/jobs';

describeEachDb('database job queue', (db, kind) => {
  it('runs a queued job once and keeps its result', async () => {
    const q = new DbJobQueue(db().db, kind);
    const seen: unknown[] = [];
    q.handle('t.echo', async (job) => { seen.push(job.payload); return { ok: true }; });
    const id = await q.enqueue('t.echo', { n: 1 });
    expect(await q.drain()).toBe(1);
    expect(await q.drain()).toBe(0);
    expect(seen).toEqual([{ n: 1 }]);
    expect(await q.get(id!)).toMatchObject({ state: 'done', attempts: 1, result: { ok: true } });
  });

  it('retries a failing job with backoff, then marks it failed with the error kept', async () => {
    let clock = new Date('2026-11-28T10:00:00Z');
    const q = new DbJobQueue(db().db, kind, { backoffMs: 1000, now: () => clock });
    let calls = 0;
    q.handle('t.fail', async () => { calls++; throw new Error('SMTP peer refused'); });
    const id = await q.enqueue('t.fail', null, { maxAttempts: 2 });
    await q.drain();
    expect(await q.get(id!)).toMatchObject({ state: 'queued', attempts: 1, lastError: 'Error: SMTP peer refused' });
    await q.drain();
    expect(calls).toBe(1); // not due yet: the retry waits for its backoff
    clock = new Date(clock.getTime() + 1500);
    await q.drain();
    expect(calls).toBe(2);
    expect(await q.get(id!)).toMatchObject({ state: 'failed', attempts: 2 });
    expect((await q.list({ state: 'failed', name: 't.fail' })).map((j) => j.id)).toContain(id);
  });

  it('creates at most one job per singleton key', async () => {
    const q = new DbJobQueue(db().db, kind);
    expect(await q.enqueue('t.single', 1, { singletonKey: 'k1' })).not.toBeNull();
    expect(await q.enqueue('t.single', 2, { singletonKey: 'k1' })).toBeNull();
  });

  it('gives each due job to exactly one of several workers running at once', async () => {
    const runs = new Map<number, number>();
    const workers = [0, 1, 2].map((w) => {
      const q = new DbJobQueue(db().db, kind, { workerId: `w${w}` });
      q.handle('t.race', async (job) => {
        const n = job.payload as number;
        runs.set(n, (runs.get(n) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 2));
      });
      return q;
    });
    for (let i = 0; i < 40; i++) await workers[0].enqueue('t.race', i);
    await Promise.all(workers.map((q) => q.drain()));
    expect(runs.size).toBe(40);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });

  it('takes over a job whose worker died once its lease has run out', async () => {
    let clock = new Date('2026-11-28T12:00:00Z');
    const dead = new DbJobQueue(db().db, kind, { leaseMs: 60_000, now: () => clock, workerId: 'dead' });
    dead.handle('t.lease', () => new Promise(() => undefined)); // never finishes: the worker "dies" holding the job
    const id = await dead.enqueue('t.lease', null);
    void dead.drain();
    await new Promise((r) => setTimeout(r, 50));
    expect(await dead.get(id!)).toMatchObject({ state: 'running' });
    const alive = new DbJobQueue(db().db, kind, { leaseMs: 60_000, now: () => clock, workerId: 'alive' });
    alive.handle('t.lease', async () => 'done by alive');
    expect(await alive.drain()).toBe(0); // lease still held
    clock = new Date(clock.getTime() + 61_000);
    expect(await alive.drain()).toBe(1);
    expect(await alive.get(id!)).toMatchObject({ state: 'done', attempts: 2, result: 'done by alive' });
  });

  it('enqueues a periodic job once per time slot however many instances tick', async () => {
    const clock = new Date('2026-11-28T13:00:30Z');
    let runs = 0;
    const a = new DbJobQueue(db().db, kind, { now: () => clock });
    const b = new DbJobQueue(db().db, kind, { now: () => clock });
    for (const q of [a, b]) { q.every('t.tick', 60_000); q.handle('t.tick', async () => { runs++; }); }
    await Promise.all([a.drain(), b.drain(), a.drain()]);
    expect(runs).toBe(1);
  });
});
