import { sql, type Expression, type InsertObject, type SqlBool, type UpdateObject } from 'kysely';
import type { Tx } from '../../platform/context';
import type { DB } from '../../platform/schema';
import type { MaintenanceSchedulesTable, MaintenanceVisitsTable } from '../../platform/tables/maintenance';
import type { TargetType } from './schemas';

// Tenant-scoped SQL of the maintenance area. Every query names the organisation(s) it reads.

/** The target columns for a (type, id) pair: exactly one typed foreign key is set, or none for the organisation. */
export function targetColumns(type: TargetType, id: string | null) {
  return {
    target_type: type,
    site_id: type === 'site' ? id : null,
    system_id: type === 'system' ? id : null,
    asset_id: type === 'asset' ? id : null,
  };
}

export function targetIdOf(r: { target_type: string; site_id: string | null; system_id: string | null; asset_id: string | null }): string | null {
  return r.target_type === 'site' ? r.site_id : r.target_type === 'system' ? r.system_id : r.target_type === 'asset' ? r.asset_id : null;
}

/** Whether a site, system or asset of this organisation has this id (another organisation's id gets "no"). */
export async function targetExists(tx: Tx, orgId: string, type: Exclude<TargetType, 'organisation'>, id: string): Promise<boolean> {
  const table = type === 'site' ? 'sites' : type === 'system' ? 'systems' : 'assets';
  return !!(await tx.selectFrom(table).select('id').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst());
}

type WithTarget = 'maintenance_schedules' | 'maintenance_visits';

/** Rows at a site: the site itself, its systems (through system_sites) and its assets. */
function atSite(table: WithTarget, siteId: string): Expression<SqlBool> {
  const col = (c: string) => sql.ref(`${table}.${c}`);
  return sql<SqlBool>`(${col('site_id')} = ${siteId}
    or ${col('system_id')} in (select system_id from system_sites where site_id = ${siteId} and org_id = ${col('org_id')})
    or ${col('asset_id')} in (select id from assets where site_id = ${siteId} and org_id = ${col('org_id')}))`;
}

/** Rows about a system: the system itself and its assets. */
function ofSystem(table: WithTarget, systemId: string): Expression<SqlBool> {
  const col = (c: string) => sql.ref(`${table}.${c}`);
  return sql<SqlBool>`(${col('system_id')} = ${systemId}
    or ${col('asset_id')} in (select id from assets where system_id = ${systemId} and org_id = ${col('org_id')}))`;
}

export interface ScheduleRow extends MaintenanceSchedulesTable {
  org_slug: string; org_name: string; site_name: string | null; system_name: string | null;
  asset_kind: string | null; asset_manufacturer: string | null; asset_model: string | null; asset_serial: string | null; asset_site_id: string | null;
  assignee_email: string | null; assignee_name: string | null;
}

/** Schedules with what they are about and who is assigned, for one or more organisations. */
export async function listSchedules(tx: Tx, orgIds: string[], f: { siteId?: string; engineer?: string; activeOnly?: boolean; id?: string } = {}): Promise<ScheduleRow[]> {
  if (!orgIds.length) return [];
  let q = tx.selectFrom('maintenance_schedules')
    .innerJoin('organisations', 'organisations.id', 'maintenance_schedules.org_id')
    .leftJoin('sites', 'sites.id', 'maintenance_schedules.site_id')
    .leftJoin('systems', 'systems.id', 'maintenance_schedules.system_id')
    .leftJoin('assets', 'assets.id', 'maintenance_schedules.asset_id')
    .leftJoin('users', 'users.id', 'maintenance_schedules.assignee_user_id')
    .selectAll('maintenance_schedules')
    .select([
      'organisations.slug as org_slug', 'organisations.name as org_name', 'sites.name as site_name', 'systems.name as system_name',
      'assets.kind as asset_kind', 'assets.manufacturer as asset_manufacturer', 'assets.model as asset_model', 'assets.serial as asset_serial',
      'assets.site_id as asset_site_id', 'users.email as assignee_email', 'users.name as assignee_name',
    ])
    .where('maintenance_schedules.org_id', 'in', orgIds);
  if (f.id) q = q.where('maintenance_schedules.id', '=', f.id);
  if (f.activeOnly) q = q.where('maintenance_schedules.active', '=', 1);
  if (f.engineer) q = q.where('maintenance_schedules.assignee_user_id', '=', f.engineer);
  if (f.siteId) { const siteId = f.siteId; q = q.where(atSite('maintenance_schedules', siteId)); }
  return q.orderBy('maintenance_schedules.title').orderBy('maintenance_schedules.id').limit(5000).execute() as Promise<ScheduleRow[]>;
}

