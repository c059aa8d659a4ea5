import type { Kysely } from 'kysely';
import { requirePermission, type OrgContext } from '../../platform/context';
import { AppError, notFound, parseInput, parsePatch, ValidationError } from '../../platform/errors';
import { newId, newSecret, nowIso } from '../../platform/ids';
import type { DB } from '../../platform/schema';
import { auditedChange } from '../audit/write';
import {
  addMonths, buildPrinciples, DEFAULT_PUBLISH, deriveAnnualReview, deriveRetention, deriveSecurity, diffAssessments, PRINCIPLES, publicView,
  type ActionStatus, type ActionView, type AssessmentDocument, type ClosedAnswer, type Derived, type DerivedSource, type EvidenceKind, type PublishSettings,
  type PublicView, type QuestionChange, type StoredAnswer,
} from '../../domain/compliance';
import { allSystems, getSystem } from '../systems/service';
import { siteIdsIn, siteNamesOf } from '../sites/service';
import { organisationName } from '../organisations/service';
import type { System } from '../systems/schemas';
import { deviceLabel, resolveEvidence } from './evidence';
import * as repo from './repo';
import { actionInput, actionPatch, answersInput, evidenceInput, publishInput, scopeInput } from './schemas';
import type { ComplianceAssessmentsTable } from '../../platform/tables/compliance';

const today = () => new Date().toISOString().slice(0, 10);
interface StoredScope { siteIds: string[]; assetIds: string[]; purposes: string[] }

export interface AssessmentSummary {
  id: string; version: number; status: 'draft' | 'completed'; startedAt: string; startedBy: string;
  completedAt: string | null; completedBy: string | null; published: boolean;
}

const summaryOf = (r: ComplianceAssessmentsTable, published: boolean): AssessmentSummary => ({
  id: r.id, version: Number(r.version), status: r.status as AssessmentSummary['status'], startedAt: r.started_at, startedBy: r.started_by,
  completedAt: r.completed_at, completedBy: r.completed_by, published,
});

/** The versions of a system's self-assessment, newest first. */
export async function listAssessments(ctx: OrgContext, systemId: string): Promise<{ system: System; items: AssessmentSummary[] }> {
  requirePermission(ctx, 'estate:read');
  const system = await getSystem(ctx, systemId);
  const rows = await repo.assessmentsOfSystem(ctx.db, ctx.orgId, system.id);
  const pubs = await Promise.all(rows.map((r) => repo.publicationOf(ctx.db, ctx.orgId, r.id)));
  return { system, items: rows.map((r, i) => summaryOf(r, !!pubs[i] && !pubs[i]!.revoked_at && !!pubs[i]!.published_at)) };
}

/** The facts Sightline keeps current for principles 6, 9 and 10, read from the register now. */
async function deriveAll(ctx: OrgContext, system: System, annualReviewDate: string | null): Promise<Record<DerivedSource, Derived>> {
  const [assets, findings, visit] = await Promise.all([
    repo.systemAssets(ctx.db, ctx.orgId, system.id), repo.systemFindings(ctx.db, ctx.orgId, system.id), repo.lastAnnualReviewVisit(ctx.db, ctx.orgId, system.id),
  ]);
  // The later of the date entered on the assessment and the last annual-review visit recorded in Maintenance.
  const fromVisit = visit && (!annualReviewDate || visit.visit_date > annualReviewDate)
    ? { date: visit.visit_date, source: 'a visit recorded on the annual system review schedule in Maintenance' } : null;
  return {
    findings: deriveSecurity(findings.map((f) => ({ severity: f.severity, title: f.title, device: deviceLabel(f), status: f.status as 'open' | 'accepted' })), assets.length),
    'annual-review': deriveAnnualReview(fromVisit?.date ?? annualReviewDate, today(), fromVisit?.source),
    retention: deriveRetention(system.retentionDays),
  };
}

