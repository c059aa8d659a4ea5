import type { Kysely } from 'kysely';
import type { DB } from '../../platform/schema';
import type { OrgContext } from '../../platform/context';
import { requirePermission } from '../../platform/context';
import type { JobInfo, JobQueue } from '../../platform/jobs';
import { errorText } from '../../platform/jobs';
import type { Mailer } from '../../platform/mail';
import { addDays, isoWeek, londonParts, longDate } from '../../platform/clock';
import { auditedChange } from '../audit/write';
import { notFound, AppError } from '../../platform/errors';
import * as repo from './repo';
import type { ReminderDeliveriesTable } from '../../platform/tables/reminders';

/**
 * E-mail reminders: "due soon" when a maintenance item enters its lead time, "overdue" once it passes its due
 * date, and a weekly digest on Monday mornings. A periodic scan decides what should be sent and records each
 * reminder under a unique key (organisation, person, kind, item) — so however many app instances scan, and however
 * often, a reminder exists once. Each recorded reminder is then sent by its own job; the send claims the row
 * (pending → sending) before talking to the SMTP relay, so two workers can never both send it.
 */

export const SCAN_JOB = 'reminders.scan';
export const SEND_JOB = 'reminders.send';

/** Something with a due date that someone should be reminded of (from maintenance schedules, document reviews…). */
export interface DueItem {
  /** Stable across scans, e.g. "<schedule id>:2026-12-05". */
  key: string;
  orgId: string;
  title: string;
  /** YYYY-MM-DD (a London calendar date). */
  dueDate: string;
  /** Days before the due date when it becomes "due soon". */
  leadDays: number;
  assigneeUserId: string | null;
  /** Where it is, for the message ("Civic Centre", "Town centre system"). */
  where: string | null;
  /** Path inside the app, e.g. /o/northam/maintenance/schedules/… */
  path: string;
}

/** Lists the due items of an organisation in a date window (inclusive). */
export type DueSource = (db: Kysely<DB>, q: { orgId: string; from: string; to: string }) => Promise<DueItem[]>;

export interface ReminderDeps {
  db: Kysely<DB>; jobs: JobQueue; mailer: Mailer; publicUrl: string; dueSource: DueSource;
  /** The clock the periodic scan reads (tests set it, so a scan never depends on today's date). */
  now?: () => Date;
}

const KIND_WORDS = { due_soon: 'Due soon', overdue: 'Overdue', digest: 'This week' } as const;

function itemLine(item: DueItem, today: string): string {
  const when = item.dueDate < today ? `was due ${longDate(item.dueDate)}` : item.dueDate === today ? 'is due today' : `is due ${longDate(item.dueDate)}`;
  return `${item.title}${item.where ? ` (${item.where})` : ''} ${when}`;
}

function message(kind: ReminderDeliveriesTable['kind'], orgName: string, items: DueItem[], today: string, publicUrl: string) {
  if (kind === 'digest') {
    const overdue = items.filter((i) => i.dueDate < today);
    const subject = `Sightline weekly digest for ${orgName}: ${items.length} maintenance item${items.length === 1 ? '' : 's'}${overdue.length ? `, ${overdue.length} overdue` : ''}`;
    const lines = items.sort((a, b) => a.dueDate.localeCompare(b.dueDate)).map((i) => `- ${itemLine(i, today)}\n  ${publicUrl}${i.path}`);
    return { subject, text: `Maintenance due for ${orgName} in the next fortnight and still open:\n\n${lines.join('\n')}\n\nYou get this digest on Monday mornings. Change which reminders you get on your reminders page in Sightline.\n` };
  }
  const [item] = items;
  const subject = `${KIND_WORDS[kind]}: ${item.title}${item.where ? ` – ${item.where}` : ''} (${item.dueDate < today ? 'was due' : 'due'} ${longDate(item.dueDate)})`;
  const text = `${orgName}: ${itemLine(item, today)}.\n\nOpen it in Sightline: ${publicUrl}${item.path}\n\nRecord the visit when it is done and the reminders stop.\n`;
  return { subject, text };
}

/**
 * Decides which reminders are due at `now` and records them (each once); returns how many were new.
 * Runs for every organisation, so it takes no OrgContext: it is the system acting, not a person.
 */