export async function findSchedule(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('maintenance_schedules').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** For each schedule, the latest due date a done visit fulfilled: everything up to it counts as done. */
export async function coverage(tx: Tx, orgIds: string[], scheduleIds?: string[]): Promise<Map<string, string>> {
  if (!orgIds.length || (scheduleIds && !scheduleIds.length)) return new Map();
  let q = tx.selectFrom('maintenance_visits').select(['schedule_id', (eb) => eb.fn.max('occurrence_date').as('covered')])
    .where('org_id', 'in', orgIds).where('status', '=', 'done').where('schedule_id', 'is not', null).where('occurrence_date', 'is not', null);
  if (scheduleIds) q = q.where('schedule_id', 'in', scheduleIds);
  const rows = await q.groupBy('schedule_id').execute();
  return new Map(rows.filter((r) => r.covered).map((r) => [r.schedule_id!, String(r.covered)]));
}

/** The done visit (other than `exceptId`) that fulfils a schedule's due date, if any. */
export async function visitFulfilling(tx: Tx, orgId: string, scheduleId: string, occurrenceDate: string, exceptId: string | null) {
  let q = tx.selectFrom('maintenance_visits').select(['id', 'visit_date']).where('org_id', '=', orgId).where('schedule_id', '=', scheduleId)
    .where('status', '=', 'done').where('occurrence_date', '=', occurrenceDate);
  if (exceptId) q = q.where('id', '<>', exceptId);
  const row = await q.executeTakeFirst();
  return row ? { id: row.id, visitDate: row.visit_date } : null;
}

/** Planned visits by schedule and due date, so a due item can say a visit is booked. */
export async function plannedVisits(tx: Tx, orgIds: string[]): Promise<Map<string, { id: string; visitDate: string }>> {
  if (!orgIds.length) return new Map();
  const rows = await tx.selectFrom('maintenance_visits').select(['id', 'schedule_id', 'occurrence_date', 'visit_date'])
    .where('org_id', 'in', orgIds).where('status', '=', 'planned').where('schedule_id', 'is not', null).execute();
  return new Map(rows.map((r) => [`${r.schedule_id}:${r.occurrence_date}`, { id: r.id, visitDate: r.visit_date }]));
}

export interface VisitRow extends MaintenanceVisitsTable {
  schedule_title: string | null; site_name: string | null; system_name: string | null;
  asset_kind: string | null; asset_manufacturer: string | null; asset_model: string | null; asset_serial: string | null;
}

export async function listVisits(tx: Tx, orgId: string, f: { from?: string; to?: string; site?: string; system?: string; schedule?: string; id?: string; limit: number; oldestFirst?: boolean }): Promise<VisitRow[]> {
  let q = tx.selectFrom('maintenance_visits')
    .leftJoin('maintenance_schedules', 'maintenance_schedules.id', 'maintenance_visits.schedule_id')
    .leftJoin('sites', 'sites.id', 'maintenance_visits.site_id')
    .leftJoin('systems', 'systems.id', 'maintenance_visits.system_id')
    .leftJoin('assets', 'assets.id', 'maintenance_visits.asset_id')
    .selectAll('maintenance_visits')
    .select(['maintenance_schedules.title as schedule_title', 'sites.name as site_name', 'systems.name as system_name',
      'assets.kind as asset_kind', 'assets.manufacturer as asset_manufacturer', 'assets.model as asset_model', 'assets.serial as asset_serial'])
    .where('maintenance_visits.org_id', '=', orgId);
  if (f.id) q = q.where('maintenance_visits.id', '=', f.id);
  if (f.from) q = q.where('maintenance_visits.visit_date', '>=', f.from);
  if (f.to) q = q.where('maintenance_visits.visit_date', '<=', f.to);
  if (f.schedule) q = q.where('maintenance_visits.schedule_id', '=', f.schedule);
  if (f.site) { const s = f.site; q = q.where(atSite('maintenance_visits', s)); }
  if (f.system) { const s = f.system; q = q.where(ofSystem('maintenance_visits', s)); }
  const dir = f.oldestFirst ? 'asc' : 'desc';
  return q.orderBy('maintenance_visits.visit_date', dir).orderBy('maintenance_visits.id', dir).limit(f.limit).execute() as Promise<VisitRow[]>;
}

/** People of an organisation who can be assigned work, by name. */
export async function members(tx: Tx, orgId: string) {
  return tx.selectFrom('memberships').innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.name', 'memberships.role'])
    .where('memberships.org_id', '=', orgId).where('users.disabled', '=', 0).orderBy('users.name').execute();
}

export async function isMember(tx: Tx, orgId: string, userId: string): Promise<boolean> {
  return !!(await tx.selectFrom('memberships').select('user_id').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst());
}

/** The organisations a person belongs to (the only ones a cross-organisation view may read). */
export async function orgsOfUser(tx: Tx, userId: string) {
  return tx.selectFrom('memberships').innerJoin('organisations', 'organisations.id', 'memberships.org_id')
    .select(['organisations.id', 'organisations.slug', 'organisations.name', 'memberships.role'])
    .where('memberships.user_id', '=', userId).orderBy('organisations.name').execute();
}

/** Assets a visit form offers for firmware and status updates: the target's own assets. */
export async function assetsOfTarget(tx: Tx, orgId: string, type: TargetType, id: string | null) {
  let q = tx.selectFrom('assets').select(['id', 'kind', 'manufacturer', 'model', 'serial', 'firmware', 'status', 'location']).where('org_id', '=', orgId);
  if (type === 'asset') q = q.where('id', '=', id!);
  else if (type === 'site') q = q.where('site_id', '=', id!);
  else if (type === 'system') q = q.where('system_id', '=', id!);
  return q.orderBy('kind').orderBy('manufacturer_key').orderBy('id').limit(500).execute();
}

// ---- calendar feeds ---------------------------------------------------------------------------------------------

export async function findLiveFeed(tx: Tx, tokenHash: string) {
  return tx.selectFrom('maintenance_feeds').selectAll().where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).executeTakeFirst();
}