/** Builds the live document of an assessment (a draft, or the action plan of a completed one) from its rows. */
async function buildLive(ctx: OrgContext, system: System, row: ComplianceAssessmentsTable): Promise<AssessmentDocument> {
  const scope = JSON.parse(row.scope_json) as StoredScope;
  const [answers, evidence, actions, derived, sites, assets] = await Promise.all([
    repo.answersOf(ctx.db, ctx.orgId, row.id), repo.evidenceOf(ctx.db, ctx.orgId, row.id), repo.actionsOf(ctx.db, ctx.orgId, row.id),
    deriveAll(ctx, system, row.annual_review_date),
    siteNamesOf(ctx, scope.siteIds),
    repo.systemAssets(ctx.db, ctx.orgId, system.id),
  ]);
  const stored = new Map<string, StoredAnswer>(answers.map((a) => [a.question_id, { answer: a.answer as ClosedAnswer | null, text: a.text, note: a.note }]));
  // Links the owning module could not confirm when added are looked up again, so they show their real names once it can.
  const evidenceViews = await Promise.all(evidence.map(async (e) => {
    const kind = e.kind as EvidenceKind;
    const again = e.verified ? null : await resolveEvidence(ctx, kind, e.ref_id);
    return { id: e.id, principle: Number(e.principle), kind, refId: e.ref_id, label: again?.label ?? e.label, verified: !!e.verified || !!again?.verified };
  }));
  const inScope = new Set(scope.assetIds);
  return {
    systemId: system.id, systemName: system.name, version: Number(row.version),
    scope: { sites, assets: assets.filter((a) => inScope.has(a.id)).map((a) => ({ id: a.id, label: deviceLabel(a) })), purposes: scope.purposes },
    annualReviewDate: row.annual_review_date,
    principles: buildPrinciples(stored, derived, evidenceViews, actions.map((a) => ({
      id: a.id, principle: Number(a.principle), title: a.title, ownerId: a.owner_user_id, ownerName: a.owner_name ?? null, dueDate: a.due_date, status: a.status as ActionStatus,
    }))),
    completedAt: row.completed_at, completedBy: row.completed_by,
  };
}

export interface AssessmentState {
  system: System;
  summary: AssessmentSummary;
  /** Live for a draft (derived answers refreshed now); the frozen snapshot for a completed version. */
  document: AssessmentDocument;
  /** For a completed version, its action plan as it stands today (actions stay live after completion). */
  liveActions: (ActionView & { principle: number })[] | null;
  previousVersion: number | null;
  changes: QuestionChange[];
  publication: PublicationState | null;
}

export interface PublicationState { live: boolean; token: string; path: string; settings: PublishSettings; publishedAt: string | null; publishedBy: string | null; revokedAt: string | null }

function publicationState(p: Awaited<ReturnType<typeof repo.publicationOf>>): PublicationState | null {
  if (!p) return null;
  return {
    live: !p.revoked_at && !!p.published_at, token: p.token, path: `/p/self-assessment/${p.token}`,
    settings: { ...DEFAULT_PUBLISH, ...JSON.parse(p.settings_json) }, publishedAt: p.published_at, publishedBy: p.published_by, revokedAt: p.revoked_at,
  };
}

async function pickRow(ctx: OrgContext, systemId: string, version?: number) {
  const rows = await repo.assessmentsOfSystem(ctx.db, ctx.orgId, systemId);
  const row = version === undefined ? rows[0] : rows.find((r) => Number(r.version) === version);
  return { rows, row };
}

/** One assessment of a system: the newest (the draft in progress, if any) or the version asked for; null if none yet. */
export async function getAssessment(ctx: OrgContext, systemId: string, version?: number): Promise<AssessmentState | null> {
  requirePermission(ctx, 'estate:read');
  const system = await getSystem(ctx, systemId);
  const { rows, row } = await pickRow(ctx, system.id, version);
  if (!row) {
    if (version !== undefined) throw notFound(`Version ${version} of this system’s self-assessment`);
    return null;
  }
  return stateOf(ctx, system, rows, row);
}

