import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { AppError, notFound, parseInput, ValidationError } from '../../platform/errors';
import {
  ACTION_STATUS_LABELS, ACTION_STATUSES, ANSWER_LABELS, CLOSED_ANSWERS, DEFAULT_PUBLISH, EVIDENCE_KIND_LABELS, EVIDENCE_KINDS, PRINCIPLES, PUBLISH_FIELDS,
  RAG_RULE, RATING_LABELS, type PublishSettings,
} from '../../domain/compliance';
import { apiRoute, jsonBody, orgPage, submitForm, type AppDeps, type RouteRequest, type PageCtx } from '../../web/http';
import { dateFields, dateParts, list, text, type FormBody } from '../../web/forms';
import { listDocuments } from '../documents/service';
import { listVisits } from '../maintenance/service';
import { allSites } from '../sites/service';
import { evidenceHref, visitLabel } from './evidence';
import { publicHtml, publicPdf } from './publish';
import * as repo from './repo';
import { actionInput, actionPatch, answersInput, evidenceInput, publishInput, scopeInput, versionQuery } from './schemas';
import * as svc from './service';

// --- API shapes -------------------------------------------------------------------------------------------------

const rating = z.enum(['red', 'amber', 'green', 'na']);
const closedAnswer = z.enum(CLOSED_ANSWERS).nullable();
const derivedOut = z.object({ answer: closedAnswer, says: z.string(), data: z.record(z.string(), z.unknown()) });
const actionOut = z.object({ id: z.string(), title: z.string(), ownerId: z.string().nullable(), ownerName: z.string().nullable(), dueDate: z.string(), status: z.enum(ACTION_STATUSES) });
const documentOut = z.object({
  systemId: z.string(), systemName: z.string(), version: z.number(),
  scope: z.object({ sites: z.array(z.object({ id: z.string(), name: z.string() })), assets: z.array(z.object({ id: z.string(), label: z.string() })), purposes: z.array(z.string()) }),
  annualReviewDate: z.string().nullable(),
  principles: z.array(z.object({
    number: z.number(), title: z.string(), rating,
    answers: z.array(z.object({ questionId: z.string(), kind: z.enum(['closed', 'open']), text: z.string(), headline: z.boolean(), answer: closedAnswer, openText: z.string().nullable(), note: z.string().nullable(), derived: derivedOut.nullable() })),
    evidence: z.array(z.object({ id: z.string(), kind: z.enum(EVIDENCE_KINDS), refId: z.string(), label: z.string(), verified: z.boolean() })),
    actions: z.array(actionOut),
  })),
  completedAt: z.string().nullable(), completedBy: z.string().nullable(),
});
const summaryOut = z.object({ id: z.string(), version: z.number(), status: z.enum(['draft', 'completed']), startedAt: z.string(), startedBy: z.string(), completedAt: z.string().nullable(), completedBy: z.string().nullable(), published: z.boolean() });
const settingsOut = z.object(Object.fromEntries(PUBLISH_FIELDS.map((f) => [f.key, z.boolean()])) as Record<keyof PublishSettings, z.ZodBoolean>);
const publicationOut = z.object({ live: z.boolean(), url: z.string(), settings: settingsOut, publishedAt: z.string().nullable(), publishedBy: z.string().nullable(), revokedAt: z.string().nullable() });
const assessmentOut = z.object({
  summary: summaryOut, document: documentOut, liveActions: z.array(actionOut.extend({ principle: z.number() })).nullable(), previousVersion: z.number().nullable(),
  changes: z.array(z.object({ questionId: z.string(), principle: z.number(), change: z.enum(['new', 'changed', 'same']), before: z.object({ answer: closedAnswer, openText: z.string().nullable(), note: z.string().nullable() }).nullable() })),
  publication: publicationOut.nullable(),
});
const publicViewOut = z.object({
  organisation: z.string(), systemName: z.string(), version: z.number(), completedOn: z.string().nullable(),
  scope: z.object({ sites: z.array(z.string()), cameras: z.number(), purposes: z.array(z.string()) }).optional(),
  principles: z.array(z.object({
    number: z.number(), title: z.string(), statement: z.string(), rating: rating.optional(),
    answers: z.array(z.object({ text: z.string(), kind: z.enum(['closed', 'open']), answer: z.string().nullable().optional(), openText: z.string().nullable().optional(), note: z.string().nullable().optional(), says: z.string().optional() })),
    evidence: z.array(z.object({ kind: z.string(), label: z.string() })).optional(),
    actions: z.array(z.object({ title: z.string(), dueDate: z.string(), status: z.string(), owner: z.string().nullable().optional() })).optional(),
  })),
});