export async function feedsOf(tx: Tx, userId: string, orgId: string) {
  return tx.selectFrom('maintenance_feeds').selectAll().where('user_id', '=', userId).where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('org_id', '=', orgId), eb('org_id', 'is', null)])).orderBy('created_at', 'desc').execute();
}

// ---- writes --------------------------------------------------------------------------------------------------------

export async function insertSchedule(tx: Tx, row: InsertObject<DB, 'maintenance_schedules'>) {
  await tx.insertInto('maintenance_schedules').values(row).execute();
}

export async function updateSchedule(tx: Tx, orgId: string, id: string, set: UpdateObject<DB, 'maintenance_schedules'>) {
  await tx.updateTable('maintenance_schedules').set(set).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function deleteSchedule(tx: Tx, orgId: string, id: string) {
  await tx.deleteFrom('maintenance_schedules').where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function insertVisit(tx: Tx, row: InsertObject<DB, 'maintenance_visits'>) {
  await tx.insertInto('maintenance_visits').values(row).execute();
}

export async function updateVisit(tx: Tx, orgId: string, id: string, set: UpdateObject<DB, 'maintenance_visits'>) {
  await tx.updateTable('maintenance_visits').set(set).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function insertFeed(tx: Tx, row: InsertObject<DB, 'maintenance_feeds'>) {
  await tx.insertInto('maintenance_feeds').values(row).execute();
}

export async function revokeFeed(tx: Tx, userId: string, id: string, at: string) {
  await tx.updateTable('maintenance_feeds').set({ revoked_at: at }).where('id', '=', id).where('user_id', '=', userId).execute();
}

export async function touchFeed(tx: Tx, id: string, at: string) {
  await tx.updateTable('maintenance_feeds').set({ last_used_at: at }).where('id', '=', id).execute();
}

// ---- reads across organisations (the reminders job and an installer's board have no single organisation) --------

export async function allOrgIds(tx: Tx): Promise<string[]> {
  return (await tx.selectFrom('organisations').select('id').execute()).map((o) => o.id);
}

/** Sites of one organisation for the cross-organisation board's filter (the caller checked membership). */
export async function sitePickList(tx: Tx, orgId: string) {
  return tx.selectFrom('sites').select(['id', 'name']).where('org_id', '=', orgId).orderBy('name_key').limit(2000).execute();
}

/** The engineer's name and e-mail as recorded on a visit (the caller checked membership). */
export async function engineerOf(tx: Tx, userId: string) {
  return tx.selectFrom('users').select(['name', 'email']).where('id', '=', userId).executeTakeFirstOrThrow();
}