async function stateOf(ctx: OrgContext, system: System, rows: ComplianceAssessmentsTable[], row: ComplianceAssessmentsTable): Promise<AssessmentState> {
  const completed = row.status === 'completed';
  const document = completed ? JSON.parse(row.snapshot_json!) as AssessmentDocument : await buildLive(ctx, system, row);
  const previousRow = rows.find((r) => r.status === 'completed' && Number(r.version) < Number(row.version)) ?? null;
  const previous = previousRow ? JSON.parse(previousRow.snapshot_json!) as AssessmentDocument : null;
  const pub = publicationState(await repo.publicationOf(ctx.db, ctx.orgId, row.id));
  let liveActions = null;
  if (completed) {
    const actions = await repo.actionsOf(ctx.db, ctx.orgId, row.id);
    liveActions = actions.map((a) => ({ id: a.id, title: a.title, ownerId: a.owner_user_id, ownerName: a.owner_name ?? null, dueDate: a.due_date, status: a.status as ActionStatus, principle: Number(a.principle) }));
  }
  return {
    system, summary: summaryOf(row, !!pub?.live), document, liveActions, previousVersion: previousRow ? Number(previousRow.version) : null,
    changes: diffAssessments(previous, document), publication: pub,
  };
}

/** The draft in progress, or a clear refusal naming what to do. */
async function draftOf(ctx: OrgContext, tx: Kysely<DB> | any, systemId: string) {
  const rows = await repo.assessmentsOfSystem(tx, ctx.orgId, systemId);
  const draft = rows.find((r) => r.status === 'draft');
  if (!draft) throw new AppError(409, 'no_draft', rows.length ? 'The last assessment is complete: start a new one to change answers' : 'Start the self-assessment first');
  return draft;
}

/**
 * Starts the next self-assessment of a system. The first starts from the register (the system's sites, devices and
 * purpose); later ones start from the last completed version: its answers, evidence and unfinished actions.
 */
export async function startAssessment(ctx: OrgContext, systemId: string): Promise<AssessmentState> {
  requirePermission(ctx, 'estate:write');
  const system = await getSystem(ctx, systemId);
  await auditedChange(ctx, async (tx) => {
    const rows = await repo.assessmentsOfSystem(tx, ctx.orgId, system.id);
    if (rows.some((r) => r.status === 'draft')) throw new AppError(409, 'draft_exists', `Version ${rows.find((r) => r.status === 'draft')!.version} is still in progress: finish it first`);
    const last = rows.find((r) => r.status === 'completed');
    const now = nowIso();
    const version = rows.length ? Number(rows[0].version) + 1 : 1;
    const scope: StoredScope = last ? JSON.parse(last.scope_json)
      : { siteIds: system.siteIds, assetIds: (await repo.systemAssets(tx, ctx.orgId, system.id)).map((a) => a.id), purposes: [system.purpose] };
    const id = newId();
    await repo.insertAssessment(tx, {
      id, org_id: ctx.orgId, system_id: system.id, version, status: 'draft', based_on_id: last?.id ?? null, scope_json: JSON.stringify(scope),
      annual_review_date: last?.annual_review_date ?? null, started_at: now, started_by: ctx.actor.label, completed_at: null, completed_by: null,
      snapshot_json: null, updated_at: now,
    });
    if (last) {
      const answers = await repo.answersOf(tx, ctx.orgId, last.id);
      await repo.insertAnswers(tx, answers.map((a) => ({ ...a, assessment_id: id })));
      const evidence = await repo.evidenceOf(tx, ctx.orgId, last.id);
      await repo.insertEvidence(tx, evidence.map((e) => ({ ...e, id: newId(), assessment_id: id })));
      const actions = (await repo.actionsOf(tx, ctx.orgId, last.id)).filter((a) => a.status !== 'done');
      await repo.insertActions(tx, actions.map(({ owner_name: _n, ...a }) => ({ ...a, id: newId(), assessment_id: id, carried_from_id: a.id, created_at: now, updated_at: now })));
    }
    return { result: id, action: 'create', objectType: 'assessment', objectId: id,
      summary: `Started self-assessment version ${version} of ${system.name}${last ? ` from version ${last.version}` : ''}`, after: { version, basedOn: last ? Number(last.version) : null } };
  });
  return (await getAssessment(ctx, system.id))!;
}