const TAG = 'Self-assessment';
const RAG_TAGS: Record<string, string> = { red: 'govuk-tag--red', amber: 'govuk-tag--yellow', green: 'govuk-tag--green', na: 'govuk-tag--grey' };
const WRITE = 'estate:write' as const;
const sid = (req: RouteRequest<'/:id'>) => req.params.id;
const param = (req: FastifyRequest, name: string) => String((req.params as Record<string, string>)[name] ?? '');

export function registerComplianceRoutes(app: FastifyInstance, deps: AppDeps): void {
  const publicUrl = (path: string) => `${deps.config.publicUrl.replace(/\/$/, '')}${path}`;
  const withUrl = <T extends svc.AssessmentState | null>(s: T) => (s ? { ...s, system: undefined, publication: s.publication ? apiPublication(s.publication) : null } : s);
  const apiPublication = (p: svc.PublicationState) => ({ live: p.live, url: publicUrl(p.path), settings: p.settings, publishedAt: p.publishedAt, publishedBy: p.publishedBy, revokedAt: p.revokedAt });
  const state = (s: svc.AssessmentState) => withUrl(s);

  // --- API ------------------------------------------------------------------------------------------------------
  apiRoute(app, deps, 'GET', '/systems/:id/assessments', { summary: 'List the versions of a system’s self-assessment, newest first', tag: TAG, response: z.object({ items: z.array(summaryOut) }) },
    async (req, ctx) => ({ items: (await svc.listAssessments(ctx, sid(req))).items }));
  apiRoute(app, deps, 'POST', '/systems/:id/assessments', { summary: 'Start the next self-assessment (from the last completed one, if any)', tag: TAG, status: 201, response: assessmentOut, permission: WRITE,
    description: 'Refused with 409 while a draft is in progress.' },
  async (req, ctx) => state(await svc.startAssessment(ctx, sid(req))));
  apiRoute(app, deps, 'GET', '/systems/:id/assessment', { summary: 'The system’s self-assessment: the draft in progress (derived answers refreshed now) or the latest version, or the version asked for', tag: TAG, query: versionQuery,
    response: z.object({ assessment: assessmentOut.nullable() }) },
  async (req, ctx) => ({ assessment: withUrl(await svc.getAssessment(ctx, sid(req), parseInput(versionQuery, req.query).version)) }));
  apiRoute(app, deps, 'PATCH', '/systems/:id/assessment/scope', { summary: 'Set the scope of the draft: sites, cameras, purposes and the last annual review date', tag: TAG, body: scopeInput, response: assessmentOut, permission: WRITE },
    async (req, ctx) => state(await svc.saveScope(ctx, sid(req), jsonBody(req))));
  apiRoute(app, deps, 'PATCH', '/systems/:id/assessment/answers', { summary: 'Answer questions of one principle in the draft', tag: TAG, body: answersInput, response: assessmentOut, permission: WRITE },
    async (req, ctx) => state(await svc.saveAnswers(ctx, sid(req), jsonBody(req))));
  apiRoute(app, deps, 'POST', '/systems/:id/assessment/evidence', { summary: 'Link evidence (a document, device, site, finding or maintenance record) to a principle of the draft', tag: TAG, status: 201, body: evidenceInput, permission: WRITE,
    response: z.object({ id: z.string(), principle: z.number(), kind: z.enum(EVIDENCE_KINDS), refId: z.string(), label: z.string(), verified: z.boolean() }) },
  async (req, ctx) => svc.addEvidence(ctx, sid(req), jsonBody(req)));
  apiRoute(app, deps, 'DELETE', '/systems/:id/assessment/evidence/:evidenceId', { summary: 'Remove an evidence link from the draft', tag: TAG, permission: WRITE },
    async (req, ctx) => { await svc.removeEvidence(ctx, sid(req), param(req, 'evidenceId')); });
  apiRoute(app, deps, 'POST', '/systems/:id/assessment/actions', { summary: 'Add an action to a principle’s action plan', tag: TAG, status: 201, body: actionInput, permission: WRITE, response: actionOut.extend({ principle: z.number() }).omit({ ownerName: true }) },
    async (req, ctx) => svc.addAction(ctx, sid(req), jsonBody(req)));
  apiRoute(app, deps, 'PATCH', '/systems/:id/assessment/actions/:actionId', { summary: 'Change an action (only the fields sent), e.g. its status', tag: TAG, body: actionPatch, permission: WRITE, response: actionOut.extend({ principle: z.number() }).omit({ ownerName: true }) },
    async (req, ctx) => svc.updateAction(ctx, sid(req), param(req, 'actionId'), jsonBody(req)));
  apiRoute(app, deps, 'POST', '/systems/:id/assessment/complete', { summary: 'Complete the draft: freezes it as a version (who, when, every answer)', tag: TAG, response: assessmentOut, permission: WRITE,
    description: 'Refused with 422, naming each question, while any question is unanswered.' },
  async (req, ctx) => state(await svc.completeAssessment(ctx, sid(req))));
  apiRoute(app, deps, 'POST', '/systems/:id/assessment/publication', { summary: 'Choose what to publish for a completed version and make its public link live', tag: TAG, body: publishInput, permission: WRITE,
    response: publicationOut.extend({ version: z.number() }) },
  async (req, ctx) => { const p = await svc.publishAssessment(ctx, sid(req), jsonBody(req)); return { ...apiPublication(p), version: p.version }; });
  apiRoute(app, deps, 'DELETE', '/systems/:id/assessment/publication', { summary: 'Take a version’s public page down', tag: TAG, query: versionQuery, permission: WRITE },
    async (req, ctx) => { await svc.revokePublication(ctx, sid(req), parseInput(versionQuery, req.query).version); });
  apiRoute(app, deps, 'GET', '/systems/:id/assessment/published', { summary: 'What the public page of a completed version shows (the latest completed if no version is given)', tag: TAG, query: versionQuery,
    response: z.object({ version: z.number().nullable(), publication: publicationOut.nullable(), page: publicViewOut.nullable() }) },
  async (req, ctx) => {
    const version = parseInput(versionQuery, req.query).version;
    try {
      const r = await svc.publishedView(ctx, sid(req), version);
      return { version: r.version, publication: r.publication ? apiPublication(r.publication) : null, page: r.publication?.live ? r.view : null };
    } catch (e) {
      // Nothing completed yet is an answer, not an error; an unknown version or system still is.
      if (e instanceof AppError && e.code === 'not_completed' && version === undefined) return { version: null, publication: null, page: null };
      throw e;
    }
  });

  // --- Public page (no sign-in) -------------------------------------------------------------------------------------
  app.get('/p/self-assessment/:token', async (req, reply) => {
    const token = param(req, 'token');
    const pdf = token.endsWith('.pdf');
    const view = await svc.publicPageByToken(deps.db, pdf ? token.slice(0, -4) : token);
    if (!view) throw new AppError(404, 'not_found', 'This page does not exist or is no longer published');
    reply.header('cache-control', 'no-store').header('x-robots-tag', 'noarchive');
    if (pdf) return reply.type('application/pdf').header('content-disposition', `inline; filename="self-assessment-v${view.version}.pdf"`).send(await publicPdf(view));
    return reply.type('text/html; charset=utf-8').send(publicHtml(deps.views, view, { pdfHref: `/p/self-assessment/${token}.pdf` }));
  });

  // --- Pages ----------------------------------------------------------------------------------------------------------
  const sysBase = (p: PageCtx, id: string) => `${p.base}/compliance/systems/${id}`;

  orgPage(app, deps, 'GET', '/compliance', 'estate:read', async (_req, _reply, p) => {
    const dash = await svc.complianceDashboard(p.ctx);
    return p.render('compliance/views/dashboard.njk', { title: 'Compliance', dash, ratingLabels: RATING_LABELS, today: new Date().toISOString().slice(0, 10) });
  });

  orgPage(app, deps, 'GET', '/compliance/systems/:id', 'estate:read', async (req, _reply, p) => {
    const { system, items } = await svc.listAssessments(p.ctx, sid(req));
    const current = await svc.getAssessment(p.ctx, system.id);
    const here = sysBase(p, system.id);
    const canWrite = can(p.ctx.role, 'estate:write');
    const missing = current && current.summary.status === 'draft' ? svc.unanswered(current.document).length : 0;
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    const tasks = current && current.summary.status === 'draft' ? [
      { title: { text: 'Scope: sites, cameras and purposes' }, href: canWrite ? `${here}/scope` : undefined, status: { text: `${plural(current.document.scope.purposes.length, 'purpose')}, ${plural(current.document.scope.assets.length, 'camera')}` } },
      ...current.document.principles.map((pr) => ({ title: { text: `Principle ${pr.number}: ${pr.title}` }, href: canWrite ? `${here}/principles/${pr.number}` : undefined,
        status: { tag: { text: RATING_LABELS[pr.rating], classes: RAG_TAGS[pr.rating] } } })),
      { title: { text: 'Action plan' }, href: `${here}/actions`, status: { text: plural(current.document.principles.reduce((n, pr) => n + pr.actions.length, 0), 'action') } },
      { title: { text: 'Check and complete' }, href: canWrite ? `${here}/complete` : undefined, status: { text: missing ? `${plural(missing, 'question')} to answer` : 'Ready' } },
    ] : [];
    return p.render('compliance/views/system.njk', { tasks,
      title: `Self-assessment: ${system.name}`, system, items, current, here, ragRule: RAG_RULE, canWrite, missing,
    });
  });

  orgPage(app, deps, 'POST', '/compliance/systems/:id/start', 'estate:write', async (req, _reply, p) => {
    const s = await svc.startAssessment(p.ctx, sid(req));
    return p.redirect(`${sysBase(p, s.system.id)}/scope`, `Version ${s.summary.version} started${s.previousVersion ? ` from version ${s.previousVersion}` : ''}`);
  });

  // Scope
  const scopeForm = async (p: PageCtx, s: svc.AssessmentState, values: { siteIds: string[]; assetIds: string[]; purposes: string; review: { day: string; month: string; year: string } }, errors: Record<string, string>, status = 200) => {
    const [sites, assets] = await Promise.all([
      allSites(p.ctx),
      repo.systemAssets(p.ctx.db, p.ctx.orgId, s.system.id),
    ]);
    return p.render('compliance/views/scope.njk', {
      title: `Scope – ${s.system.name}`, s, here: sysBase(p, s.system.id), values, errors,
      siteItems: sites.map((x) => ({ value: x.id, text: x.name, checked: values.siteIds.includes(x.id) })),
      assetItems: assets.map((a) => ({ value: a.id, text: [a.kind, a.manufacturer, a.model, a.serial ? `(serial ${a.serial})` : null].filter(Boolean).join(' '), checked: values.assetIds.includes(a.id) })),
    }, status);
  };
  const draftState = async (p: PageCtx, id: string) => {
    const s = await svc.getAssessment(p.ctx, id);
    if (!s || s.summary.status !== 'draft') throw new AppError(409, 'no_draft', 'There is no self-assessment in progress for this system: start one first');
    return s;
  };
  orgPage(app, deps, 'GET', '/compliance/systems/:id/scope', 'estate:write', async (req, _reply, p) => {
    const s = await draftState(p, sid(req));
    const d = s.document;
    return scopeForm(p, s, { siteIds: d.scope.sites.map((x) => x.id), assetIds: d.scope.assets.map((x) => x.id), purposes: d.scope.purposes.join('\n'), review: dateFields(null, 'annualReviewDate', d.annualReviewDate) }, {});
  });
  orgPage(app, deps, 'POST', '/compliance/systems/:id/scope', 'estate:write', async (req, _reply, p) => {
    const s = await draftState(p, sid(req));
    const body = req.body as FormBody;
    const purposes = (text(body.purposes) ?? '').split(/\r?\n/).map((x) => x.trim()).filter(Boolean);
    const input = { siteIds: list(body.siteIds), assetIds: list(body.assetIds), purposes, annualReviewDate: dateParts(body, 'annualReviewDate') };
    return submitForm(p, async () => {
      await svc.saveScope(p.ctx, s.system.id, input);
      return { to: `${sysBase(p, s.system.id)}/principles/1`, flash: 'Scope saved' };
    }, (errors, status) => scopeForm(p, s, { siteIds: input.siteIds, assetIds: input.assetIds, purposes: text(body.purposes) ?? '', review: dateFields(body, 'annualReviewDate', null) },
      Object.fromEntries(Object.entries(errors).map(([k, v]) => [k.split('.')[0], v])), status));
  });

  // One principle: questions, evidence, actions
  const principleNumber = (req: FastifyRequest) => {
    const n = Number(param(req, 'n'));
    if (!Number.isInteger(n) || n < 1 || n > 12) throw notFound('Principle');
    return n;
  };
  const htmlId = (qid: string) => `q-${qid.replace(/\./g, '-')}`;
  const principlePage = async (p: PageCtx, s: svc.AssessmentState, n: number, values: Record<string, string>, errors: Record<string, string>, status = 200, due = dateFields(null, 'dueDate', null)) => {
    const principle = PRINCIPLES[n - 1];
    const view = s.document.principles[n - 1];
    const changes = new Map(s.changes.map((c) => [c.questionId, c]));
    const [members, evidenceChoices] = await Promise.all([svc.members(p.ctx), evidenceOptions(p, s)]);
    return p.render('compliance/views/principle.njk', {
      title: `Principle ${n}: ${principle.title} – ${s.system.name}`, s, here: sysBase(p, s.system.id), principle, view, n, values, errors,
      questions: principle.questions.map((q) => ({ q, a: view.answers.find((a) => a.questionId === q.id)!, id: htmlId(q.id), change: changes.get(q.id) })),
      answerItems: CLOSED_ANSWERS.map((v) => ({ value: v, text: ANSWER_LABELS[v] })), answerLabels: ANSWER_LABELS, ratingLabels: RATING_LABELS, ragRule: RAG_RULE,
      evidenceChoices, evidenceLabels: EVIDENCE_KIND_LABELS, evidenceHref: (k: any, id: string) => evidenceHref(p.base, k, id),
      ownerItems: [{ value: '', text: 'Choose an owner' }, ...members.map((m) => ({ value: m.id, text: `${m.name} (${m.email})`, selected: values.ownerId === m.id }))],
      statusLabels: ACTION_STATUS_LABELS, due, previousVersion: s.previousVersion,
      next: n < 12 ? `${sysBase(p, s.system.id)}/principles/${n + 1}` : `${sysBase(p, s.system.id)}/actions`,
    }, status);
  };
  /** The records a person can pick as evidence: documents, the system's devices, sites, and findings on the devices. */
  async function evidenceOptions(p: PageCtx, s: svc.AssessmentState) {
    const [docs, visits, assets, sites, findings] = await Promise.all([
      listDocuments(p.ctx, { limit: 200 }).then((r) => r.items),
      listVisits(p.ctx, { system: s.system.id, limit: 100 }),
      repo.systemAssets(p.ctx.db, p.ctx.orgId, s.system.id),
      allSites(p.ctx),
      repo.systemFindings(p.ctx.db, p.ctx.orgId, s.system.id),
    ]);
    return [
      { label: 'Documents', items: docs.map((d) => ({ value: `document:${d.id}`, text: d.title })) },
      { label: 'Devices in this system', items: assets.map((a) => ({ value: `asset:${a.id}`, text: [a.kind, a.manufacturer, a.model, a.serial ? `(serial ${a.serial})` : null].filter(Boolean).join(' ') })) },
      { label: 'Maintenance visits to this system', items: visits.map((v) => ({ value: `maintenance:${v.id}`, text: visitLabel(v) })) },
      { label: 'Sites', items: sites.map((x) => ({ value: `site:${x.id}`, text: x.name })) },
      { label: 'Findings on this system', items: findings.map((f) => ({ value: `finding:${f.id}`, text: `${f.title} (${f.status})` })) },
    ].filter((g) => g.items.length);
  }

  orgPage(app, deps, 'GET', '/compliance/systems/:id/principles/:n', 'estate:write', async (req, _reply, p) => {
    const s = await draftState(p, sid(req));
    return principlePage(p, s, principleNumber(req), {}, {});
  });
  orgPage(app, deps, 'POST', '/compliance/systems/:id/principles/:n', 'estate:write', async (req, _reply, p) => {
    const s = await draftState(p, sid(req));
    const n = principleNumber(req);
    const body = req.body as FormBody;
    const answers = PRINCIPLES[n - 1].questions.map((q) => ({
      questionId: q.id,
      answer: q.kind === 'closed' && !q.derived ? text(body[`${htmlId(q.id)}-answer`]) : null,
      text: q.kind === 'open' ? text(body[`${htmlId(q.id)}-text`]) : null,
      note: text(body[`${htmlId(q.id)}-note`]),
    }));
    // One form holds the answers, the evidence picker and the new action: whichever button is pressed, the answers
    // typed so far are saved first, so none is lost by linking evidence or adding an action.
    const pressed = text(body.action);
    const removeId = text(body.removeEvidence);
    const here = `${sysBase(p, s.system.id)}/principles/${n}`;
    return submitForm(p, async () => {
      await svc.saveAnswers(p.ctx, s.system.id, { principle: n, answers });
      if (removeId) {
        const ev = s.document.principles[n - 1].evidence.find((e) => e.id === removeId);
        if (!ev) throw notFound('Evidence link');
        await svc.removeEvidence(p.ctx, s.system.id, removeId);
        return { to: `${here}#evidence`, flash: `Answers saved; removed “${ev.label}”` };
      }
      if (pressed === 'link-evidence') {
        const [kind, refId] = (text(body.evidence) ?? '').split(':');
        try {
          const e = await svc.addEvidence(p.ctx, s.system.id, { principle: n, kind: kind || undefined, refId: refId || undefined });
          return { to: `${here}#evidence`, flash: `Answers saved; linked “${e.label}” as evidence` };
        } catch (e) {
          if (e instanceof AppError && e.fields) throw new ValidationError({ evidence: e.fields.refId ?? e.fields.kind ?? Object.values(e.fields)[0] });
          throw e;
        }
      }
      if (pressed === 'add-action') {
        const a = await svc.addAction(p.ctx, s.system.id, { principle: n, title: text(body.title) ?? '', ownerId: text(body.ownerId) ?? undefined, dueDate: dateParts(body, 'dueDate') ?? undefined });
        return { to: `${here}#actions`, flash: `Answers saved; action “${a.title}” added` };
      }
      return { to: n < 12 ? `${sysBase(p, s.system.id)}/principles/${n + 1}` : `${sysBase(p, s.system.id)}/actions`, flash: `Principle ${n} saved` };
    }, (errors, status) => {
      // answers.3.note -> the field of question 3's note
      const fields: Record<string, string> = {};
      for (const [k, v] of Object.entries(errors)) {
        const m = /^answers\.(\d+)\.(\w+)$/.exec(k);
        fields[m ? `${htmlId(answers[Number(m[1])].questionId)}-${m[2] === 'answer' ? 'answer' : m[2]}` : k] = v;
      }
      const values = Object.fromEntries(Object.entries(body).filter(([k]) => k.startsWith('q-') || ['evidence', 'title', 'ownerId'].includes(k)).map(([k, v]) => [k, String(v)]));
      return principlePage(p, s, n, values, fields, status, dateFields(body, 'dueDate', null));
    });
  });

  orgPage(app, deps, 'POST', '/compliance/systems/:id/principles/:n/evidence', 'estate:write', async (req, _reply, p) => {
    const s = await draftState(p, sid(req));
    const n = principleNumber(req);
    const pick = text((req.body as FormBody).evidence) ?? '';
    const [kind, refId] = pick.split(':');
    return submitForm(p, async () => {
      const e = await svc.addEvidence(p.ctx, s.system.id, { principle: n, kind: kind || undefined, refId: refId || undefined });
      return { to: `${sysBase(p, s.system.id)}/principles/${n}#evidence`, flash: `Linked “${e.label}” as evidence` };
    }, (errors, status) => principlePage(p, s, n, {}, { evidence: errors.refId ?? errors.kind ?? Object.values(errors)[0] }, status));
  });
  orgPage(app, deps, 'POST', '/compliance/systems/:id/evidence/:evidenceId/delete', 'estate:write', async (req, _reply, p) => {
    const s = await draftState(p, sid(req));
    const eid = param(req, 'evidenceId');
    const ev = s.document.principles.flatMap((x) => x.evidence.map((e) => ({ ...e, principle: x.number }))).find((e) => e.id === eid);
    if (!ev) throw notFound('Evidence link');
    await svc.removeEvidence(p.ctx, s.system.id, eid);
    return p.redirect(`${sysBase(p, s.system.id)}/principles/${ev.principle}#evidence`, `Removed “${ev.label}”`);
  });

  // Action plan
  const actionsPage = async (p: PageCtx, id: string, errors: Record<string, string> = {}, values: Record<string, string> = {}, status = 200) => {
    const s = await svc.getAssessment(p.ctx, id);
    if (!s) throw new AppError(409, 'no_assessment', 'Start the self-assessment first');
    const actions = s.liveActions ?? s.document.principles.flatMap((x) => x.actions.map((a) => ({ ...a, principle: x.number })));
    const members = await svc.members(p.ctx);
    return p.render('compliance/views/actions.njk', {
      title: `Action plan – ${s.system.name}`, s, here: sysBase(p, s.system.id), principles: PRINCIPLES, errors, values,
      groups: PRINCIPLES.map((pr) => ({ principle: pr, actions: actions.filter((a) => a.principle === pr.number) })),
      statusItems: ACTION_STATUSES.map((v) => ({ value: v, text: ACTION_STATUS_LABELS[v] })), statusLabels: ACTION_STATUS_LABELS,
      principleItems: [{ value: '', text: 'Choose a principle' }, ...PRINCIPLES.map((pr) => ({ value: String(pr.number), text: `${pr.number}. ${pr.title}`, selected: values.principle === String(pr.number) }))],
      ownerItems: [{ value: '', text: 'Choose an owner' }, ...members.map((m) => ({ value: m.id, text: `${m.name} (${m.email})`, selected: values.ownerId === m.id }))],
      due: values.due ? JSON.parse(values.due) : dateFields(null, 'dueDate', null), today: new Date().toISOString().slice(0, 10),
      canWrite: can(p.ctx.role, 'estate:write'),
    }, status);
  };
  orgPage(app, deps, 'GET', '/compliance/systems/:id/actions', 'estate:read', async (req, _reply, p) => actionsPage(p, (await svc.listAssessments(p.ctx, sid(req))).system.id));
  orgPage(app, deps, 'POST', '/compliance/systems/:id/actions', 'estate:write', async (req, _reply, p) => {
    const { system } = await svc.listAssessments(p.ctx, sid(req));
    const body = req.body as FormBody;
    const principle = Number(text(body.principle));
    const input = { principle: Number.isInteger(principle) && principle > 0 ? principle : undefined, title: text(body.title) ?? '', ownerId: text(body.ownerId) ?? undefined, dueDate: dateParts(body, 'dueDate') ?? undefined };
    const back = text(body.back);
    return submitForm(p, async () => {
      const a = await svc.addAction(p.ctx, system.id, input);
      const to = back === 'principle' ? `${sysBase(p, system.id)}/principles/${a.principle}#actions` : `${sysBase(p, system.id)}/actions`;
      return { to, flash: `Action “${a.title}” added` };
    }, (errors, status) => actionsPage(p, system.id, errors, { principle: text(body.principle) ?? '', title: text(body.title) ?? '', ownerId: text(body.ownerId) ?? '', due: JSON.stringify(dateFields(body, 'dueDate', null)) }, status));
  });
  orgPage(app, deps, 'POST', '/compliance/systems/:id/actions/:actionId', 'estate:write', async (req, _reply, p) => {
    const { system } = await svc.listAssessments(p.ctx, sid(req));
    const status = text((req.body as FormBody).status);
    const a = await svc.updateAction(p.ctx, system.id, param(req, 'actionId'), { status: status ?? undefined });
    return p.redirect(`${sysBase(p, system.id)}/actions`, `“${a.title}” is now ${ACTION_STATUS_LABELS[a.status].toLowerCase()}`);
  });

  // Check and complete
  const completePage = async (p: PageCtx, id: string, errors: Record<string, string> = {}, status = 200) => {
    const s = await draftState(p, id);
    const missing = svc.unanswered(s.document);
    return p.render('compliance/views/complete.njk', {
      title: `Check and complete – ${s.system.name}`, s, here: sysBase(p, s.system.id), missing, ratingLabels: RATING_LABELS, ragRule: RAG_RULE,
      changed: s.changes.filter((c) => c.change === 'changed').length, errors: Object.keys(errors).length ? { complete: `${missing.length} question${missing.length === 1 ? ' is' : 's are'} not answered yet` } : {},
    }, status);
  };
  orgPage(app, deps, 'GET', '/compliance/systems/:id/complete', 'estate:write', async (req, _reply, p) => completePage(p, sid(req)));
  orgPage(app, deps, 'POST', '/compliance/systems/:id/complete', 'estate:write', async (req, _reply, p) => {
    const id = sid(req);
    return submitForm(p, async () => {
      const s = await svc.completeAssessment(p.ctx, id);
      return { to: `${sysBase(p, s.system.id)}/versions/${s.summary.version}/publish`, flash: `Self-assessment version ${s.summary.version} complete` };
    }, (errors, status) => completePage(p, id, errors, status));
  });

  // Versions and publishing
  const versionOf = (req: FastifyRequest) => {
    const v = Number(param(req, 'version'));
    if (!Number.isInteger(v) || v < 1) throw notFound('Version');
    return v;
  };
  orgPage(app, deps, 'GET', '/compliance/systems/:id/versions/:version', 'estate:read', async (req, _reply, p) => {
    const { system } = await svc.listAssessments(p.ctx, sid(req));
    const s = (await svc.getAssessment(p.ctx, system.id, versionOf(req)))!;
    return p.render('compliance/views/version.njk', {
      title: `Version ${s.summary.version} – ${system.name}`, s, here: sysBase(p, system.id), ratingLabels: RATING_LABELS, ragRule: RAG_RULE, answerLabels: ANSWER_LABELS,
      changes: new Map(s.changes.map((c) => [c.questionId, c])), statusLabels: ACTION_STATUS_LABELS, evidenceLabels: EVIDENCE_KIND_LABELS,
      evidenceHref: (k: any, id: string) => evidenceHref(p.base, k, id), publicUrl: s.publication?.live ? publicUrl(s.publication.path) : null, canWrite: can(p.ctx.role, 'estate:write'),
    });
  });
  const publishPage = async (p: PageCtx, systemId: string, version: number, status = 200) => {
    const s = (await svc.getAssessment(p.ctx, systemId, version))!;
    if (s.summary.status !== 'completed') throw new AppError(409, 'not_completed', 'Complete this version before publishing it');
    const settings = s.publication?.settings ?? (await svc.publishedView(p.ctx, systemId, version)).publication?.settings;
    const chosen = { ...DEFAULT_PUBLISH, ...settings };
    return p.render('compliance/views/publish.njk', {
      title: `Publish version ${version} – ${s.system.name}`, s, here: sysBase(p, systemId), version,
      fieldItems: PUBLISH_FIELDS.map((f) => ({ value: f.key, text: f.label, hint: { text: f.hint }, checked: chosen[f.key] })),
      publicUrl: s.publication?.live ? publicUrl(s.publication.path) : null,
    }, status);
  };
  orgPage(app, deps, 'GET', '/compliance/systems/:id/versions/:version/publish', 'estate:write', async (req, _reply, p) => {
    const { system } = await svc.listAssessments(p.ctx, sid(req));
    return publishPage(p, system.id, versionOf(req));
  });
  orgPage(app, deps, 'POST', '/compliance/systems/:id/versions/:version/publish', 'estate:write', async (req, _reply, p) => {
    const { system } = await svc.listAssessments(p.ctx, sid(req));
    const version = versionOf(req);
    const chosen = new Set(list((req.body as FormBody).fields));
    const settings = Object.fromEntries(PUBLISH_FIELDS.map((f) => [f.key, chosen.has(f.key)]));
    await svc.publishAssessment(p.ctx, system.id, { version, settings });
    return p.redirect(`${sysBase(p, system.id)}/versions/${version}/publish`, 'Published: the public page shows only what you chose');
  });
  orgPage(app, deps, 'POST', '/compliance/systems/:id/versions/:version/revoke', 'estate:write', async (req, _reply, p) => {
    const { system } = await svc.listAssessments(p.ctx, sid(req));
    const version = versionOf(req);
    await svc.revokePublication(p.ctx, system.id, version);
    return p.redirect(`${sysBase(p, system.id)}/versions/${version}/publish`, 'The public page has been taken down; its link no longer works');
  });
  orgPage(app, deps, 'GET', '/compliance/systems/:id/versions/:version/self-assessment.pdf', 'estate:read', async (req, reply, p) => {
    const { system } = await svc.listAssessments(p.ctx, sid(req));
    const r = await svc.publishedView(p.ctx, system.id, versionOf(req));
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="self-assessment-v${r.version}.pdf"`).header('cache-control', 'no-store').send(await publicPdf(r.view));
  });
}
