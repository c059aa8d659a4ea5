import type { Kysely } from 'kysely';
import { describeRule, nextOccurrence, occurrences, previousOccurrence } from '../../domain/recurrence';
import { addDays, londonParts } from '../../platform/clock';
import { requirePermission, type OrgContext, type Tx } from '../../platform/context';
import { AppError, notFound, parseInput, parsePatch, ValidationError } from '../../platform/errors';
import { newId, newSecret, nowIso, sha256 } from '../../platform/ids';
import type { DB } from '../../platform/schema';
import type { BlobStorage } from '../../platform/storage';
import { auditedChange } from '../audit/write';
import { describe as describeAsset, updateAsset } from '../assets/service';
import { documentExists, documentReviewsDue, uploadDocument } from '../documents/service';
import type { DueItem } from '../reminders/service';
import { organisationName } from '../organisations/service';
import * as repo from './repo';
import {
  dueQuery, feedInput, scheduleFields, schedulePatch, visitFields, visitListQuery,
  type ChecklistItem, type TargetType, type VisitInput,
} from './schemas';

// Use cases of the maintenance area: schedules, what falls due, visits, calendar feeds.
//
// What is due is worked out, never stored: a schedule's recurrence rule gives its due dates, and a done visit
// fulfils one of them (and, with it, every earlier one). The open dates after that are the schedule's due items,
// keyed "<schedule id>:<date>". Overdue dates of one schedule are shown as one item (the earliest, with how many
// were missed), so its key stays the same until someone visits, and a reminder about it is sent once.

/** The London calendar date now (what "today" means for anything due). */
export const londonToday = (now = new Date()) => londonParts(now).date;

// ---- schedules -------------------------------------------------------------------------------------------------

export interface Target { type: TargetType; id: string | null; label: string }

export interface Schedule {
  id: string; title: string; target: Target; rrule: string; ruleText: string; startDate: string;
  assignee: { id: string; email: string; name: string } | null; checklist: ChecklistItem[]; leadDays: number;
  template: string | null; active: boolean; notes: string | null; createdAt: string; updatedAt: string;
}

function targetOf(r: repo.ScheduleRow | repo.VisitRow, orgName?: string): Target {
  const type = r.target_type as TargetType;
  const asset = r.asset_kind ? describeAsset({ kind: r.asset_kind as any, manufacturer: r.asset_manufacturer, model: r.asset_model, serial: r.asset_serial }) : null;
  const label = type === 'site' ? r.site_name : type === 'system' ? r.system_name : type === 'asset' ? asset : orgName ?? 'Whole organisation';
  return { type, id: repo.targetIdOf(r), label: label ?? 'Deleted' };
}