/** Sets what the draft covers: sites, the system's cameras, purposes, and the date of the last annual review. */
export async function saveScope(ctx: OrgContext, systemId: string, body: unknown): Promise<AssessmentState> {
  requirePermission(ctx, 'estate:write');
  const system = await getSystem(ctx, systemId);
  const input = parseInput(scopeInput, body);
  await auditedChange(ctx, async (tx) => {
    const draft = await draftOf(ctx, tx, system.id);
    const siteIds = [...new Set(input.siteIds)];
    const assetIds = [...new Set(input.assetIds)];
    if (siteIds.length) {
      const found = await siteIdsIn(tx, ctx.orgId, siteIds);
      const missing = siteIds.filter((s) => !found.has(s));
      if (missing.length) throw new ValidationError({ siteIds: `${missing.length} of the sites chosen ${missing.length === 1 ? 'is' : 'are'} not in this organisation` });
    }
    if (assetIds.length) {
      const own = new Set((await repo.systemAssets(tx, ctx.orgId, system.id)).map((a) => a.id));
      const stray = assetIds.filter((a) => !own.has(a));
      if (stray.length) throw new ValidationError({ assetIds: `${stray.length} of the cameras chosen ${stray.length === 1 ? 'is' : 'are'} not part of ${system.name}` });
    }
    const scope: StoredScope = { siteIds, assetIds, purposes: input.purposes };
    await repo.updateAssessment(tx, ctx.orgId, draft.id, { scope_json: JSON.stringify(scope), annual_review_date: input.annualReviewDate, updated_at: nowIso() });
    return { result: undefined, action: 'update', objectType: 'assessment', objectId: draft.id, summary: `Set the scope of ${system.name}’s self-assessment`,
      before: { scope: JSON.parse(draft.scope_json), annualReviewDate: draft.annual_review_date }, after: { scope, annualReviewDate: input.annualReviewDate } };
  });
  return (await getAssessment(ctx, system.id))!;
}

/** Records answers to one principle's questions. Derived answers stay Sightline's; only their notes are kept. */
export async function saveAnswers(ctx: OrgContext, systemId: string, body: unknown): Promise<AssessmentState> {
  requirePermission(ctx, 'estate:write');
  const system = await getSystem(ctx, systemId);
  const input = parseInput(answersInput, body);
  await auditedChange(ctx, async (tx) => {
    const draft = await draftOf(ctx, tx, system.id);
    const now = nowIso();
    const before = new Map((await repo.answersOf(tx, ctx.orgId, draft.id)).map((a) => [a.question_id, a]));
    for (const a of input.answers) {
      const values = { answer: a.answer, text: a.text, note: a.note, updated_at: now, updated_by: ctx.actor.label };
      if (before.has(a.questionId)) {
        await repo.updateAnswer(tx, ctx.orgId, draft.id, a.questionId, values);
      } else {
        await repo.insertAnswers(tx, [{ org_id: ctx.orgId, assessment_id: draft.id, question_id: a.questionId, ...values }]);
      }
    }
    await repo.updateAssessment(tx, ctx.orgId, draft.id, { updated_at: now });
    return { result: undefined, action: 'update', objectType: 'assessment', objectId: draft.id,
      summary: `Answered principle ${input.principle} (${PRINCIPLES[input.principle - 1].title}) of ${system.name}’s self-assessment`,
      before: input.answers.map((a) => before.get(a.questionId) ?? { question_id: a.questionId }), after: input.answers };
  });
  return (await getAssessment(ctx, system.id))!;
}

export async function addEvidence(ctx: OrgContext, systemId: string, body: unknown) {
  requirePermission(ctx, 'estate:write');
  const system = await getSystem(ctx, systemId);
  const input = parseInput(evidenceInput, body);
  // Looked up before the transaction: the owning module reads through its own connection (on SQLite there is one).
  const resolved = await resolveEvidence(ctx, input.kind, input.refId);
  if (!resolved) throw new ValidationError({ refId: `No ${input.kind} with that id in this organisation` });
  return auditedChange(ctx, async (tx) => {
    const draft = await draftOf(ctx, tx, system.id);
    const dup = (await repo.evidenceOf(tx, ctx.orgId, draft.id)).find((e) => Number(e.principle) === input.principle && e.kind === input.kind && e.ref_id === input.refId);
    if (dup) throw new ValidationError({ refId: 'That record is already linked to this principle' });
    const row = { id: newId(), org_id: ctx.orgId, assessment_id: draft.id, principle: input.principle, kind: input.kind, ref_id: input.refId,
      label: resolved.label, verified: resolved.verified ? 1 : 0, created_at: nowIso(), created_by: ctx.actor.label };
    await repo.insertEvidence(tx, [row]);
    const out = { id: row.id, principle: input.principle, kind: input.kind, refId: input.refId, label: row.label, verified: resolved.verified };
    return { result: out, action: 'update', objectType: 'assessment', objectId: draft.id, summary: `Linked ${input.kind} “${row.label}” as evidence for principle ${input.principle}`, after: out };
  });
}

