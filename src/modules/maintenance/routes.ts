import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { can, type Role } from '../../platform/context';
import { AppError, parseInput } from '../../platform/errors';
import { apiRoute, jsonBody, orgPage, renderPage, submitForm, type AppDeps, type RouteRequest, type PageCtx } from '../../web/http';
import { dateFields, dateParts, text, type FormBody } from '../../web/forms';
import { objectHistory } from '../audit/service';
import { STATUS_LABELS as ASSET_STATUS_LABELS } from '../assets/schemas';
import { allSites } from '../sites/service';
import { allSystems } from '../systems/service';
import { getDocument } from '../documents/service';
import { registerUploads, uploadOf } from '../documents/upload';
import { fileTooLarge } from '../documents/service';
import { calendarFeed } from './calendar';
import { assetStatusItems, checklistView, parseTargetChoice, requireRule, scheduleFormView, scheduleFromForm, targetChoice, visitFromForm } from './forms';
import { maintenanceLog, maintenanceLogCsv, maintenanceLogPdf } from './report';
import {
  CHECK_RESULTS, CHECKLIST_ITEMS, CHECKLIST_LABELS, dueQuery, RESULT_LABELS, scheduleFields, schedulePatch, TARGET_TYPES, TEMPLATES,
  VISIT_ASSET_STATUSES, VISIT_STATUSES, visitFields, visitListQuery, type ChecklistItem,
} from './schemas';
import * as svc from './service';

// ---- API shapes ------------------------------------------------------------------------------------------------

const TAG = 'Maintenance';
const targetOut = z.object({ type: z.enum(TARGET_TYPES), id: z.string().nullable(), label: z.string() });
const scheduleOut = z.object({
  id: z.string(), title: z.string(), target: targetOut, rrule: z.string(), ruleText: z.string(), startDate: z.string(),
  assignee: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable(), checklist: z.array(z.enum(CHECKLIST_ITEMS)),
  leadDays: z.number(), template: z.string().nullable(), active: z.boolean(), notes: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
});
const visitOut = z.object({
  id: z.string(), scheduleId: z.string().nullable(), scheduleTitle: z.string().nullable(), occurrenceDate: z.string().nullable(), target: targetOut,
  status: z.enum(VISIT_STATUSES), visitDate: z.string(), engineer: z.object({ id: z.string().nullable(), label: z.string() }),
  checklist: z.array(z.object({ item: z.enum(CHECKLIST_ITEMS), result: z.enum(CHECK_RESULTS), note: z.string().nullable() })),
  faults: z.string().nullable(), notes: z.string().nullable(), documentIds: z.array(z.string()),
  assetUpdates: z.array(z.object({ assetId: z.string(), firmware: z.string().nullable(), status: z.enum(VISIT_ASSET_STATUSES).nullable() })),
  nextDueDate: z.string().nullable(), createdBy: z.string(), createdAt: z.string(), updatedAt: z.string(),
});
const dueOut = z.object({
  key: z.string(), scheduleId: z.string(), title: z.string(), dueDate: z.string(), status: z.enum(['overdue', 'due', 'upcoming']), missed: z.number(),
  leadDays: z.number(), where: z.string().nullable(), assigneeUserId: z.string().nullable(), assigneeEmail: z.string().nullable(), path: z.string(),
});
const toDueOut = (i: svc.DueOccurrence) => ({ key: i.key, scheduleId: i.scheduleId, title: i.title, dueDate: i.dueDate, status: i.status, missed: i.missed, leadDays: i.leadDays, where: i.where, assigneeUserId: i.assigneeUserId, assigneeEmail: i.assigneeEmail, path: i.path });