export async function scanReminders(deps: ReminderDeps, now: Date): Promise<number> {
  const { date: today, weekday, hour } = londonParts(now);
  const digestDay = weekday === 1 && hour >= 7; // Monday from 07:00 London time
  let created = 0;
  for (const org of await repo.listOrganisations(deps.db)) {
    const items = await deps.dueSource(deps.db, { orgId: org.id, from: addDays(today, -366), to: addDays(today, 60) });
    if (!items.length) continue;
    const people = await repo.orgPeople(deps.db, org.id);
    const byId = new Map(people.map((p) => [p.userId, p]));
    const fallback = people.filter((p) => p.role === 'admin' || p.role === 'manager');
    const recipientsOf = (item: DueItem) => {
      const assignee = item.assigneeUserId ? byId.get(item.assigneeUserId) : undefined;
      return assignee ? [assignee] : fallback;
    };
    const toRecord: Omit<ReminderDeliveriesTable, 'id' | 'state' | 'attempts' | 'last_error' | 'message_id' | 'created_at' | 'updated_at' | 'sent_at'>[] = [];
    for (const item of items) {
      const kind = item.dueDate < today ? 'overdue' : item.dueDate <= addDays(today, item.leadDays) ? 'due_soon' : null;
      if (!kind) continue;
      for (const person of recipientsOf(item)) {
        if (!person.prefs[kind]) continue;
        const m = message(kind, org.name, [item], today, deps.publicUrl);
        toRecord.push({ org_id: org.id, user_id: person.userId, email: person.email, kind, item_key: item.key, subject: m.subject, body_text: m.text });
      }
    }
    if (digestDay) {
      const soon = addDays(today, 14);
      for (const person of people) {
        if (!person.prefs.digest) continue;
        const mine = items.filter((i) => i.dueDate <= soon && recipientsOf(i).some((r) => r.userId === person.userId));
        if (!mine.length) continue;
        const m = message('digest', org.name, mine, today, deps.publicUrl);
        toRecord.push({ org_id: org.id, user_id: person.userId, email: person.email, kind: 'digest', item_key: isoWeek(today), subject: m.subject, body_text: m.text });
      }
    }
    for (const r of toRecord) {
      const id = await repo.recordDelivery(deps.db, r, now.toISOString());
      if (!id) continue; // already recorded by an earlier scan or another instance
      created++;
      await deps.jobs.enqueue(SEND_JOB, { deliveryId: id }, { orgId: org.id, singletonKey: `reminder:${id}:1`, maxAttempts: 5 });
    }
  }
  return created;
}

/** Sends one recorded reminder. Throws on SMTP failure so the queue retries it with backoff. */
export async function sendReminder(deps: ReminderDeps, job: JobInfo): Promise<{ state: string }> {
  const { deliveryId } = job.payload as { deliveryId: string };
  const at = new Date().toISOString();
  const claimed = await repo.claimForSending(deps.db, deliveryId, at);
  if (!claimed) return { state: 'not pending' }; // sent already, or another worker has it
  try {
    const { messageId } = await deps.mailer.send({
      to: claimed.email, subject: claimed.subject, text: claimed.body_text,
      headers: { 'X-Sightline-Reminder': `${claimed.kind}; ${claimed.item_key}`, 'Auto-Submitted': 'auto-generated' },
    });
    await repo.markSent(deps.db, claimed.id, messageId, new Date().toISOString());
    return { state: 'sent' };
  } catch (err) {
    const last = job.attempt >= job.maxAttempts;
    await repo.markFailedAttempt(deps.db, claimed.id, errorText(err), last ? 'failed' : 'pending', new Date().toISOString());
    throw err;
  }
}

export function registerReminderJobs(deps: ReminderDeps, scanEveryMs = 5 * 60_000): void {
  deps.jobs.handle(SCAN_JOB, async () => ({ created: await scanReminders(deps, deps.now ? deps.now() : new Date()) }));
  deps.jobs.handle(SEND_JOB, (job) => sendReminder(deps, job));
  deps.jobs.every(SCAN_JOB, scanEveryMs);
}

// ---- what people see -------------------------------------------------------------------------------------

export async function listDeliveries(ctx: OrgContext, filter: { state?: ReminderDeliveriesTable['state']; limit?: number }) {
  requirePermission(ctx, 'org:admin');
  return repo.listDeliveries(ctx.db, ctx.orgId, filter);
}

/** An admin sends a failed (or interrupted) reminder again. */
export async function retryDelivery(ctx: OrgContext, jobs: JobQueue, id: string) {
  requirePermission(ctx, 'org:admin');
  const d = await repo.getDelivery(ctx.db, ctx.orgId, id);
  if (!d) throw notFound('Reminder');
  if (d.state === 'sent' || d.state === 'pending') throw new AppError(409, 'conflict', d.state === 'sent' ? 'This reminder was sent already' : 'This reminder is waiting to be sent');
  await auditedChange(ctx, async (tx) => {
    await repo.resetForRetry(tx, ctx.orgId, id, new Date().toISOString());
    return { result: null, action: 'reminder.retry', objectType: 'reminder', objectId: id, summary: `Asked for the reminder "${d.subject}" to ${d.email} to be sent again` };
  });
  await jobs.enqueue(SEND_JOB, { deliveryId: id }, { orgId: ctx.orgId, singletonKey: `reminder:${id}:${d.attempts + 1}`, maxAttempts: 5 });
}

export async function getPreferences(ctx: OrgContext, userId: string) {
  return repo.getPreferences(ctx.db, ctx.orgId, userId);
}

export async function setPreferences(ctx: OrgContext, userId: string, prefs: { dueSoon: boolean; overdue: boolean; digest: boolean }) {
  return auditedChange(ctx, async (tx) => {
    await repo.savePreferences(tx, ctx.orgId, userId, prefs, new Date().toISOString());
    const on = Object.entries({ 'due soon': prefs.dueSoon, overdue: prefs.overdue, 'weekly digest': prefs.digest }).filter(([, v]) => v).map(([k]) => k);
    return { result: prefs, action: 'reminder.preferences', objectType: 'user', objectId: userId, summary: `Reminder e-mails set to: ${on.length ? on.join(', ') : 'none'}` };
  });
}