export async function removeEvidence(ctx: OrgContext, systemId: string, evidenceId: string): Promise<void> {
  requirePermission(ctx, 'estate:write');
  const system = await getSystem(ctx, systemId);
  await auditedChange(ctx, async (tx) => {
    const draft = await draftOf(ctx, tx, system.id);
    const row = (await repo.evidenceOf(tx, ctx.orgId, draft.id)).find((e) => e.id === evidenceId);
    if (!row) throw notFound('Evidence link');
    await repo.deleteEvidence(tx, ctx.orgId, row.id);
    return { result: undefined, action: 'update', objectType: 'assessment', objectId: draft.id, summary: `Removed evidence “${row.label}” from principle ${row.principle}`, before: row };
  });
}

/** The assessment whose action plan is live: the draft, or else the last completed version. */
async function actionPlanRow(ctx: OrgContext, tx: any, systemId: string) {
  const rows = await repo.assessmentsOfSystem(tx, ctx.orgId, systemId);
  if (!rows.length) throw new AppError(409, 'no_assessment', 'Start the self-assessment first');
  return rows[0];
}

async function checkOwner(tx: any, ctx: OrgContext, ownerId: string | undefined) {
  if (ownerId && !(await repo.isMember(tx, ctx.orgId, ownerId))) throw new ValidationError({ ownerId: 'The owner must be a member of this organisation' });
}

export async function addAction(ctx: OrgContext, systemId: string, body: unknown) {
  requirePermission(ctx, 'estate:write');
  const system = await getSystem(ctx, systemId);
  const input = parseInput(actionInput, body);
  return auditedChange(ctx, async (tx) => {
    const row = await actionPlanRow(ctx, tx, system.id);
    await checkOwner(tx, ctx, input.ownerId);
    const now = nowIso();
    const action = { id: newId(), org_id: ctx.orgId, assessment_id: row.id, principle: input.principle, title: input.title, owner_user_id: input.ownerId,
      due_date: input.dueDate, status: input.status, carried_from_id: null, created_at: now, updated_at: now };
    await repo.insertActions(tx, [action]);
    const out = toAction(action);
    return { result: out, action: 'update', objectType: 'assessment', objectId: row.id, summary: `Added action “${input.title}” to principle ${input.principle} of ${system.name}`, after: out };
  });
}

const toAction = (a: { id: string; principle: number; title: string; owner_user_id: string | null; due_date: string; status: string }) =>
  ({ id: a.id, principle: Number(a.principle), title: a.title, ownerId: a.owner_user_id, dueDate: a.due_date, status: a.status as ActionStatus });

export async function updateAction(ctx: OrgContext, systemId: string, actionId: string, body: unknown) {
  requirePermission(ctx, 'estate:write');
  const system = await getSystem(ctx, systemId);
  const patch = parsePatch(actionPatch, body);
  return auditedChange(ctx, async (tx) => {
    const row = await actionPlanRow(ctx, tx, system.id);
    const existing = await repo.findAction(tx, ctx.orgId, row.id, actionId);
    if (!existing) throw notFound('Action');
    await checkOwner(tx, ctx, patch.ownerId);
    const set = {
      ...(patch.title !== undefined ? { title: patch.title } : {}), ...(patch.ownerId !== undefined ? { owner_user_id: patch.ownerId } : {}),
      ...(patch.dueDate !== undefined ? { due_date: patch.dueDate } : {}), ...(patch.status !== undefined ? { status: patch.status } : {}), updated_at: nowIso(),
    };
    await repo.updateAction(tx, ctx.orgId, existing.id, set);
    const after = toAction({ ...existing, ...set });
    return { result: after, action: 'update', objectType: 'assessment', objectId: row.id, summary: `Changed action “${after.title}” (${after.status})`, before: toAction(existing), after };
  });
}

