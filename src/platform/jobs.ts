import os from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema';
import type { DbKind } from './config';
import type { JobsTable } from './jobs-tables';
import { newId } from './ids';

/**
 * Background jobs. Work that must not run inside a web request (imports, scheduled discovery, reminder
 * sending) is queued here and run by a worker in every app instance (`sightline serve`) or by
 * `sightline jobs work`. The queue lives in the application's own database, so it needs no extra service,
 * works the same on SQLite and PostgreSQL, and survives restarts: a job whose worker died is picked up
 * again when its lease runs out.
 *
 * Delivery is at-least-once (a worker can die after doing the work and before recording it), so handlers
 * whose effect must happen once (e-mails) record that effect under a unique key in the same database.
 */

export interface JobInfo {
  id: string;
  name: string;
  orgId: string | null;
  payload: unknown;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
}

export interface JobControls {
  /** Extends the job's lease; call it now and then during long work so no other worker takes the job over. */
  heartbeat(): Promise<void>;
}

export type JobHandler = (job: JobInfo, controls: JobControls) => Promise<unknown>;

export interface EnqueueOptions {
  orgId?: string | null;
  /** ISO timestamp; default now. */
  runAt?: string;
  /** At most one job with this key is ever created; a second enqueue returns null. */
  singletonKey?: string;
  maxAttempts?: number;
}

export interface JobView {
  id: string; name: string; orgId: string | null; state: JobsTable['state']; attempts: number; maxAttempts: number;
  runAt: string; lastError: string | null; result: unknown; createdAt: string; finishedAt: string | null;
}

export interface JobQueue {
  enqueue(name: string, payload: unknown, opts?: EnqueueOptions): Promise<string | null>;
  /** Registers the code that runs jobs of this name. */
  handle(name: string, handler: JobHandler): void;
  /** Enqueues `name` once per interval (one job per time slot, whichever instance gets there first). */
  every(name: string, intervalMs: number, payload?: unknown): void;
  /** Starts polling for due jobs in the background. */
  start(): void;
  /** Stops polling and waits for the running job to finish. */
  stop(): Promise<void>;
  /** Runs every due job now, until none is left; returns how many ran. For tests and `sightline jobs run`. */
  drain(): Promise<number>;
  get(id: string, orgId?: string | null): Promise<JobView | undefined>;
  list(filter?: { orgId?: string | null; state?: JobsTable['state']; name?: string; limit?: number }): Promise<JobView[]>;
}

export interface DbQueueOptions {
  /** How long a claimed job is reserved for its worker before another may take it over. */
  leaseMs?: number;
  pollMs?: number;
  /** First retry delay; doubles with each attempt (capped at an hour). */
  backoffMs?: number;
  workerId?: string;
  now?: () => Date;
  onError?: (err: unknown, job: JobInfo) => void;
}

const toView = (r: JobsTable): JobView => ({
  id: r.id, name: r.name, orgId: r.org_id, state: r.state, attempts: r.attempts, maxAttempts: r.max_attempts,
  runAt: r.run_at, lastError: r.last_error, result: r.result_json ? JSON.parse(r.result_json) : null,
  createdAt: r.created_at, finishedAt: r.finished_at,
});

export function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.slice(0, 2000);
}

export class DbJobQueue implements JobQueue {
  private handlers = new Map<string, JobHandler>();
  private periodic: { name: string; intervalMs: number; payload: unknown }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopping = false;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly backoffMs: number;
  readonly workerId: string;
  private readonly now: () => Date;

  constructor(private db: Kysely<DB>, private kind: DbKind, private opts: DbQueueOptions = {}) {
    this.leaseMs = opts.leaseMs ?? 5 * 60_000;
    this.pollMs = opts.pollMs ?? 1000;
    this.backoffMs = opts.backoffMs ?? 30_000;
    this.workerId = opts.workerId ?? `${os.hostname()}:${process.pid}:${newId().slice(-6)}`;
    this.now = opts.now ?? (() => new Date());
  }

  async enqueue(name: string, payload: unknown, opts: EnqueueOptions = {}): Promise<string | null> {
    const id = newId();
    const at = this.now().toISOString();
    const row = {
      id, name, org_id: opts.orgId ?? null, payload_json: JSON.stringify(payload ?? null), state: 'queued' as const,
      attempts: 0, max_attempts: opts.maxAttempts ?? 5, run_at: opts.runAt ?? at, locked_by: null, locked_until: null,
      last_error: null, result_json: null, singleton_key: opts.singletonKey ?? null, created_at: at, updated_at: at, finished_at: null,
    };
    if (!opts.singletonKey) {
      await this.db.insertInto('jobs').values(row).execute();
      return id;
    }
    const res = await this.db.insertInto('jobs').values(row).onConflict((oc) => oc.column('singleton_key').doNothing()).executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0 ? id : null;
  }

  handle(name: string, handler: JobHandler): void {
    this.handlers.set(name, handler);
  }

  every(name: string, intervalMs: number, payload: unknown = null): void {
    this.periodic.push({ name, intervalMs, payload });
  }