function toSchedule(r: repo.ScheduleRow): Schedule {
  return {
    id: r.id, title: r.title, target: targetOf(r, r.org_name), rrule: r.rrule, ruleText: describeRule(r.rrule, r.start_date), startDate: r.start_date,
    assignee: r.assignee_user_id && r.assignee_email ? { id: r.assignee_user_id, email: r.assignee_email, name: r.assignee_name ?? r.assignee_email } : null,
    checklist: JSON.parse(r.checklist_json), leadDays: Number(r.lead_days), template: r.template, active: !!Number(r.active), notes: r.notes,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

async function checkTarget(tx: Tx, ctx: OrgContext, t: { type: TargetType; id?: string | null }, field: string): Promise<string | null> {
  if (t.type === 'organisation') return null;
  // Another organisation's id gets the same answer as a made-up one.
  if (!t.id || !(await repo.targetExists(tx, ctx.orgId, t.type, t.id))) throw new ValidationError({ [field]: `Choose ${/^[aeiou]/.test(t.type) ? 'an' : 'a'} ${t.type} of this organisation` });
  return t.id;
}

async function checkMember(tx: Tx, ctx: OrgContext, userId: string | null, field: string) {
  if (userId && !(await repo.isMember(tx, ctx.orgId, userId))) throw new ValidationError({ [field]: 'Choose an engineer who is a member of this organisation' });
}

/** A rule that never falls due is almost always a mistake (BYMONTH=2;BYMONTHDAY=30). */
function checkFallsDue(rule: string, start: string) {
  if (!nextOccurrence(rule, start, addDays(start, -1))) throw new ValidationError({ rrule: 'This rule never falls due from the start date (for example, 30 February does not exist)' });
}

const auditView = (s: Schedule) => ({ title: s.title, target: `${s.target.type}: ${s.target.label}`, rrule: s.rrule, startDate: s.startDate, assignee: s.assignee?.email ?? null, checklist: s.checklist, leadDays: s.leadDays, active: s.active });

async function loadSchedule(tx: Tx, orgId: string, id: string): Promise<Schedule> {
  const [row] = await repo.listSchedules(tx, [orgId], { id });
  if (!row) throw notFound('Schedule');
  return toSchedule(row);
}

export async function listSchedules(ctx: OrgContext, f: { siteId?: string; engineer?: string } = {}): Promise<Schedule[]> {
  requirePermission(ctx, 'estate:read');
  return (await repo.listSchedules(ctx.db, [ctx.orgId], f)).map(toSchedule);
}

export async function getSchedule(ctx: OrgContext, id: string): Promise<Schedule> {
  requirePermission(ctx, 'estate:read');
  return loadSchedule(ctx.db, ctx.orgId, id);
}

export async function createSchedule(ctx: OrgContext, body: unknown): Promise<Schedule> {
  requirePermission(ctx, 'estate:write');
  const input = parseInput(scheduleFields, body);
  checkFallsDue(input.rrule, input.startDate);
  return auditedChange(ctx, async (tx) => {
    const targetId = await checkTarget(tx, ctx, input.target, 'target.id');
    await checkMember(tx, ctx, input.assigneeUserId, 'assigneeUserId');
    const now = nowIso();
    const id = newId();
    await repo.insertSchedule(tx, {
      id, org_id: ctx.orgId, title: input.title, ...repo.targetColumns(input.target.type, targetId), rrule: input.rrule, start_date: input.startDate,
      assignee_user_id: input.assigneeUserId, checklist_json: JSON.stringify(input.checklist), lead_days: input.leadDays, template: input.template,
      active: input.active ? 1 : 0, notes: input.notes, created_at: now, updated_at: now,
    });
    const s = await loadSchedule(tx, ctx.orgId, id);
    return { result: s, action: 'create', objectType: 'maintenance-schedule', objectId: id, summary: `Added maintenance schedule ${s.title} (${s.ruleText})`, after: auditView(s) };
  });
}

export async function updateSchedule(ctx: OrgContext, id: string, body: unknown): Promise<Schedule> {
  requirePermission(ctx, 'estate:write');
  const patch = parsePatch(schedulePatch, body);
  return auditedChange(ctx, async (tx) => {
    const before = await loadSchedule(tx, ctx.orgId, id);
    const input = parseInput(scheduleFields, {
      title: before.title, target: { type: before.target.type, id: before.target.id }, rrule: before.rrule, startDate: before.startDate,
      assigneeUserId: before.assignee?.id ?? null, checklist: before.checklist, leadDays: before.leadDays, template: before.template,
      active: before.active, notes: before.notes, ...patch,
    });
    checkFallsDue(input.rrule, input.startDate);
    const targetId = await checkTarget(tx, ctx, input.target, 'target.id');
    await checkMember(tx, ctx, input.assigneeUserId, 'assigneeUserId');
    await repo.updateSchedule(tx, ctx.orgId, id, {
      title: input.title, ...repo.targetColumns(input.target.type, targetId), rrule: input.rrule, start_date: input.startDate,
      assignee_user_id: input.assigneeUserId, checklist_json: JSON.stringify(input.checklist), lead_days: input.leadDays, template: input.template,
      active: input.active ? 1 : 0, notes: input.notes, updated_at: nowIso(),
    });
    const after = await loadSchedule(tx, ctx.orgId, id);
    return { result: after, action: 'update', objectType: 'maintenance-schedule', objectId: id, summary: `Changed maintenance schedule ${after.title}`, before: auditView(before), after: auditView(after) };
  });
}

/** Deletes a schedule; its visits stay in the log as ad hoc visits. */
export async function deleteSchedule(ctx: OrgContext, id: string): Promise<void> {
  requirePermission(ctx, 'estate:delete');
  await auditedChange(ctx, async (tx) => {
    const before = await loadSchedule(tx, ctx.orgId, id);
    await repo.deleteSchedule(tx, ctx.orgId, id);
    return { result: undefined, action: 'delete', objectType: 'maintenance-schedule', objectId: id, summary: `Deleted maintenance schedule ${before.title}`, before: auditView(before) };
  });
}

/** The schedule's next open due dates (after what visits have fulfilled). */
export async function upcomingDates(ctx: OrgContext, s: Schedule, n = 6): Promise<{ covered: string | null; dates: string[] }> {
  const covered = (await repo.coverage(ctx.db, [ctx.orgId], [s.id])).get(s.id) ?? null;
  const from = covered ? addDays(covered, 1) : s.startDate;
  return { covered, dates: occurrences(s.rrule, s.startDate, from, addDays(from, 366 * 5), n) };
}

// ---- what is due ------------------------------------------------------------------------------------------------

export type DueStatus = 'overdue' | 'due' | 'upcoming';

/** One due date of one schedule (DueItem is what the reminders job needs; the rest is for pages and feeds). */
export interface DueOccurrence extends DueItem {
  scheduleId: string; occurrenceDate: string; status: DueStatus;
  /** Overdue dates this item stands for (the earliest is its due date). */
  missed: number;
  assigneeEmail: string | null; assigneeName: string | null;
  orgSlug: string; orgName: string; siteId: string | null; rule: string;
  planned: { id: string; visitDate: string } | null;
}

function classify(date: string, today: string, leadDays: number): DueStatus {
  return date < today ? 'overdue' : date <= addDays(today, leadDays) ? 'due' : 'upcoming';
}

/**
 * Open due dates of the active schedules of the given organisations with a date in [from, to]: at most one overdue
 * item per schedule (the earliest open date, counting the missed ones), then every open date from today on.
 */
async function dueFor(db: Kysely<DB> | Tx, orgIds: string[], q: { from: string; to: string; today: string; siteId?: string; engineer?: string }): Promise<DueOccurrence[]> {
  const rows = await repo.listSchedules(db, orgIds, { activeOnly: true, siteId: q.siteId, engineer: q.engineer });
  if (!rows.length) return [];
  const [covered, planned] = await Promise.all([repo.coverage(db, orgIds), repo.plannedVisits(db, orgIds)]);
  const out: DueOccurrence[] = [];
  for (const r of rows) {
    const s = toSchedule(r);
    const done = covered.get(s.id);
    const open = done ? addDays(done, 1) : s.startDate;
    const lo = open > q.from ? open : q.from;
    const item = (date: string, status: DueStatus, missed: number): DueOccurrence => ({
      key: `${s.id}:${date}`, orgId: r.org_id, title: s.title, dueDate: date, leadDays: s.leadDays, assigneeUserId: s.assignee?.id ?? null,
      where: s.target.type === 'organisation' ? null : s.target.label, path: `/o/${r.org_slug}/maintenance/schedules/${s.id}`,
      scheduleId: s.id, occurrenceDate: date, status, missed, assigneeEmail: s.assignee?.email ?? null, assigneeName: s.assignee?.name ?? null,
      orgSlug: r.org_slug, orgName: r.org_name, siteId: r.site_id ?? r.asset_site_id, rule: s.ruleText, planned: planned.get(`${s.id}:${date}`) ?? null,
    });
    const yesterday = addDays(q.today, -1);
    if (lo <= yesterday) {
      const late = occurrences(s.rrule, s.startDate, lo, yesterday < q.to ? yesterday : q.to);
      if (late.length) out.push(item(late[0], 'overdue', late.length));
    }
    const fromToday = lo > q.today ? lo : q.today;
    for (const d of occurrences(s.rrule, s.startDate, fromToday, q.to, 500)) out.push(item(d, classify(d, q.today, s.leadDays), 0));
  }
  return out.sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.title.localeCompare(b.title));
}

/**
 * What the reminders job calls: due and overdue maintenance occurrences with a due date in [from, to], of one
 * organisation or of all of them. Each has a stable key (schedule id and date) and the assignee's id and e-mail.
 * `today` defaults to the London date now.
 */
export async function listDueItems(db: Kysely<DB>, q: { orgId?: string; from: string; to: string; today?: string }): Promise<DueOccurrence[]> {
  const orgIds = q.orgId ? [q.orgId] : await repo.allOrgIds(db);
  return dueFor(db, orgIds, { from: q.from, to: q.to, today: q.today ?? londonToday() });
}

/** Certificate and DPIA review dates recorded on documents, shown alongside the schedules. */
export interface DocumentDue { key: string; title: string; dueDate: string; status: DueStatus; path: string; orgName: string }

async function documentsDue(db: Kysely<DB>, orgs: { id: string; name: string }[], today: string, to: string): Promise<DocumentDue[]> {
  const out: DocumentDue[] = [];
  for (const o of orgs) {
    for (const d of await documentReviewsDue(db, { orgId: o.id, from: '2000-01-01', to })) {
      out.push({ key: d.key, title: d.title, dueDate: d.dueDate, status: classify(d.dueDate, today, d.leadDays), path: d.path, orgName: o.name });
    }
  }
  return out;
}

export interface DueBoard { today: string; to: string; overdue: DueOccurrence[]; due: DueOccurrence[]; upcoming: DueOccurrence[]; documents: DocumentDue[] }

function board(items: DueOccurrence[], documents: DocumentDue[], today: string, to: string): DueBoard {
  return { today, to, overdue: items.filter((i) => i.status === 'overdue'), due: items.filter((i) => i.status === 'due'), upcoming: items.filter((i) => i.status === 'upcoming'), documents };
}

/** The organisation's overdue, due and upcoming maintenance (and document reviews), filtered by site or engineer. */
export async function dueBoard(ctx: OrgContext, query: unknown, now = new Date()): Promise<DueBoard> {
  requirePermission(ctx, 'estate:read');
  const q = parseInput(dueQuery, query);
  const today = londonToday(now);
  const to = q.to ?? addDays(today, 90);
  const items = await dueFor(ctx.db, [ctx.orgId], { from: q.from ?? '2000-01-01', to, today, siteId: q.site, engineer: q.engineer });
  const org = { id: ctx.orgId, name: await organisationName(ctx) };
  // Document reviews belong to no site or engineer, so a filtered view leaves them out.
  const documents = q.site || q.engineer ? [] : await documentsDue(ctx.db, [org], today, to);
  return board(items, documents, today, to);
}

/**
 * Everything due across the organisations a person belongs to (an installer's clients), filtered by client
 * organisation, engineer and site. Only organisations the person is a member of are ever read.
 */
export async function crossOrgBoard(db: Kysely<DB>, userId: string, f: { org?: string; engineer?: string; site?: string }, now = new Date()) {
  const orgs = await repo.orgsOfUser(db, userId);
  const chosen = f.org ? orgs.filter((o) => o.slug === f.org) : orgs;
  const today = londonToday(now);
  const to = addDays(today, 90);
  const ids = chosen.map((o) => o.id);
  const items = await dueFor(db, ids, { from: '2000-01-01', to, today, engineer: f.engineer, siteId: f.site });
  const documents = f.site || f.engineer ? [] : await documentsDue(db, chosen, today, to);
  const engineers = new Map<string, string>();
  const sites: { id: string; name: string; org: string }[] = [];
  for (const o of chosen) {
    for (const m of await repo.members(db, o.id)) engineers.set(m.id, m.name || m.email);
    for (const s of await repo.sitePickList(db, o.id)) sites.push({ ...s, org: o.name });
  }
  return { orgs, board: board(items, documents, today, to), engineers: [...engineers].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)), sites };
}