/** Questions a person must answer before the assessment can be completed (derived ones are Sightline's). */
export function unanswered(doc: AssessmentDocument): { principle: number; questionId: string; text: string }[] {
  return doc.principles.flatMap((p) => p.answers.filter((a) => a.kind === 'closed' && !a.derived && !a.answer).map((a) => ({ principle: p.number, questionId: a.questionId, text: a.text })));
}

/** Freezes the draft as a version: who, when, and the whole document (derived answers as they stand now). */
export async function completeAssessment(ctx: OrgContext, systemId: string): Promise<AssessmentState> {
  requirePermission(ctx, 'estate:write');
  const system = await getSystem(ctx, systemId);
  await auditedChange(ctx, async (tx) => {
    const draft = await draftOf(ctx, tx, system.id);
    const doc = await buildLive({ ...ctx, db: tx as Kysely<DB> }, system, draft);
    const missing = unanswered(doc);
    if (missing.length) {
      throw new ValidationError(Object.fromEntries(missing.slice(0, 12).map((m) => [m.questionId, `Principle ${m.principle}: answer “${m.text}”`])),
        `${missing.length} question${missing.length === 1 ? ' is' : 's are'} not answered yet`);
    }
    const now = nowIso();
    const frozen: AssessmentDocument = { ...doc, completedAt: now, completedBy: ctx.actor.label };
    await repo.completeDraft(tx, ctx.orgId, draft.id, { completed_at: now, completed_by: ctx.actor.label, snapshot_json: JSON.stringify(frozen), updated_at: now });
    return { result: undefined, action: 'complete', objectType: 'assessment', objectId: draft.id, summary: `Completed self-assessment version ${draft.version} of ${system.name}`,
      after: { version: Number(draft.version), ratings: frozen.principles.map((p) => p.rating) } };
  });
  return (await getAssessment(ctx, system.id))!;
}

async function completedRow(ctx: OrgContext, tx: any, systemId: string, version?: number) {
  const rows = await repo.assessmentsOfSystem(tx, ctx.orgId, systemId);
  const row = version === undefined ? rows.find((r) => r.status === 'completed') : rows.find((r) => Number(r.version) === version);
  if (!row) throw version === undefined ? new AppError(409, 'not_completed', 'Complete the self-assessment before publishing it') : notFound(`Version ${version} of this system’s self-assessment`);
  if (row.status !== 'completed') throw new AppError(409, 'not_completed', 'Only a completed version can be published');
  return row;
}

/** Chooses what to publish for a completed version and makes its public link live (a new link if it was revoked). */
export async function publishAssessment(ctx: OrgContext, systemId: string, body: unknown): Promise<PublicationState & { version: number }> {
  requirePermission(ctx, 'estate:write');
  const system = await getSystem(ctx, systemId);
  const input = parseInput(publishInput, body);
  return auditedChange(ctx, async (tx) => {
    const row = await completedRow(ctx, tx, system.id, input.version);
    const existing = await repo.publicationOf(tx, ctx.orgId, row.id);
    const settings: PublishSettings = { ...DEFAULT_PUBLISH, ...(existing ? JSON.parse(existing.settings_json) : {}), ...input.settings };
    if (!settings.actions) settings.actionOwners = false;
    const now = nowIso();
    const fresh = !existing || !!existing.revoked_at;
    const values = { settings_json: JSON.stringify(settings), published_at: fresh ? now : existing!.published_at ?? now, published_by: fresh ? ctx.actor.label : existing!.published_by ?? ctx.actor.label, revoked_at: null, updated_at: now };
    if (existing) {
      await repo.updatePublication(tx, ctx.orgId, existing.id, { ...values, ...(fresh ? { token: newSecret() } : {}) });
    } else {
      await repo.insertPublication(tx, { id: newId(), org_id: ctx.orgId, assessment_id: row.id, token: newSecret(), ...values });
    }
    const state = publicationState((await repo.publicationOf(tx, ctx.orgId, row.id))!)!;
    return { result: { ...state, version: Number(row.version) }, action: 'publish', objectType: 'assessment', objectId: row.id,
      summary: `Published self-assessment version ${row.version} of ${system.name}`, before: existing ? JSON.parse(existing.settings_json) : null, after: settings };
  });
}

