import { requirePermission, type OrgContext } from '../../platform/context';
import { addDays, londonParts } from '../../platform/clock';
import { complianceDashboard, overdueActionCount } from '../compliance/service';
import { listDpias } from '../dpia/service';
import { acceptedRisksDue, findingCounts } from '../findings/service';
import { dueBoard } from '../maintenance/service';
import { listDeliveries } from '../reminders/service';
import { onboardingFacts } from './repo';

const londonToday = (now = new Date()) => londonParts(now).date;

/** Headline counts for an organisation's overview page. */
export async function estateOverview(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  const db = ctx.db;
  const count = async (table: 'sites' | 'networks' | 'systems' | 'assets') => {
    const r = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', ctx.orgId).executeTakeFirstOrThrow();
    return Number(r.n);
  };
  const [sites, networks, systems, assets] = await Promise.all([count('sites'), count('networks'), count('systems'), count('assets')]);
  const sensitive = await db.selectFrom('sites').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', ctx.orgId).where('sensitive', '=', 1).executeTakeFirstOrThrow();
  const byStatus = await db.selectFrom('assets').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('org_id', '=', ctx.orgId).groupBy('status').execute();
  const byKind = await db.selectFrom('assets').select(['kind', (eb) => eb.fn.countAll<number>().as('n')]).where('org_id', '=', ctx.orgId).groupBy('kind').orderBy('kind').execute();
  const makes = await db.selectFrom('assets').select(['manufacturer_key', (eb) => eb.fn.min('manufacturer').as('label'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', ctx.orgId).groupBy('manufacturer_key').orderBy('n', 'desc').limit(10).execute();
  return {
    sites, sensitiveSites: Number(sensitive.n), networks, systems, assets,
    byStatus: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
    byKind: byKind.map((r) => ({ kind: r.kind, n: Number(r.n) })),
    makes: makes.map((r) => ({ key: r.manufacturer_key, label: r.label ?? 'Not recorded', n: Number(r.n) })),
  };
}

/** One thing to do now: what, how urgent (lower is sooner), and the page where it is done. */
export interface ToDo { urgency: number; kind: string; text: string; href: string }

/**
 * "What needs doing now", most urgent first, each with the page to do it on: critical findings, overdue and
 * due-soon maintenance, DPIAs due for review, self-assessments not started or more than a year old, accepted
 * risks past their review date, overdue compliance actions and (for admins) reminders that could not be sent.
 */
export async function whatNeedsDoing(ctx: OrgContext, opts: { canAdminister: boolean; now?: Date }) {
  requirePermission(ctx, 'estate:read');
  const base = `/o/${ctx.orgSlug}`;
  const today = londonToday(opts.now);
  const [counts, board, dpias, compliance, risks, overdueActions, failed] = await Promise.all([
    findingCounts(ctx), dueBoard(ctx, { to: addDays(today, 31) }, opts.now), listDpias(ctx, { reviewDue: 'true' }),
    complianceDashboard(ctx), acceptedRisksDue(ctx, today), overdueActionCount(ctx),
    opts.canAdminister ? listDeliveries(ctx, { state: 'failed', limit: 500 }) : Promise.resolve([]),
  ]);
  const critical = counts.filter((c) => c.severity === 'critical' && c.status === 'open').reduce((n, c) => n + c.n, 0);
  const todo: ToDo[] = [];
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  for (const i of board.overdue) todo.push({ urgency: 1, kind: 'maintenance', text: `Overdue maintenance: ${i.title}${i.where ? ` at ${i.where}` : ''}, due ${i.dueDate}${i.missed > 1 ? ` (${i.missed} visits missed)` : ''}`, href: `${base}/maintenance/schedules/${i.scheduleId}` });
  for (const d of dpias) todo.push({ urgency: 2, kind: 'dpia', text: `DPIA due for review: ${d.systemName}${d.reviewDate ? ` (review date ${d.reviewDate})` : ''}`, href: `${base}/compliance/dpias/${d.id}` });
  for (const r of risks) todo.push({ urgency: 3, kind: 'accepted-risk', text: `Accepted risk to review: ${r.title} – ${r.device} (review date ${r.reviewDate})`, href: `${base}/findings/${r.id}` });
  if (overdueActions) todo.push({ urgency: 3, kind: 'actions', text: `${plural(overdueActions, 'compliance action is', 'compliance actions are')} overdue`, href: `${base}/compliance#overdue` });
  for (const s of compliance.systems) {
    if (!s.latest) todo.push({ urgency: 4, kind: 'self-assessment', text: `Self-assessment not started: ${s.name}`, href: `${base}/compliance/systems/${s.id}` });
    else if (s.nextReviewDue && s.nextReviewDue < today) todo.push({ urgency: 4, kind: 'self-assessment', text: `Self-assessment more than a year old: ${s.name} (last completed ${s.lastCompleted!.completedAt.slice(0, 10)})`, href: `${base}/compliance/systems/${s.id}` });
  }
  if (failed.length) todo.push({ urgency: 5, kind: 'reminders', text: `${plural(failed.length, 'reminder e-mail', 'reminder e-mails')} could not be sent`, href: `${base}/reminders` });
  for (const i of board.due) todo.push({ urgency: 6, kind: 'maintenance', text: `Maintenance due soon: ${i.title}${i.where ? ` at ${i.where}` : ''}, due ${i.dueDate}`, href: `${base}/maintenance/schedules/${i.scheduleId}` });
  todo.sort((a, b) => a.urgency - b.urgency);
  const bySeverity = (status: string) => Object.fromEntries(['critical', 'high', 'medium', 'low', 'info'].map((sev) => [sev, counts.filter((c) => c.severity === sev && c.status === status).reduce((n, c) => n + c.n, 0)]));
  return { critical, todo, open: bySeverity('open'), accepted: bySeverity('accepted') };
}

/** The first steps of a new organisation, each ticked off as soon as the register holds what it asks for. */
export async function onboardingTasks(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  const base = `/o/${ctx.orgSlug}`;
  const f = await onboardingFacts(ctx.db, ctx.orgId);
  const tasks = [
    { text: 'Add your sites or import a register', href: f.sites ? `${base}/sites` : `${base}/imports`, done: f.sites || f.assets || f.imports },
    { text: 'Mark sensitive sites and core networks', href: f.sensitive ? `${base}/networks` : `${base}/sites`, done: f.sensitive && f.core },
    { text: 'Run or upload a discovery scan', href: `${base}/discovery`, done: f.scans },
    { text: 'Start the self-assessment', href: `${base}/compliance`, done: f.assessments },
    { text: 'Set up maintenance', href: `${base}/maintenance/schedules/new`, done: f.schedules },
  ];
  return { tasks, done: tasks.filter((t) => t.done).length, all: tasks.every((t) => t.done) };
}
