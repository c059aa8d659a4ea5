// Scheduled discovery: scans the server runs itself on a timetable. A periodic tick (every minute, once per minute
// across all app instances) enqueues each schedule's scan once per slot of its cadence — the job's singleton key is
// the schedule and slot, so however many ticks run, a slot gets one scan. The scan job re-checks the targets
// against the organisation's allowed ranges before any traffic, hands credentials out only through the store's
// range check, and stores the result as a run like an upload.
import type { Kysely } from 'kysely';
import type { DB } from '../../platform/schema';
import { requirePermission, type OrgContext } from '../../platform/context';
import { notFound, parseInput, ValidationError } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import { errorText, type JobControls, type JobInfo, type JobQueue } from '../../platform/jobs';
import { auditedChange } from '../audit/write';
import type { ScanReport } from '../../discovery/types';
import type { CredentialStore } from './secrets';
import * as repo from './repo';
import { orgScope, outsideReason, serverScanRanges, serverScanRefusal } from './scope';
import { CADENCE_MS, scheduleInput } from './schemas';
import { ingestReport, recordUnrunScan, type RunView } from './service';
import type { DiscoverySchedulesTable } from '../../platform/tables/discovery';

export const TICK_JOB = 'discovery.tick';
export const SCAN_JOB = 'discovery.scan';
export const TICK_MS = 60_000;

/** What the server asks of the scanner (src/discovery): scan these targets, within `allow`, and report. */
export interface ServerScanOptions {
  ports: number[];
  /** Connection attempts per second. */
  rate: number;
  /** The organisation's allowed ranges: the scanner's own scope guard checks every dial against them too. */
  allow: string[];
  /** Login for ONVIF probes of one address, or null (refused: outside the credential's ranges, or none configured). */
  credentialsFor: ((address: string) => Promise<{ username: string; password: string } | null>) | null;
  /** Called now and then during a long scan, to keep the job's lease. */
  heartbeat: () => Promise<void>;
}
export type RunScan = (targets: string[], options: ServerScanOptions) => Promise<ScanReport>;

export interface ScheduleView {
  id: string; name: string; targets: string[]; ports: number[]; rate: number; cadence: DiscoverySchedulesTable['cadence'];
  credentialName: string | null; enabled: boolean; lastRunId: string | null; lastStatus: string | null; lastError: string | null;
  lastRunAt: string | null; createdAt: string; updatedAt: string;
}

const toSchedule = (r: DiscoverySchedulesTable): ScheduleView => ({
  id: r.id, name: r.name, targets: JSON.parse(r.targets_json), ports: JSON.parse(r.ports_json), rate: Number(r.rate), cadence: r.cadence,
  credentialName: r.credential_name, enabled: !!r.enabled, lastRunId: r.last_run_id, lastStatus: r.last_status, lastError: r.last_error,
  lastRunAt: r.last_run_at, createdAt: r.created_at, updatedAt: r.updated_at,
});

export async function listSchedules(ctx: OrgContext): Promise<ScheduleView[]> {
  requirePermission(ctx, 'estate:read');
  return (await repo.listSchedules(ctx.db, ctx.orgId)).map(toSchedule);
}

/** Adds a schedule. Its targets must lie inside the allowed ranges now (and are checked again before each scan). */
export async function createSchedule(ctx: OrgContext, credentials: CredentialStore, body: unknown, operatorAllow: string[]): Promise<ScheduleView> {
  requirePermission(ctx, 'org:admin');
  const input = parseInput(scheduleInput, body);
  const guard = await orgScope(ctx.db, ctx.orgId);
  const outside = input.targets.map((t) => outsideReason(guard, t) ?? serverScanRefusal(t, operatorAllow)).filter(Boolean);
  if (outside.length) throw new ValidationError({ targets: outside.join('; ') });
  if (input.credentialName && !await credentials.exists(ctx, input.credentialName)) {
    throw new ValidationError({ credentialName: `There is no credential named “${input.credentialName}”; add it on the credentials page first` });
  }
  return auditedChange(ctx, async (tx) => {
    const now = nowIso();
    const row: DiscoverySchedulesTable = {
      id: newId(), org_id: ctx.orgId, name: input.name, targets_json: JSON.stringify(input.targets), ports_json: JSON.stringify(input.ports),
      rate: input.rate, cadence: input.cadence, credential_name: input.credentialName, enabled: input.enabled ? 1 : 0, anchor_at: now,
      last_run_id: null, last_status: null, last_error: null, last_run_at: null, created_at: now, updated_at: now,
    };
    await tx.insertInto('discovery_schedules').values(row).execute();
    const s = toSchedule(row);
    return { result: s, action: 'create', objectType: 'discovery-schedule', objectId: s.id, summary: `Scheduled discovery “${s.name}” ${s.cadence} of ${s.targets.join(', ')}`, after: s };
  });
}