  private lastPurge = 0;

  private async enqueuePeriodic(): Promise<void> {
    const t = this.now().getTime();
    // Finished jobs are kept 30 days for admins to look at, then removed (checked at most hourly).
    if (t - this.lastPurge > 3_600_000) {
      this.lastPurge = t;
      await this.db.deleteFrom('jobs').where('state', 'in', ['done', 'failed']).where('finished_at', '<', new Date(t - 30 * 86_400_000).toISOString()).execute();
    }
    for (const p of this.periodic) {
      const slot = Math.floor(t / p.intervalMs);
      await this.enqueue(p.name, p.payload, { singletonKey: `${p.name}@${slot}`, runAt: new Date(slot * p.intervalMs).toISOString(), maxAttempts: 3 });
    }
  }

  /** Claims the oldest due job this worker can run, in one statement (SKIP LOCKED on PostgreSQL). */
  private async claim(): Promise<JobsTable | undefined> {
    const names = [...this.handlers.keys()];
    if (!names.length) return undefined;
    const now = this.now().toISOString();
    const until = new Date(this.now().getTime() + this.leaseMs).toISOString();
    const lock = this.kind === 'postgres' ? sql` for update skip locked` : sql``;
    const result = await sql<JobsTable>`
      update jobs set state = 'running', attempts = attempts + 1, locked_by = ${this.workerId}, locked_until = ${until}, updated_at = ${now}
      where id = (
        select id from jobs
        where name in (${sql.join(names)})
          and ((state = 'queued' and run_at <= ${now}) or (state = 'running' and locked_until < ${now}))
        order by run_at, id limit 1${lock}
      )
      and ((state = 'queued' and run_at <= ${now}) or (state = 'running' and locked_until < ${now}))
      returning *`.execute(this.db);
    return result.rows[0];
  }

  private async runOne(): Promise<boolean> {
    const row = await this.claim();
    if (!row) return false;
    const job: JobInfo = { id: row.id, name: row.name, orgId: row.org_id, payload: JSON.parse(row.payload_json), attempt: row.attempts, maxAttempts: row.max_attempts };
    const handler = this.handlers.get(row.name)!;
    const owned = (q: any) => q.where('id', '=', row.id).where('locked_by', '=', this.workerId).where('state', '=', 'running');
    const controls: JobControls = {
      heartbeat: async () => {
        const until = new Date(this.now().getTime() + this.leaseMs).toISOString();
        await owned(this.db.updateTable('jobs').set({ locked_until: until, updated_at: this.now().toISOString() })).execute();
      },
    };
    try {
      const result = await handler(job, controls);
      const at = this.now().toISOString();
      await owned(this.db.updateTable('jobs').set({
        state: 'done', result_json: result === undefined ? null : JSON.stringify(result), locked_by: null, locked_until: null,
        finished_at: at, updated_at: at, last_error: null,
      })).execute();
    } catch (err) {
      this.opts.onError?.(err, job);
      const at = this.now();
      const retry = row.attempts < row.max_attempts;
      const delay = Math.min(this.backoffMs * 2 ** (row.attempts - 1), 3_600_000);
      await owned(this.db.updateTable('jobs').set({
        state: retry ? 'queued' : 'failed', last_error: errorText(err), locked_by: null, locked_until: null,
        run_at: retry ? new Date(at.getTime() + delay).toISOString() : row.run_at,
        finished_at: retry ? null : at.toISOString(), updated_at: at.toISOString(),
      })).execute();
    }
    return true;
  }

  async drain(): Promise<number> {
    await this.enqueuePeriodic();
    let n = 0;
    while (await this.runOne()) n++;
    return n;
  }

  start(): void {
    if (this.timer || this.stopping) return;
    const tick = async () => {
      this.timer = null;
      if (this.stopping) return;
      try {
        this.running = this.drain();
        await this.running;
      } catch (err) {
        this.opts.onError?.(err, { id: '', name: 'poll', orgId: null, payload: null, attempt: 0, maxAttempts: 0 });
      } finally {
        this.running = null;
      }
      if (!this.stopping) this.timer = setTimeout(tick, this.pollMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  async get(id: string, orgId?: string | null): Promise<JobView | undefined> {
    let q = this.db.selectFrom('jobs').selectAll().where('id', '=', id);
    if (orgId !== undefined) q = orgId === null ? q.where('org_id', 'is', null) : q.where('org_id', '=', orgId);
    const row = await q.executeTakeFirst();
    return row ? toView(row as JobsTable) : undefined;
  }

  async list(filter: { orgId?: string | null; state?: JobsTable['state']; name?: string; limit?: number } = {}): Promise<JobView[]> {
    let q = this.db.selectFrom('jobs').selectAll();
    if (filter.orgId !== undefined) q = filter.orgId === null ? q.where('org_id', 'is', null) : q.where('org_id', '=', filter.orgId);
    if (filter.state) q = q.where('state', '=', filter.state);
    if (filter.name) q = q.where('name', '=', filter.name);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
    return rows.map((r) => toView(r as JobsTable));
  }
}
