import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { parseInput } from '../../platform/errors';
import { apiRoute, orgPage, type AppDeps } from '../../web/http';
import type { FormBody } from '../../web/forms';
import * as repo from './repo';
import * as reminders from './service';

const STATES = ['pending', 'sending', 'sent', 'failed'] as const;
const deliveryOut = z.object({
  id: z.string(), userId: z.string(), email: z.string(), kind: z.enum(['due_soon', 'overdue', 'digest']), itemKey: z.string(), subject: z.string(),
  state: z.enum(STATES), attempts: z.number(), lastError: z.string().nullable(), createdAt: z.string(), sentAt: z.string().nullable(),
});
const listQuery = z.object({ state: z.enum(STATES).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });
const toOut = (d: Awaited<ReturnType<typeof repo.listDeliveries>>[number]) => ({
  id: d.id, userId: d.user_id, email: d.email, kind: d.kind, itemKey: d.item_key, subject: d.subject, state: d.state,
  attempts: d.attempts, lastError: d.last_error, createdAt: d.created_at, sentAt: d.sent_at,
});

export const STATE_TAGS: Record<string, string> = { pending: 'govuk-tag--blue', sending: 'govuk-tag--yellow', sent: 'govuk-tag--green', failed: 'govuk-tag--red' };

export function registerRemindersRoutes(app: FastifyInstance, deps: AppDeps): void {

  apiRoute(app, deps, 'GET', '/reminders', { summary: 'Reminder e-mails recorded for the organisation, newest first, with delivery state', tag: 'Reminders', query: listQuery, permission: 'org:admin', response: z.object({ items: z.array(deliveryOut) }) },
    async (req, ctx) => ({ items: (await reminders.listDeliveries(ctx, parseInput(listQuery, req.query))).map(toOut) }));
  apiRoute(app, deps, 'POST', '/reminders/:id/retry', { summary: 'Send a failed or interrupted reminder again', tag: 'Reminders', permission: 'org:admin', response: z.object({ ok: z.boolean() }) },
    async (req, ctx) => { await reminders.retryDelivery(ctx, deps.jobs, req.params.id); return { ok: true }; });

  orgPage(app, deps, 'GET', '/reminders', 'estate:read', async (_req, _reply, p) => {
    const prefs = await reminders.getPreferences(p.ctx, p.ctx.actor.id!);
    const admin = can(p.ctx.role, 'org:admin');
    const [deliveries, counts, failedJobs] = admin
      ? await Promise.all([reminders.listDeliveries(p.ctx, { limit: 100 }), repo.countByState(p.ctx.db, p.ctx.orgId), deps.jobs.list({ orgId: p.ctx.orgId, state: 'failed', limit: 20 })])
      : [[], {}, []];
    return p.render('reminders/views/index.njk', {
      title: 'Reminders', prefs, admin, deliveries, counts, failedJobs, tags: STATE_TAGS, mailKind: deps.mailer.kind,
    });
  });

  orgPage(app, deps, 'POST', '/reminders/preferences', 'estate:read', async (req, _reply, p) => {
    const body = (req.body ?? {}) as FormBody;
    const chosen = new Set(([] as string[]).concat((body.kinds as string | string[] | undefined) ?? []));
    await reminders.setPreferences(p.ctx, p.ctx.actor.id!, { dueSoon: chosen.has('dueSoon'), overdue: chosen.has('overdue'), digest: chosen.has('digest') });
    return p.redirect(`${p.base}/reminders`, 'Your reminder choices are saved');
  });

  orgPage(app, deps, 'POST', '/reminders/:id/retry', 'org:admin', async (req, _reply, p) => {
    await reminders.retryDelivery(p.ctx, deps.jobs, req.params.id);
    return p.redirect(`${p.base}/reminders`, 'The reminder will be sent again');
  });
}
