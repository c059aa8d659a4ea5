import type { Kysely } from 'kysely';
import type { DB } from '../../platform/schema';
import type { Role, Tx } from '../../platform/context';
import { newId } from '../../platform/ids';
import type { ReminderDeliveriesTable } from '../../platform/tables/reminders';

export async function listOrganisations(db: Kysely<DB>) {
  return db.selectFrom('organisations').select(['id', 'name', 'slug']).orderBy('id').execute();
}

export interface Person { userId: string; email: string; role: Role; prefs: { due_soon: boolean; overdue: boolean; digest: boolean } }

/** Members who can receive e-mail (not disabled), with their reminder choices (all on unless they said otherwise). */
export async function orgPeople(db: Kysely<DB>, orgId: string): Promise<Person[]> {
  const rows = await db.selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('reminder_preferences as p', (j) => j.onRef('p.user_id', '=', 'm.user_id').onRef('p.org_id', '=', 'm.org_id'))
    .select(['u.id', 'u.email', 'm.role', 'p.due_soon', 'p.overdue', 'p.digest'])
    .where('m.org_id', '=', orgId).where('u.disabled', '=', 0)
    .orderBy('u.id').execute();
  return rows.map((r) => ({
    userId: r.id, email: r.email, role: r.role as Role,
    prefs: { due_soon: r.due_soon !== 0, overdue: r.overdue !== 0, digest: r.digest !== 0 },
  }));
}

/** Records a reminder unless it exists already; returns its id when new. */
export async function recordDelivery(db: Kysely<DB>, r: Pick<ReminderDeliveriesTable, 'org_id' | 'user_id' | 'email' | 'kind' | 'item_key' | 'subject' | 'body_text'>, at: string): Promise<string | null> {
  const id = newId();
  const res = await db.insertInto('reminder_deliveries')
    .values({ ...r, id, state: 'pending', attempts: 0, last_error: null, message_id: null, created_at: at, updated_at: at, sent_at: null })
    .onConflict((oc) => oc.columns(['org_id', 'user_id', 'kind', 'item_key']).doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0 ? id : null;
}

/** pending → sending in one statement: only one worker can win it. */
export async function claimForSending(db: Kysely<DB>, id: string, at: string) {
  return db.updateTable('reminder_deliveries')
    .set((eb) => ({ state: 'sending', attempts: eb('attempts', '+', 1), updated_at: at }))
    .where('id', '=', id).where('state', '=', 'pending')
    .returningAll().executeTakeFirst();
}

export async function markSent(db: Kysely<DB>, id: string, messageId: string, at: string) {
  await db.updateTable('reminder_deliveries').set({ state: 'sent', message_id: messageId.slice(0, 500), sent_at: at, updated_at: at, last_error: null })
    .where('id', '=', id).execute();
}

export async function markFailedAttempt(db: Kysely<DB>, id: string, error: string, state: 'pending' | 'failed', at: string) {
  await db.updateTable('reminder_deliveries').set({ state, last_error: error, updated_at: at }).where('id', '=', id).where('state', '=', 'sending').execute();
}

export async function listDeliveries(db: Kysely<DB>, orgId: string, filter: { state?: ReminderDeliveriesTable['state']; limit?: number }) {
  let q = db.selectFrom('reminder_deliveries').selectAll().where('org_id', '=', orgId);
  if (filter.state) q = q.where('state', '=', filter.state);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(Math.min(filter.limit ?? 100, 500)).execute();
}

export async function countByState(db: Kysely<DB>, orgId: string) {
  const rows = await db.selectFrom('reminder_deliveries').select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId).groupBy('state').execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)])) as Partial<Record<ReminderDeliveriesTable['state'], number>>;
}

export async function getDelivery(db: Tx, orgId: string, id: string) {
  return db.selectFrom('reminder_deliveries').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function resetForRetry(db: Tx, orgId: string, id: string, at: string) {
  await db.updateTable('reminder_deliveries').set({ state: 'pending', updated_at: at }).where('org_id', '=', orgId).where('id', '=', id)
    .where('state', 'in', ['failed', 'sending']).execute();
}

export async function getPreferences(db: Tx, orgId: string, userId: string) {
  const row = await db.selectFrom('reminder_preferences').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return { dueSoon: row ? row.due_soon === 1 : true, overdue: row ? row.overdue === 1 : true, digest: row ? row.digest === 1 : true };
}

export async function savePreferences(db: Tx, orgId: string, userId: string, p: { dueSoon: boolean; overdue: boolean; digest: boolean }, at: string) {
  const values = { due_soon: p.dueSoon ? 1 : 0, overdue: p.overdue ? 1 : 0, digest: p.digest ? 1 : 0, updated_at: at };
  await db.insertInto('reminder_preferences').values({ org_id: orgId, user_id: userId, ...values })
    .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet(values)).execute();
}