const idOf = (req: RouteRequest<'/:id'>) => req.params.id;
const queryOf = (req: FastifyRequest) => Object.fromEntries(Object.entries((req.query ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'string' && v !== '')) as Record<string, string>;

export const STATUS_TAGS: Record<string, string> = { overdue: 'govuk-tag--red', due: 'govuk-tag--yellow', upcoming: 'govuk-tag--blue', done: 'govuk-tag--green', planned: 'govuk-tag--grey' };
const STATUS_WORDS: Record<string, string> = { overdue: 'Overdue', due: 'Due soon', upcoming: 'Upcoming', done: 'Done', planned: 'Planned' };

export function registerMaintenanceRoutes(app: FastifyInstance, deps: AppDeps): void {
  // ---- API ----
  apiRoute(app, deps, 'GET', '/maintenance/due', { summary: 'Overdue, due-soon and upcoming maintenance (one overdue item per schedule)', tag: TAG, query: dueQuery, response: z.object({ today: z.string(), items: z.array(dueOut) }) },
    async (req, ctx) => {
      const b = await svc.dueBoard(ctx, req.query);
      return { today: b.today, items: [...b.overdue, ...b.due, ...b.upcoming].map(toDueOut) };
    });
  apiRoute(app, deps, 'GET', '/maintenance/schedules', { summary: 'List maintenance schedules', tag: TAG, query: dueQuery.pick({ site: true, engineer: true }), response: z.object({ items: z.array(scheduleOut) }) },
    async (req, ctx) => {
      const q = parseInput(dueQuery.pick({ site: true, engineer: true }), req.query);
      return { items: await svc.listSchedules(ctx, { siteId: q.site, engineer: q.engineer }) };
    });
  apiRoute(app, deps, 'POST', '/maintenance/schedules', { summary: 'Add a maintenance schedule (RFC 5545 RRULE on London calendar dates)', tag: TAG, status: 201, body: scheduleFields, response: scheduleOut, permission: 'estate:write' },
    async (req, ctx) => svc.createSchedule(ctx, jsonBody(req)));
  apiRoute(app, deps, 'GET', '/maintenance/schedules/:id', { summary: 'Get a maintenance schedule', tag: TAG, response: scheduleOut.extend({ nextDates: z.array(z.string()) }) },
    async (req, ctx) => {
      const s = await svc.getSchedule(ctx, idOf(req));
      return { ...s, nextDates: (await svc.upcomingDates(ctx, s)).dates };
    });
  apiRoute(app, deps, 'PATCH', '/maintenance/schedules/:id', { summary: 'Change a maintenance schedule (only the fields sent)', tag: TAG, body: schedulePatch, response: scheduleOut, permission: 'estate:write' },
    async (req, ctx) => svc.updateSchedule(ctx, idOf(req), jsonBody(req)));
  apiRoute(app, deps, 'DELETE', '/maintenance/schedules/:id', { summary: 'Delete a maintenance schedule (its visits stay in the log)', tag: TAG, permission: 'estate:delete' },
    async (req, ctx) => { await svc.deleteSchedule(ctx, idOf(req)); });
  apiRoute(app, deps, 'GET', '/maintenance/visits', { summary: 'List maintenance visits, newest first', tag: TAG, query: visitListQuery, response: z.object({ items: z.array(visitOut) }) },
    async (req, ctx) => ({ items: await svc.listVisits(ctx, req.query) }));
  apiRoute(app, deps, 'POST', '/maintenance/visits', { summary: 'Record a maintenance visit (planned or done); a done visit can update assets', tag: TAG, status: 201, body: visitFields, response: visitOut, permission: 'assets:write' },
    async (req, ctx) => svc.recordVisit(ctx, jsonBody(req)));
  apiRoute(app, deps, 'GET', '/maintenance/visits/:id', { summary: 'Get a maintenance visit', tag: TAG, response: visitOut },
    async (req, ctx) => svc.getVisit(ctx, idOf(req)));
  apiRoute(app, deps, 'PATCH', '/maintenance/visits/:id', { summary: 'Complete or correct a maintenance visit (only the fields sent)', tag: TAG, body: visitFields.partial(), response: visitOut, permission: 'assets:write' },
    async (req, ctx) => svc.updateVisit(ctx, idOf(req), jsonBody(req)));

  // ---- calendar feeds: the token is the credential, so no session and no org in the URL ----
  app.get<{ Params: { file: string } }>('/calendar/:file', async (req, reply) => {
    const file = req.params.file;
    const token = file.endsWith('.ics') ? file.slice(0, -4) : '';
    const feed = token ? await svc.feedItems(deps.db, token) : null;
    if (!feed) throw new AppError(404, 'not_found', 'This calendar feed does not exist or has been revoked.');
    const multiOrg = new Set(feed.items.map((i) => i.orgId)).size > 1;
    return reply.type('text/calendar; charset=utf-8').header('cache-control', 'private, max-age=300')
      .header('content-disposition', 'inline; filename="sightline-maintenance.ics"').send(calendarFeed(feed.label, feed.items, deps.config.publicUrl, multiOrg));
  });

  // ---- across every organisation a person serves ----
  app.get('/maintenance', async (req, reply) => {
    if (!req.session) return reply.redirect(`/sign-in?next=${encodeURIComponent(req.url)}`, 303);
    if (req.session.mustChangePassword) return reply.redirect('/account/password', 303);
    const q = queryOf(req);
    const f = { org: q.org, engineer: /^[0-9a-f-]{36}$/.test(q.engineer ?? '') ? q.engineer : undefined, site: /^[0-9a-f-]{36}$/.test(q.site ?? '') ? q.site : undefined };
    const data = await svc.crossOrgBoard(deps.db, req.session.userId, f);
    return renderPage(deps, req, reply, 'maintenance/views/all.njk', {
      title: 'Maintenance across your organisations', board: data.board, orgs: data.orgs, multiOrg: true, tags: STATUS_TAGS, words: STATUS_WORDS,
      // "Record visit" only where this person may record one (a viewer in one client, an engineer in another).
      visitOrgs: data.orgs.filter((o) => can(o.role as Role, 'assets:write')).map((o) => o.slug),
      orgItems: [{ value: '', text: 'All organisations' }, ...data.orgs.map((o) => ({ value: o.slug, text: o.name, selected: o.slug === f.org }))],
      engineerItems: [{ value: '', text: 'Anyone' }, ...data.engineers.map((e) => ({ value: e.id, text: e.name, selected: e.id === f.engineer }))],
      siteItems: [{ value: '', text: 'All sites' }, ...data.sites.map((s) => ({ value: s.id, text: data.orgs.length > 1 ? `${s.name} (${s.org})` : s.name, selected: s.id === f.site }))],
    });
  });

  // ---- the organisation's pages ----
  orgPage(app, deps, 'GET', '/maintenance', 'estate:read', async (req, _reply, p) => {
    const q = queryOf(req);
    const filters = { site: q.site, engineer: q.engineer };
    let board: svc.DueBoard;
    try { board = await svc.dueBoard(p.ctx, filters); } catch (e) {
      if (e instanceof AppError && e.status === 422) board = await svc.dueBoard(p.ctx, {}); else throw e;
    }
    const [sites, people] = await Promise.all([allSites(p.ctx), svc.engineers(p.ctx)]);
    return p.render('maintenance/views/board.njk', {
      title: 'Maintenance', board, tags: STATUS_TAGS, words: STATUS_WORDS, multiOrg: false,
      canWrite: can(p.ctx.role, 'estate:write'), canVisit: can(p.ctx.role, 'assets:write'),
      siteItems: [{ value: '', text: 'All sites' }, ...sites.map((s) => ({ value: s.id, text: s.name, selected: s.id === q.site }))],
      engineerItems: [{ value: '', text: 'Anyone' }, ...people.map((m) => ({ value: m.id, text: m.name || m.email, selected: m.id === q.engineer }))],
    });
  });

  // Schedules
  const targetItems = async (p: PageCtx, selected: string) => {
    const [sites, systems, assets] = await Promise.all([allSites(p.ctx), allSystems(p.ctx), svc.assetsForVisit(p.ctx, { type: 'organisation', id: null })]);
    return [
      { value: 'organisation', text: `The whole organisation (${p.org.name})`, selected: selected === 'organisation' },
      ...sites.map((s) => ({ value: `site:${s.id}`, text: `Site: ${s.name}`, selected: selected === `site:${s.id}` })),
      ...systems.map((s) => ({ value: `system:${s.id}`, text: `System: ${s.name}`, selected: selected === `system:${s.id}` })),
      ...assets.map((a) => ({ value: `asset:${a.id}`, text: `Asset: ${[a.kind, a.manufacturer, a.model, a.serial ? `(${a.serial})` : null, a.location ? `– ${a.location}` : null].filter(Boolean).join(' ')}`, selected: selected === `asset:${a.id}` })),
    ];
  };
  const scheduleForm = async (p: PageCtx, schedule: svc.Schedule | null, values: Record<string, any>, body: FormBody | null, errors: Record<string, string>, status: number) => {
    const people = await svc.engineers(p.ctx);
    const target = body ? text(body.target) ?? 'organisation' : targetChoice(values.target);
    return p.render('maintenance/views/schedule-form.njk', {
      title: schedule ? `Change ${schedule.title}` : 'Add a maintenance schedule', schedule, errors, templates: TEMPLATES,
      values: { ...values, leadDays: body ? text(body.leadDays) : values.leadDays }, form: scheduleFormView(values, body),
      targetItems: await targetItems(p, target),
      assigneeItems: [{ value: '', text: 'Nobody yet' }, ...people.map((m) => ({ value: m.id, text: `${m.name || m.email} (${m.role})`, selected: m.id === (body ? text(body.assigneeUserId) : values.assigneeUserId ?? values.assignee?.id) }))],
    }, status);
  };

  orgPage(app, deps, 'GET', '/maintenance/schedules', 'estate:read', async (_req, _reply, p) => {
    const schedules = await svc.listSchedules(p.ctx);
    return p.render('maintenance/views/schedules.njk', { title: 'Maintenance schedules', schedules, canWrite: can(p.ctx.role, 'estate:write') });
  });
  orgPage(app, deps, 'GET', '/maintenance/schedules/new', 'estate:write', async (req, _reply, p) => {
    const q = queryOf(req);
    const t = TEMPLATES.find((x) => x.key === q.template);
    const values = { title: t?.title ?? '', rrule: t?.rrule ?? 'FREQ=MONTHLY', checklist: t?.checklist ?? [], leadDays: t?.leadDays ?? 14, template: t?.key ?? null,
      startDate: svc.londonToday(), target: parseTargetChoice(q.target), assigneeUserId: null };
    return scheduleForm(p, null, values, null, {}, 200);
  });
  orgPage(app, deps, 'POST', '/maintenance/schedules', 'estate:write', async (req, _reply, p) => {
    const body = req.body as FormBody;
    const { input, ruleErrors } = scheduleFromForm(body);
    return submitForm(p, async () => {
      requireRule(ruleErrors);
      const s = await svc.createSchedule(p.ctx, input);
      return { to: `${p.base}/maintenance/schedules/${s.id}`, flash: `Schedule “${s.title}” added` };
    }, (errors, status) => scheduleForm(p, null, input, body, errors, status));
  });
  orgPage(app, deps, 'GET', '/maintenance/schedules/:id', 'estate:read', async (req, _reply, p) => {
    const s = await svc.getSchedule(p.ctx, idOf(req));
    const [next, visits, history] = await Promise.all([svc.upcomingDates(p.ctx, s), svc.listVisits(p.ctx, { schedule: s.id, limit: 50 }), objectHistory(p.ctx, 'maintenance-schedule', s.id)]);
    return p.render('maintenance/views/schedule.njk', {
      title: s.title, s, next, visits, history, checkLabels: s.checklist.map((c) => CHECKLIST_LABELS[c]).join(', ') || 'None', tags: STATUS_TAGS, words: STATUS_WORDS,
      canWrite: can(p.ctx.role, 'estate:write'), canDelete: can(p.ctx.role, 'estate:delete'), canVisit: can(p.ctx.role, 'assets:write'),
    });
  });
  orgPage(app, deps, 'GET', '/maintenance/schedules/:id/edit', 'estate:write', async (req, _reply, p) => {
    const s = await svc.getSchedule(p.ctx, idOf(req));
    return scheduleForm(p, s, s, null, {}, 200);
  });
  orgPage(app, deps, 'POST', '/maintenance/schedules/:id', 'estate:write', async (req, _reply, p) => {
    const s = await svc.getSchedule(p.ctx, idOf(req));
    const body = req.body as FormBody;
    const { input, ruleErrors } = scheduleFromForm(body);
    return submitForm(p, async () => {
      requireRule(ruleErrors);
      const saved = await svc.updateSchedule(p.ctx, s.id, input);
      return { to: `${p.base}/maintenance/schedules/${s.id}`, flash: `Schedule “${saved.title}” saved` };
    }, (errors, status) => scheduleForm(p, s, input, body, errors, status));
  });
  orgPage(app, deps, 'GET', '/maintenance/schedules/:id/delete', 'estate:delete', async (req, _reply, p) => {
    const s = await svc.getSchedule(p.ctx, idOf(req));
    return p.render('confirm-delete.njk', { title: `Delete ${s.title}`, thing: 'schedule', name: s.title, action: `${p.base}/maintenance/schedules/${s.id}/delete`, back: `${p.base}/maintenance/schedules/${s.id}` });
  });
  orgPage(app, deps, 'POST', '/maintenance/schedules/:id/delete', 'estate:delete', async (req, _reply, p) => {
    const s = await svc.getSchedule(p.ctx, idOf(req));
    await svc.deleteSchedule(p.ctx, s.id);
    return p.redirect(`${p.base}/maintenance/schedules`, `Schedule “${s.title}” deleted; its visits stay in the log`);
  });

  // Visits
  orgPage(app, deps, 'GET', '/maintenance/visits', 'estate:read', async (req, _reply, p) => {
    const q = queryOf(req);
    let visits: svc.Visit[];
    try { visits = await svc.listVisits(p.ctx, { ...q, limit: 200 }); } catch (e) {
      if (e instanceof AppError && e.status === 422) visits = await svc.listVisits(p.ctx, { limit: 200 }); else throw e;
    }
    const sites = await allSites(p.ctx);
    return p.render('maintenance/views/visits.njk', { title: 'Maintenance visits', visits, q, tags: STATUS_TAGS, words: STATUS_WORDS, canVisit: can(p.ctx.role, 'assets:write'),
      siteItems: [{ value: '', text: 'All sites' }, ...sites.map((s) => ({ value: s.id, text: s.name, selected: s.id === q.site }))] });
  });

  const visitForm = async (p: PageCtx, visit: svc.Visit | null, schedule: svc.Schedule | null, values: Record<string, any>, body: FormBody | null, errors: Record<string, string>, httpStatus: number) => {
    const items: readonly ChecklistItem[] = schedule?.checklist.length ? schedule.checklist : CHECKLIST_ITEMS;
    const target = schedule ? schedule.target : visit ? visit.target : parseTargetChoice(body?.target ?? values.target) ?? { type: 'organisation' as const, id: null };
    const [people, assets] = await Promise.all([svc.engineers(p.ctx), svc.assetsForVisit(p.ctx, target as { type: any; id: string | null })]);
    const engineerId = body ? text(body.engineerUserId) : values.engineerUserId ?? p.ctx.actor.id;
    // Nothing pre-set: an untouched form must not record a completed visit (GOV.UK advises against pre-set radios).
    const visitStatus = body ? text(body.status) : values.status ?? null;
    return p.render('maintenance/views/visit-form.njk', {
      title: visit ? `Visit of ${visit.visitDate}` : schedule ? `Record a visit: ${schedule.title}` : 'Record an ad hoc visit', visit, schedule, errors,
      values: body ? { faults: text(body.faults), notes: text(body.notes), firmware: text(body.firmware), occurrenceDate: text(body.occurrenceDate) } : values,
      checks: checklistView(items, body, values.checklist ?? []), visitDate: dateFields(body, 'visitDate', values.visitDate ?? null),
      statusItems: VISIT_STATUSES.map((s) => ({ value: s, text: s === 'done' ? 'Done' : 'Planned', checked: s === visitStatus })),
      engineerItems: [{ value: '', text: 'Not recorded' }, ...people.map((m) => ({ value: m.id, text: m.name || m.email, selected: m.id === engineerId }))],
      targetItems: schedule || visit ? null : await targetItems(p, body ? text(body.target) ?? 'organisation' : targetChoice(target)),
      assetItems: [{ value: '', text: assets.length ? 'Choose an asset' : 'No assets here' }, ...assets.map((a) => ({ value: a.id, text: `${[a.manufacturer ?? 'Unlabelled', a.model, a.serial ? `(${a.serial})` : null, a.location ? `– ${a.location}` : null].filter(Boolean).join(' ')} · firmware ${a.firmware ?? 'not recorded'}`, selected: a.id === (body ? text(body.assetId) : values.assetId) }))],
      assetStatusItems: assetStatusItems(body ? text(body.assetStatus) : null),
      action: visit ? `${p.base}/maintenance/visits/${visit.id}` : `${p.base}/maintenance/visits`,
    }, httpStatus);
  };
  const scheduleOrNull = async (p: PageCtx, id: string | null) => {
    if (!id) return null;
    try { return await svc.getSchedule(p.ctx, id); } catch (e) { if (e instanceof AppError && e.status === 404) return null; throw e; }
  };

  orgPage(app, deps, 'GET', '/maintenance/visits/new', 'assets:write', async (req, _reply, p) => {
    const q = queryOf(req);
    const schedule = await scheduleOrNull(p, q.schedule ?? null);
    return visitForm(p, null, schedule, { occurrenceDate: q.occurrence ?? null, target: parseTargetChoice(q.target) }, null, {}, 200);
  });
  orgPage(app, deps, 'GET', '/maintenance/visits/:id', 'estate:read', async (req, _reply, p) => {
    const v = await svc.getVisit(p.ctx, idOf(req));
    const docs = await Promise.all(v.documentIds.map((id) => getDocument(p.ctx, id).catch(() => null)));
    const history = await objectHistory(p.ctx, 'maintenance-visit', v.id);
    return p.render('maintenance/views/visit.njk', { title: `Visit of ${v.visitDate}`, v, docs: docs.filter(Boolean), history, labels: CHECKLIST_LABELS, results: RESULT_LABELS, assetStatusLabels: ASSET_STATUS_LABELS, tags: STATUS_TAGS, words: STATUS_WORDS, canVisit: can(p.ctx.role, 'assets:write') });
  });
  orgPage(app, deps, 'GET', '/maintenance/visits/:id/edit', 'assets:write', async (req, _reply, p) => {
    const v = await svc.getVisit(p.ctx, idOf(req));
    const schedule = await scheduleOrNull(p, v.scheduleId);
    return visitForm(p, v, schedule, { ...v, engineerUserId: v.engineer.id }, null, {}, 200);
  });

  // The visit forms take one photo or report, so they live in a scope that accepts multipart.
  app.register(async (scope) => {
    await registerUploads(scope, deps);
    const uploadFrom = (req: FastifyRequest) => {
      const u = uploadOf(req);
      if (u?.tooLarge) throw fileTooLarge(deps.config.storage.maxUploadBytes);
      return u && u.data.length ? { file: { filename: u.filename, data: u.data }, storage: deps.storage } : undefined;
    };
    orgPage(scope, deps, 'POST', '/maintenance/visits', 'assets:write', async (req, _reply, p) => {
      const body = (req.body ?? {}) as FormBody;
      const schedule = await scheduleOrNull(p, text(body.scheduleId));
      const items = schedule?.checklist.length ? schedule.checklist : CHECKLIST_ITEMS;
      const input = visitFromForm(body, items);
      return submitForm(p, async () => {
        const v = await svc.recordVisit(p.ctx, input, uploadFrom(req));
        return { to: `${p.base}/maintenance/visits/${v.id}`, flash: v.status === 'done' ? `Visit recorded${v.nextDueDate ? `; next due ${v.nextDueDate}` : ''}` : 'Visit planned' };
      }, (errors, status) => visitForm(p, null, schedule, {}, body, errors, status));
    });
    orgPage(scope, deps, 'POST', '/maintenance/visits/:id', 'assets:write', async (req, _reply, p) => {
      const v = await svc.getVisit(p.ctx, idOf(req));
      const schedule = await scheduleOrNull(p, v.scheduleId);
      const body = (req.body ?? {}) as FormBody;
      const input = visitFromForm(body, schedule?.checklist.length ? schedule.checklist : CHECKLIST_ITEMS);
      const upload = uploadFrom(req);
      return submitForm(p, async () => {
        const { scheduleId: _s, target: _t, ...changes } = input;
        let saved = await svc.updateVisit(p.ctx, v.id, { ...changes, occurrenceDate: changes.occurrenceDate ?? undefined });
        if (upload) saved = await svc.updateVisit(p.ctx, v.id, { documentIds: [...saved.documentIds, (await svc.storeVisitDocument(p.ctx, saved, upload)).id] });
        return { to: `${p.base}/maintenance/visits/${v.id}`, flash: 'Visit saved' };
      }, (errors, status) => visitForm(p, v, schedule, {}, body, errors, status));
    });
  });

  // Calendar feeds
  const feedsPage = async (p: PageCtx, made: { url: string; label: string } | null, errors: Record<string, string> = {}, status = 200) => p.render('maintenance/views/calendar.njk', {
    title: 'Calendar feeds', feeds: await svc.listFeeds(p.ctx), made, errors, publicUrl: deps.config.publicUrl,
  }, status);
  orgPage(app, deps, 'GET', '/maintenance/calendar', 'estate:read', async (_req, _reply, p) => feedsPage(p, null));
  orgPage(app, deps, 'POST', '/maintenance/calendar', 'estate:read', async (req, _reply, p) => {
    const body = (req.body ?? {}) as FormBody;
    try {
      const { feed, token } = await svc.createFeed(p.ctx, { scope: text(body.scope) ?? '', assignedOnly: text(body.assignedOnly) !== 'all' });
      // Shown this once: only the token's hash is kept.
      return await feedsPage(p, { url: `${deps.config.publicUrl}/calendar/${token}.ics`, label: feed.label });
    } catch (e) {
      if (e instanceof AppError && e.fields) return feedsPage(p, null, e.fields, e.status);
      throw e;
    }
  });
  orgPage(app, deps, 'POST', '/maintenance/calendar/:id/revoke', 'estate:read', async (req, _reply, p) => {
    await svc.revokeFeed(p.ctx, idOf(req));
    return p.redirect(`${p.base}/maintenance/calendar`, 'Calendar feed revoked: its address no longer works');
  });

  // Maintenance log report
  // The period is entered with GOV.UK date inputs (from-day…); `from`/`to` as YYYY-MM-DD still work for links and scripts.
  const reportPage = async (p: PageCtx, q: Record<string, string | undefined>, errors: Record<string, string>, status: number) => {
    const [sites, systems] = await Promise.all([allSites(p.ctx), allSystems(p.ctx)]);
    const today = svc.londonToday();
    const typed = (name: string) => q[`${name}-day`] !== undefined || q[`${name}-month`] !== undefined || q[`${name}-year`] !== undefined;
    const field = (name: 'from' | 'to', fallback: string) => (typed(name) ? dateFields(q, name, null) : dateFields(null, name, q[name] ?? fallback));
    return p.render('maintenance/views/report.njk', {
      title: 'Maintenance log report', errors,
      from: field('from', `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`), to: field('to', today),
      scopeItems: [{ value: '', text: `The whole organisation` }, ...sites.map((s) => ({ value: `site:${s.id}`, text: `Site: ${s.name}`, selected: q.scope === `site:${s.id}` })), ...systems.map((s) => ({ value: `system:${s.id}`, text: `System: ${s.name}`, selected: q.scope === `system:${s.id}` }))],
    }, status);
  };
  orgPage(app, deps, 'GET', '/maintenance/report', 'estate:read', async (req, _reply, p) => reportPage(p, queryOf(req), {}, 200));
  const reportQueryOf = (req: FastifyRequest) => {
    const q = queryOf(req);
    const scope = parseTargetChoice(q.scope);
    return { from: q.from ?? dateParts(q, 'from') ?? '', to: q.to ?? dateParts(q, 'to') ?? '', ...(scope?.type === 'site' ? { site: scope.id } : scope?.type === 'system' ? { system: scope.id } : {}), ...(q.site ? { site: q.site } : {}), ...(q.system ? { system: q.system } : {}) };
  };
  const sendReport = async (req: FastifyRequest, reply: FastifyReply, p: PageCtx, kind: 'csv' | 'pdf') => {
    let log: Awaited<ReturnType<typeof maintenanceLog>>;
    try { log = await maintenanceLog(p.ctx, reportQueryOf(req)); } catch (e) {
      // A bad period comes back to the form, inside the organisation's pages, naming the date to fix.
      if (e instanceof AppError && e.status === 422 && e.fields) {
        // Dates typed in the date inputs get messages in the same day-month-year form as the hint.
        const q = queryOf(req);
        const fields = { ...e.fields };
        for (const [name, label, example] of [['from', 'From', '1 4 2026'], ['to', 'To', '31 3 2027']] as const) {
          if (fields[name] && !q[name] && /must be a date/.test(fields[name])) fields[name] = q[`${name}-day`] || q[`${name}-month`] || q[`${name}-year`] ? `${label} must be a real date, for example ${example}` : `Enter the ${label.toLowerCase()} date`;
        }
        return reportPage(p, q, fields, 422);
      }
      throw e;
    }
    const name = `maintenance-log-${log.from}-to-${log.to}.${kind}`;
    reply.header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store');
    return kind === 'csv' ? reply.type('text/csv; charset=utf-8').send(maintenanceLogCsv(log)) : reply.type('application/pdf').send(await maintenanceLogPdf(log));
  };
  orgPage(app, deps, 'GET', '/maintenance/report.csv', 'estate:read', async (req, reply, p) => sendReport(req, reply, p, 'csv'));
  orgPage(app, deps, 'GET', '/maintenance/report.pdf', 'estate:read', async (req, reply, p) => sendReport(req, reply, p, 'pdf'));
}