export async function deleteSchedule(ctx: OrgContext, id: string): Promise<void> {
  requirePermission(ctx, 'org:admin');
  await auditedChange(ctx, async (tx) => {
    const row = await repo.findSchedule(tx, ctx.orgId, id);
    if (!row) throw notFound('Schedule');
    await tx.deleteFrom('discovery_schedules').where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    return { result: undefined, action: 'delete', objectType: 'discovery-schedule', objectId: id, summary: `Deleted scheduled discovery “${row.name}”`, before: toSchedule(row) };
  });
}

/** Which slot of its cadence a schedule is in at `now` (slots count from when it was made). */
export function slotOf(s: Pick<DiscoverySchedulesTable, 'cadence' | 'anchor_at'>, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(s.anchor_at)) / CADENCE_MS[s.cadence]);
}

/** The tick: enqueues every enabled schedule's scan for its current slot (once per slot); returns how many are new. */
export async function enqueueDueScans(db: Kysely<DB>, jobs: JobQueue, now = new Date()): Promise<number> {
  let created = 0;
  for (const s of await repo.enabledSchedules(db)) {
    const slot = slotOf(s, now);
    if (slot < 0) continue;
    const id = await jobs.enqueue(SCAN_JOB, { scheduleId: s.id, slot }, { orgId: s.org_id, singletonKey: `${SCAN_JOB}:${s.id}:${slot}`, maxAttempts: 2 });
    if (id) created++;
  }
  return created;
}

export interface ScanJobDeps {
  db: Kysely<DB>; credentials: CredentialStore; scan: RunScan;
  /** config.serverScanAllow: reserved ranges the operator lets scheduled scans reach. */
  operatorAllow: string[];
}

/** Runs one scheduled scan. The scope guard runs first: a target outside the allowed ranges means no traffic at all. */
export async function runScheduledScan(deps: ScanJobDeps, job: JobInfo, controls: JobControls): Promise<{ runId: string | null; status: string }> {
  const { scheduleId } = job.payload as { scheduleId: string };
  if (!job.orgId) return { runId: null, status: 'no organisation' };
  const org = await deps.db.selectFrom('organisations').select(['id', 'slug']).where('id', '=', job.orgId).executeTakeFirst();
  const schedule = org ? await repo.findSchedule(deps.db, org.id, scheduleId) : undefined;
  if (!org || !schedule || !schedule.enabled) return { runId: null, status: 'schedule removed or disabled' };
  const ctx: OrgContext = { db: deps.db, orgId: org.id, orgSlug: org.slug, role: 'engineer', actor: { type: 'system', id: schedule.id, label: `Scheduled discovery “${schedule.name}”` } };
  const targets = JSON.parse(schedule.targets_json) as string[];
  const ports = JSON.parse(schedule.ports_json) as number[];
  const finish = async (run: RunView) => {
    await repo.recordScheduleOutcome(deps.db, org.id, schedule.id, { last_run_id: run.id, last_status: run.status, last_error: run.error, last_run_at: nowIso() });
    return { runId: run.id, status: run.status };
  };

  const guard = await orgScope(deps.db, org.id);
  const outside = targets.map((t) => outsideReason(guard, t) ?? serverScanRefusal(t, deps.operatorAllow)).filter((r): r is string => !!r);
  if (outside.length) return finish(await recordUnrunScan(ctx, schedule.id, 'refused', `Not scanned: ${outside.join('; ')}`, targets, ports));

  const credentialName = schedule.credential_name;
  // Fails closed: a refusal, or a credential that no longer opens (key changed), means an anonymous probe only.
  const credentialsFor = credentialName ? async (address: string) => {
    const r = await deps.credentials.resolveCredentials(ctx, credentialName, address).catch(() => null);
    return r?.ok ? { username: r.username, password: r.password } : null;
  } : null;
  let report: ScanReport;
  try {
    // Every dial, including addresses a device points at, stays out of the server's own ranges too.
    report = await deps.scan(targets, { ports, rate: Number(schedule.rate), allow: serverScanRanges(guard.ranges, deps.operatorAllow), credentialsFor, heartbeat: () => controls.heartbeat() });
  } catch (e) {
    // A scan that failed part-way is retried once by the queue; the last failure is kept as a run people can see.
    if (job.attempt >= job.maxAttempts) await finish(await recordUnrunScan(ctx, schedule.id, 'failed', errorText(e), targets, ports));
    throw e;
  }
  return finish(await ingestReport(ctx, report, { kind: 'schedule', scheduleId: schedule.id }));
}

/** Registers the tick and the scan job with the queue. */
export function registerDiscoveryJobs(db: Kysely<DB>, jobs: JobQueue, credentials: CredentialStore, scan: RunScan, operatorAllow: string[]) {
  jobs.every(TICK_JOB, TICK_MS);
  jobs.handle(TICK_JOB, async () => ({ enqueued: await enqueueDueScans(db, jobs) }));
  jobs.handle(SCAN_JOB, (job, controls) => runScheduledScan({ db, credentials, scan, operatorAllow }, job, controls));
}