/** Takes the public link down; publishing again makes a new link, so the old one stays dead. */
export async function revokePublication(ctx: OrgContext, systemId: string, version?: number): Promise<void> {
  requirePermission(ctx, 'estate:write');
  const system = await getSystem(ctx, systemId);
  await auditedChange(ctx, async (tx) => {
    const row = await completedRow(ctx, tx, system.id, version);
    const existing = await repo.publicationOf(tx, ctx.orgId, row.id);
    if (!existing || existing.revoked_at) throw new AppError(409, 'not_published', 'This version is not published');
    await repo.updatePublication(tx, ctx.orgId, existing.id, { revoked_at: nowIso(), updated_at: nowIso() });
    return { result: undefined, action: 'revoke', objectType: 'assessment', objectId: row.id, summary: `Took down the public page of self-assessment version ${row.version} of ${system.name}` };
  });
}

/** The published view of a completed version with the given settings (or its own, or the defaults). */
export async function publishedView(ctx: OrgContext, systemId: string, version?: number, settings?: PublishSettings): Promise<{ view: PublicView; publication: PublicationState | null; version: number }> {
  requirePermission(ctx, 'estate:read');
  const system = await getSystem(ctx, systemId);
  const row = await completedRow(ctx, ctx.db, system.id, version);
  const publication = publicationState(await repo.publicationOf(ctx.db, ctx.orgId, row.id));
  const view = publicView(await organisationName(ctx), JSON.parse(row.snapshot_json!), settings ?? publication?.settings ?? DEFAULT_PUBLISH);
  return { view, publication, version: Number(row.version) };
}

/** The public page behind a link: null when the link is unknown or was taken down. */
export async function publicPageByToken(db: Kysely<DB>, token: string): Promise<PublicView | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const row = await repo.livePublication(db, token);
  if (!row || !row.snapshot_json) return null;
  return publicView(row.org_name, JSON.parse(row.snapshot_json), { ...DEFAULT_PUBLISH, ...JSON.parse(row.settings_json) });
}

export async function members(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  return repo.membersOf(ctx.db, ctx.orgId);
}

/** Each system with its newest assessment, and the overdue actions across them, for the compliance dashboard. */
export async function complianceDashboard(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  const [systems, latest] = await Promise.all([
    allSystems(ctx),
    repo.latestAssessments(ctx.db, ctx.orgId),
  ]);
  const bySystem = new Map(latest.map((r) => [r.system_id, r]));
  const overdue = await repo.overdueActions(ctx.db, ctx.orgId, today(), latest.map((r) => r.id));
  const lastCompleted = await repo.completedAssessments(ctx.db, ctx.orgId);
  return {
    systems: systems.map((s) => {
      const r = bySystem.get(s.id);
      const done = lastCompleted.find((c) => c.system_id === s.id);
      const ratings = done ? (JSON.parse(done.snapshot_json!) as AssessmentDocument).principles.map((p) => p.rating) : null;
      return {
        id: s.id, name: s.name, latest: r ? { version: Number(r.version), status: r.status } : null,
        lastCompleted: done ? { version: Number(done.version), completedAt: done.completed_at!, ratings } : null,
        nextReviewDue: done?.completed_at ? addMonths(done.completed_at.slice(0, 10), 12) : null,
      };
    }),
    overdue: overdue.map((a) => ({ id: a.id, title: a.title, principle: Number(a.principle), dueDate: a.due_date, status: a.status as ActionStatus, systemId: a.system_id, systemName: a.system_name, ownerName: a.owner_name })),
  };
}

/** Overdue actions only, for the organisation overview's panel. */
export async function overdueActionCount(ctx: OrgContext): Promise<number> {
  requirePermission(ctx, 'estate:read');
  const latest = await repo.latestAssessments(ctx.db, ctx.orgId);
  return (await repo.overdueActions(ctx.db, ctx.orgId, today(), latest.map((r) => r.id))).length;
}