// ---- visits ------------------------------------------------------------------------------------------------------

export interface CheckResult { item: ChecklistItem; result: 'pass' | 'fail' | 'na'; note: string | null }
export interface AssetUpdate { assetId: string; firmware: string | null; status: 'in-service' | 'faulty' | 'removed' | null }

export interface Visit {
  id: string; scheduleId: string | null; scheduleTitle: string | null; occurrenceDate: string | null; target: Target;
  status: 'planned' | 'done'; visitDate: string; engineer: { id: string | null; label: string }; checklist: CheckResult[];
  faults: string | null; notes: string | null; documentIds: string[]; assetUpdates: AssetUpdate[]; nextDueDate: string | null;
  createdBy: string; createdAt: string; updatedAt: string;
}

export function toVisit(r: repo.VisitRow): Visit {
  return {
    id: r.id, scheduleId: r.schedule_id, scheduleTitle: r.schedule_title, occurrenceDate: r.occurrence_date, target: targetOf(r),
    status: r.status as Visit['status'], visitDate: r.visit_date, engineer: { id: r.engineer_user_id, label: r.engineer_label },
    checklist: JSON.parse(r.checklist_json), faults: r.faults, notes: r.notes, documentIds: JSON.parse(r.document_ids_json),
    assetUpdates: JSON.parse(r.asset_updates_json), nextDueDate: r.next_due_date, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

async function loadVisit(tx: Tx, orgId: string, id: string): Promise<Visit> {
  const [row] = await repo.listVisits(tx, orgId, { id, limit: 1 });
  if (!row) throw notFound('Visit');
  return toVisit(row);
}

export async function getVisit(ctx: OrgContext, id: string): Promise<Visit> {
  requirePermission(ctx, 'estate:read');
  return loadVisit(ctx.db, ctx.orgId, id);
}

export async function listVisits(ctx: OrgContext, query: unknown): Promise<Visit[]> {
  requirePermission(ctx, 'estate:read');
  const q = parseInput(visitListQuery, query);
  return (await repo.listVisits(ctx.db, ctx.orgId, q)).map(toVisit);
}

/**
 * A context whose writes join the caller's transaction: another area's service (assets) opens its own audited
 * transaction, which Kysely cannot nest, so its "transaction" here is the one already open. The asset change, its
 * provenance and findings re-evaluation, its audit record and the visit then land together or not at all.
 */
function joining(ctx: OrgContext, tx: Tx): OrgContext {
  const db = new Proxy(tx, {
    get(target, prop) {
      if (prop === 'transaction') return () => ({ execute: <T>(work: (t: Tx) => Promise<T>) => work(target) });
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { ...ctx, db: db as unknown as Kysely<DB> };
}

/** Which due date a done visit fulfils when none is named: the latest one by the visit date not yet done, else the next. */
function fulfilledDate(rule: string, start: string, visitDate: string, covered: string | null): string | null {
  const prev = previousOccurrence(rule, start, visitDate);
  if (prev && (!covered || prev > covered)) return prev;
  if (covered && covered >= visitDate) return null; // a late-recorded visit from before the last one: nothing new is done
  return nextOccurrence(rule, start, visitDate);
}

/** A due date is fulfilled once: a second done visit for it would hide that the next one is still owed. */
async function refuseSecondFulfilment(tx: Tx, orgId: string, scheduleId: string, occurrence: string, exceptVisitId: string | null) {
  const other = await repo.visitFulfilling(tx, orgId, scheduleId, occurrence, exceptVisitId);
  if (other) throw new ValidationError({ occurrenceDate: `The visit of ${other.visitDate} already fulfils the due date ${occurrence}` });
}

interface VisitPlan { input: VisitInput; schedule: Schedule | null; target: { type: TargetType; id: string | null }; engineer: { id: string | null; label: string } }

/** Everything about a visit that can be checked before anything is written. */
async function planVisit(ctx: OrgContext, input: VisitInput): Promise<VisitPlan> {
  const schedule = input.scheduleId ? await loadSchedule(ctx.db, ctx.orgId, input.scheduleId).catch((e) => {
    if (e instanceof AppError && e.status === 404) throw new ValidationError({ scheduleId: 'Choose a schedule of this organisation' });
    throw e;
  }) : null;
  const target = schedule ? { type: schedule.target.type, id: schedule.target.id } : { type: input.target?.type ?? 'organisation', id: input.target?.id ?? null };
  if (!schedule) await checkTarget(ctx.db, ctx, target, 'target.id');
  if (schedule && input.occurrenceDate && occurrences(schedule.rrule, schedule.startDate, input.occurrenceDate, input.occurrenceDate).length !== 1) {
    throw new ValidationError({ occurrenceDate: `${input.occurrenceDate} is not a due date of this schedule (${schedule.ruleText})` });
  }
  if (!schedule && input.occurrenceDate) throw new ValidationError({ occurrenceDate: 'Only a scheduled visit fulfils a due date' });
  if (input.status === 'done' && input.visitDate > londonToday()) throw new ValidationError({ visitDate: 'A done visit’s date must be today or in the past' });
  if (input.status === 'planned' && input.assetUpdates.length) throw new ValidationError({ assetUpdates: 'Asset changes are recorded when the visit is done' });
  const engineerId = input.engineerUserId ?? (ctx.actor.type === 'user' ? ctx.actor.id : null);
  await checkMember(ctx.db, ctx, engineerId, 'engineerUserId');
  const engineer = engineerId ? await repo.engineerOf(ctx.db, engineerId) : null;
  for (const [i, id] of input.documentIds.entries()) {
    if (!(await documentExists(ctx, id))) throw new ValidationError({ [`documentIds.${i}`]: 'Choose a document of this organisation' });
  }
  for (const [i, u] of input.assetUpdates.entries()) {
    if (!(await repo.targetExists(ctx.db, ctx.orgId, 'asset', u.assetId))) throw new ValidationError({ [`assetUpdates.${i}.assetId`]: 'Choose an asset of this organisation' });
  }
  return { input, schedule, target, engineer: { id: engineerId, label: engineer ? `${engineer.name} <${engineer.email}>` : ctx.actor.label } };
}

/** Applies a done visit's asset findings through the assets service, inside the visit's transaction. */
async function applyAssetUpdates(ctx: OrgContext, tx: Tx, updates: AssetUpdate[]) {
  const inTx = joining(ctx, tx);
  for (const [i, u] of updates.entries()) {
    const patch: Record<string, unknown> = {};
    if (u.firmware !== null) patch.firmware = u.firmware;
    if (u.status !== null) patch.status = u.status;
    try {
      await updateAsset(inTx, u.assetId, patch);
    } catch (e) {
      // Name the field as the visit knows it.
      if (e instanceof AppError && e.fields) throw new ValidationError(Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [`assetUpdates.${i}.${k}`, v])));
      throw e;
    }
  }
}

async function nextDue(tx: Tx, orgId: string, s: Schedule): Promise<string | null> {
  const covered = (await repo.coverage(tx, [orgId], [s.id])).get(s.id);
  return nextOccurrence(s.rrule, s.startDate, covered ?? addDays(s.startDate, -1));
}

const visitSummary = (v: Visit) => `${v.status === 'done' ? 'Recorded' : 'Planned'} a maintenance visit on ${v.visitDate}${v.scheduleTitle ? ` for ${v.scheduleTitle}` : ''} (${v.target.label})`;
const visitAudit = (v: Visit) => ({ status: v.status, visitDate: v.visitDate, schedule: v.scheduleTitle, occurrenceDate: v.occurrenceDate, engineer: v.engineer.label,
  failed: v.checklist.filter((c) => c.result === 'fail').map((c) => c.item), faults: v.faults, assetUpdates: v.assetUpdates, documents: v.documentIds });

export interface VisitUpload { filename: string; data: Buffer }

/** Stores a visit's photo or report as a document (checked for what it really is) attached to what the visit was about. */
export async function storeVisitDocument(ctx: OrgContext, v: { target: { type: TargetType; id: string | null }; visitDate: string; scheduleTitle: string | null }, upload: { file: VisitUpload; storage: BlobStorage }) {
  return uploadDocument(ctx, upload.storage, {
    filename: upload.file.filename, data: upload.file.data, category: 'maintenance-report',
    target: v.target.type === 'organisation' ? { type: 'organisation' } : { type: v.target.type, id: v.target.id },
    title: `Visit ${v.visitDate}${v.scheduleTitle ? ` – ${v.scheduleTitle}` : ''}`,
  });
}

/**
 * Records a visit (planned or done). A done visit fulfils a due date of its schedule, applies what the engineer
 * found to the assets (firmware seen, faulty, removed: provenance and findings are re-evaluated) and stores the
 * schedule's next due date. A photo or report sent with it is stored through the documents service first.
 */
export async function recordVisit(ctx: OrgContext, body: unknown, upload?: { file: VisitUpload; storage: BlobStorage }): Promise<Visit> {
  requirePermission(ctx, 'assets:write');
  const plan = await planVisit(ctx, parseInput(visitFields, body));
  const { input, schedule, target } = plan;
  const documentIds = [...input.documentIds];
  if (upload) documentIds.push((await storeVisitDocument(ctx, { target, visitDate: input.visitDate, scheduleTitle: schedule?.title ?? null }, upload)).id);
  return auditedChange(ctx, async (tx) => {
    const covered = schedule ? (await repo.coverage(tx, [ctx.orgId], [schedule.id])).get(schedule.id) ?? null : null;
    const occurrence = schedule ? input.occurrenceDate ?? (input.status === 'done'
      ? fulfilledDate(schedule.rrule, schedule.startDate, input.visitDate, covered)
      : nextOccurrence(schedule.rrule, schedule.startDate, covered ?? addDays(schedule.startDate, -1))) : null;
    if (schedule && occurrence && input.status === 'done') await refuseSecondFulfilment(tx, ctx.orgId, schedule.id, occurrence, null);
    if (input.status === 'done') await applyAssetUpdates(ctx, tx, input.assetUpdates);
    const id = newId();
    const now = nowIso();
    await repo.insertVisit(tx, {
      id, org_id: ctx.orgId, schedule_id: schedule?.id ?? null, occurrence_date: occurrence, ...repo.targetColumns(target.type, target.id),
      status: input.status, visit_date: input.visitDate, engineer_user_id: plan.engineer.id, engineer_label: plan.engineer.label,
      checklist_json: JSON.stringify(input.checklist), faults: input.faults, notes: input.notes, document_ids_json: JSON.stringify(documentIds),
      asset_updates_json: JSON.stringify(input.assetUpdates), next_due_date: null, created_by: ctx.actor.label, created_at: now, updated_at: now,
    });
    if (schedule) {
      await repo.updateVisit(tx, ctx.orgId, id, { next_due_date: await nextDue(tx, ctx.orgId, schedule) });
    }
    const v = await loadVisit(tx, ctx.orgId, id);
    return { result: v, action: 'create', objectType: 'maintenance-visit', objectId: id, summary: visitSummary(v), after: visitAudit(v) };
  });
}

/** Completes or corrects a visit (a planned visit becomes done when its form is sent with status "done"). */
export async function updateVisit(ctx: OrgContext, id: string, body: unknown): Promise<Visit> {
  requirePermission(ctx, 'assets:write');
  const before = await loadVisit(ctx.db, ctx.orgId, id);
  const given = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const merged = {
    scheduleId: before.scheduleId, target: before.scheduleId ? null : { type: before.target.type, id: before.target.id }, status: before.status,
    visitDate: before.visitDate, engineerUserId: before.engineer.id, occurrenceDate: before.status === 'done' ? before.occurrenceDate : null,
    checklist: before.checklist, faults: before.faults, notes: before.notes, documentIds: before.documentIds, assetUpdates: [], ...given,
  };
  const plan = await planVisit(ctx, parseInput(visitFields, merged));
  const { input, schedule } = plan;
  return auditedChange(ctx, async (tx) => {
    // This visit's own fulfilment does not count when working out what it fulfils now.
    await repo.updateVisit(tx, ctx.orgId, id, { occurrence_date: null });
    const covered = schedule ? (await repo.coverage(tx, [ctx.orgId], [schedule.id])).get(schedule.id) ?? null : null;
    const occurrence = schedule ? input.occurrenceDate ?? (input.status === 'done'
      ? fulfilledDate(schedule.rrule, schedule.startDate, input.visitDate, covered)
      : nextOccurrence(schedule.rrule, schedule.startDate, covered ?? addDays(schedule.startDate, -1))) : null;
    if (schedule && occurrence && input.status === 'done') await refuseSecondFulfilment(tx, ctx.orgId, schedule.id, occurrence, id);
    if (input.status === 'done') await applyAssetUpdates(ctx, tx, input.assetUpdates);
    await repo.updateVisit(tx, ctx.orgId, id, {
      occurrence_date: occurrence, status: input.status, visit_date: input.visitDate, engineer_user_id: plan.engineer.id, engineer_label: plan.engineer.label,
      checklist_json: JSON.stringify(input.checklist), faults: input.faults, notes: input.notes, document_ids_json: JSON.stringify(input.documentIds),
      asset_updates_json: JSON.stringify([...before.assetUpdates, ...input.assetUpdates]), updated_at: nowIso(),
    });
    if (schedule) {
      await repo.updateVisit(tx, ctx.orgId, id, { next_due_date: await nextDue(tx, ctx.orgId, schedule) });
    }
    const after = await loadVisit(tx, ctx.orgId, id);
    return { result: after, action: 'update', objectType: 'maintenance-visit', objectId: id, summary: `Changed the maintenance visit of ${after.visitDate} (${after.target.label})`, before: visitAudit(before), after: visitAudit(after) };
  });
}

/** People who can be assigned maintenance in this organisation. */
export async function engineers(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  return repo.members(ctx.db, ctx.orgId);
}

export async function assetsForVisit(ctx: OrgContext, target: { type: TargetType; id: string | null }) {
  requirePermission(ctx, 'estate:read');
  return repo.assetsOfTarget(ctx.db, ctx.orgId, target.type, target.id);
}


// ---- calendar feeds -----------------------------------------------------------------------------------------------

export interface Feed { id: string; scope: 'mine' | 'organisation'; assignedOnly: boolean; label: string; createdAt: string; lastUsedAt: string | null }

const toFeed = (r: { id: string; org_id: string | null; assigned_only: number; label: string; created_at: string; last_used_at: string | null }): Feed =>
  ({ id: r.id, scope: r.org_id ? 'organisation' : 'mine', assignedOnly: !!Number(r.assigned_only), label: r.label, createdAt: r.created_at, lastUsedAt: r.last_used_at });

function requireUser(ctx: OrgContext): string {
  if (ctx.actor.type !== 'user' || !ctx.actor.id) throw new AppError(403, 'forbidden', 'Calendar feeds belong to a person: sign in to make one');
  return ctx.actor.id;
}

/** The signed-in person's live feeds: their own (all organisations) and this organisation's. */
export async function listFeeds(ctx: OrgContext): Promise<Feed[]> {
  return (await repo.feedsOf(ctx.db, requireUser(ctx), ctx.orgId)).map(toFeed);
}

/**
 * Makes a calendar feed and returns its secret token, shown this once (only its SHA-256 is kept). "mine" covers
 * every organisation the person belongs to; "organisation" covers this one. Either can be limited to work
 * assigned to the person.
 */
export async function createFeed(ctx: OrgContext, body: unknown): Promise<{ feed: Feed; token: string }> {
  requirePermission(ctx, 'estate:read');
  const userId = requireUser(ctx);
  const input = parseInput(feedInput, body);
  const token = newSecret('slcal_');
  const label = `${input.scope === 'mine' ? 'All my organisations' : 'This organisation'}: ${input.assignedOnly ? 'work assigned to me' : 'all maintenance'}`;
  return auditedChange(ctx, async (tx) => {
    const row = { id: newId(), org_id: input.scope === 'organisation' ? ctx.orgId : null, user_id: userId, assigned_only: input.assignedOnly ? 1 : 0, label, token_hash: sha256(token), created_at: nowIso(), last_used_at: null, revoked_at: null };
    await repo.insertFeed(tx, row);
    return { result: { feed: toFeed(row), token }, action: 'create', objectType: 'calendar-feed', objectId: row.id, summary: `Made a maintenance calendar feed (${label})` };
  });
}

export async function revokeFeed(ctx: OrgContext, id: string): Promise<void> {
  const userId = requireUser(ctx);
  await auditedChange(ctx, async (tx) => {
    const feed = (await repo.feedsOf(tx, userId, ctx.orgId)).find((f) => f.id === id);
    if (!feed) throw notFound('Calendar feed');
    await repo.revokeFeed(tx, userId, id, nowIso());
    return { result: undefined, action: 'revoke', objectType: 'calendar-feed', objectId: id, summary: `Revoked a maintenance calendar feed (${feed.label})` };
  });
}

/**
 * The due items behind a feed token, or null for an unknown or revoked token, or when its owner no longer
 * belongs to the organisation. No session: the token is the credential.
 */
export async function feedItems(db: Kysely<DB>, token: string, now = new Date()): Promise<{ label: string; items: DueOccurrence[] } | null> {
  if (!/^slcal_[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const feed = await repo.findLiveFeed(db, sha256(token));
  if (!feed) return null;
  const orgs = await repo.orgsOfUser(db, feed.user_id);
  const orgIds = feed.org_id ? orgs.filter((o) => o.id === feed.org_id).map((o) => o.id) : orgs.map((o) => o.id);
  if (!orgIds.length) return null;
  const today = londonToday(now);
  const items = await dueFor(db, orgIds, { from: addDays(today, -366), to: addDays(today, 366), today, engineer: feed.assigned_only ? feed.user_id : undefined });
  const at = now.toISOString();
  if (!feed.last_used_at || Date.parse(at) - Date.parse(feed.last_used_at) > 60_000) {
    await repo.touchFeed(db, feed.id, at);
  }
  return { label: feed.label, items };
}
