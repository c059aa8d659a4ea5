import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import { DbJobQueue, errorText, type EnqueueOptions, type JobHandler, type JobInfo, type JobQueue, type JobView } from './jobs';
import type { Database } from './db';
import type { Config } from './config';

/**
 * The job queue on pg-boss, for PostgreSQL deployments with several app instances: pg-boss keeps its jobs in
 * its own schema, claims them with SKIP LOCKED and retries with backoff. Same contract as DbJobQueue.
 *
 * Two choices keep the contract identical:
 * - "one job per singleton key, ever": the key is turned into a deterministic job id, and pg-boss inserts
 *   with ON CONFLICT DO NOTHING, so a second send returns null (pg-boss's own singletonKey only throttles).
 * - periodic jobs are enqueued per time slot the same way (not pg-boss cron), so every instance agrees on slots.
 */

const SCHEMA = 'pgboss';
type Envelope = { orgId: string | null; payload: unknown };

/** A UUID derived from the key (SHA-256, version/variant bits set), so every instance computes the same id. */
export function keyToUuid(key: string): string {
  const h = createHash('sha256').update(key).digest();
  h[6] = (h[6] & 0x0f) | 0x80; // version 8: custom
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const stateOf = (s: string): JobView['state'] =>
  s === 'active' ? 'running' : s === 'completed' ? 'done' : s === 'failed' || s === 'cancelled' ? 'failed' : 'queued';

export class PgBossJobQueue implements JobQueue {
  private boss: PgBoss;
  private started: Promise<unknown> | null = null;
  private queues = new Set<string>();
  private handlers = new Map<string, JobHandler>();
  private periodic: { name: string; intervalMs: number; payload: unknown }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(connectionString: string, private opts: { pollMs?: number; onError?: (err: unknown) => void } = {}) {
    this.boss = new PgBoss({ connectionString, schema: SCHEMA, max: 3, supervise: true, schedule: false, migrate: true });
    this.boss.on('error', (err) => this.opts.onError?.(err));
  }

  private async ready(name?: string): Promise<void> {
    this.started ??= this.boss.start();
    await this.started;
    if (name && !this.queues.has(name)) {
      // Instances starting together may race to create the same queue (PostgreSQL can report a deadlock between
      // them); whoever loses finds the queue made by the other.
      for (let attempt = 1; !(await this.boss.getQueue(name)); attempt++) {
        try {
          await this.boss.createQueue(name);
        } catch (e) {
          if (attempt >= 5) throw e;
          await new Promise((r) => setTimeout(r, 50 * attempt));
        }
      }
      this.queues.add(name);
    }
  }

  async enqueue(name: string, payload: unknown, opts: EnqueueOptions = {}): Promise<string | null> {
    await this.ready(name);
    const attempts = opts.maxAttempts ?? 5;
    const data: Envelope = { orgId: opts.orgId ?? null, payload: payload ?? null };
    return this.boss.send(name, data, {
      id: opts.singletonKey ? keyToUuid(`${name}:${opts.singletonKey}`) : undefined,
      startAfter: opts.runAt ? new Date(opts.runAt) : undefined,
      retryLimit: attempts - 1, retryDelay: 30, retryBackoff: true, expireInHours: 4,
    });
  }

  handle(name: string, handler: JobHandler): void {
    this.handlers.set(name, handler);
  }

  every(name: string, intervalMs: number, payload: unknown = null): void {
    this.periodic.push({ name, intervalMs, payload });
  }

  private async enqueuePeriodic(): Promise<void> {
    const t = Date.now();
    for (const p of this.periodic) {
      const slot = Math.floor(t / p.intervalMs);
      await this.enqueue(p.name, p.payload, { singletonKey: `${p.name}@${slot}`, maxAttempts: 3 });
    }
  }

  private async run(name: string, job: PgBoss.JobWithMetadata<Envelope>): Promise<unknown> {
    const handler = this.handlers.get(name)!;
    return handler(
      { id: job.id, name, orgId: job.data.orgId, payload: job.data.payload, attempt: job.retryCount + 1, maxAttempts: job.retryLimit + 1 },
      { heartbeat: async () => undefined }, // pg-boss has no lease extension; jobs may run for expireInHours
    );
  }

  async drain(): Promise<number> {
    await this.ready();
    await this.enqueuePeriodic();
    let n = 0;
    for (let progressed = true; progressed;) {
      progressed = false;
      for (const name of this.handlers.keys()) {
        await this.ready(name);
        const [job] = await this.boss.fetch<Envelope>(name, { includeMetadata: true, batchSize: 1 });
        if (!job) continue;
        progressed = true;
        n++;
        try {
          const out = await this.run(name, job);
          await this.boss.complete(name, job.id, out === undefined || out === null ? {} : (typeof out === 'object' ? out : { value: out }) as object);
        } catch (err) {
          this.opts.onError?.(err);
          await this.boss.fail(name, job.id, { message: errorText(err) });
        }
      }
    }
    return n;
  }

  start(): void {
    if (this.timer || this.stopping) return;
    const tick = async () => {
      this.timer = null;
      if (this.stopping) return;
      try { await this.enqueuePeriodic(); } catch (err) { this.opts.onError?.(err); }
      if (!this.stopping) this.timer = setTimeout(tick, this.opts.pollMs ?? 10_000);
    };
    void (async () => {
      for (const name of this.handlers.keys()) {
        await this.ready(name);
        await this.boss.work<Envelope>(name, { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: Math.max(0.5, (this.opts.pollMs ?? 2000) / 1000) },
          async ([job]) => this.run(name, job));
      }
      await tick();
    })().catch((err) => this.opts.onError?.(err));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.started) await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 }).catch(() => undefined);
  }

  private async query(where: string, values: unknown[], limit: number): Promise<JobView[]> {
    await this.ready();
    const db = this.boss.getDb();
    const cols = 'id, name, data, state, retry_count, retry_limit, start_after, output, created_on, completed_on';
    const { rows } = await db.executeSql(
      `select * from (select ${cols} from ${SCHEMA}.job union all select ${cols} from ${SCHEMA}.archive) j where ${where} order by created_on desc limit ${limit}`, values);
    return rows.map((r: any) => ({
      id: r.id, name: r.name, orgId: r.data?.orgId ?? null, state: stateOf(r.state), attempts: r.retry_count + (r.state === 'created' ? 0 : 1),
      maxAttempts: r.retry_limit + 1, runAt: new Date(r.start_after).toISOString(),
      lastError: r.state === 'failed' ? String(r.output?.message ?? JSON.stringify(r.output)).slice(0, 2000) : null,
      result: r.state === 'completed' ? r.output : null, createdAt: new Date(r.created_on).toISOString(),
      finishedAt: r.completed_on ? new Date(r.completed_on).toISOString() : null,
    }));
  }

  async get(id: string, orgId?: string | null): Promise<JobView | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const [job] = await this.query('id = $1', [id], 1);
    if (!job || (orgId !== undefined && job.orgId !== orgId)) return undefined;
    return job;
  }

  async list(filter: { orgId?: string | null; state?: JobView['state']; name?: string; limit?: number } = {}): Promise<JobView[]> {
    const where: string[] = ['true'];
    const values: unknown[] = [];
    if (filter.name) { values.push(filter.name); where.push(`name = $${values.length}`); }
    if (filter.orgId !== undefined) {
      if (filter.orgId === null) where.push(`data->>'orgId' is null`);
      else { values.push(filter.orgId); where.push(`data->>'orgId' = $${values.length}`); }
    }
    const states = { queued: ['created', 'retry'], running: ['active'], done: ['completed'], failed: ['failed', 'cancelled'] } as const;
    if (filter.state) { values.push(states[filter.state]); where.push(`state::text = any($${values.length})`); }
    return this.query(where.join(' and '), values, Math.min(filter.limit ?? 100, 1000));
  }
}

/** The queue this deployment uses: pg-boss on PostgreSQL when configured (the default there), else the job table. */
export function openJobQueue(database: Database, config: Config, onError?: (err: unknown, job?: JobInfo) => void): JobQueue {
  if (config.queue === 'pg-boss' && database.kind === 'postgres' && database.connectionString) {
    return new PgBossJobQueue(database.connectionString, { onError });
  }
  return new DbJobQueue(database.db, database.kind, { onError });
}
