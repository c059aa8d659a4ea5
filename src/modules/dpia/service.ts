import { requirePermission, type OrgContext, type Tx } from '../../platform/context';
import { AppError, conflict, notFound, parseInput, parsePatch, ValidationError } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import { auditedChange } from '../audit/write';
import type { DpiaVersionsTable } from '../../platform/tables/dpia';
import * as repo from './repo';
import { overallRisk, reviewReasons, type CameraEntry, type Features } from './review';
import {
  dpiaCreate, dpiaListQuery, dpiaSectionsPatch, featuresPatch, riskInput, riskPatch, signOffInput, today,
  type Dpia, type DpiaState, type DpiaVersion, type ReviewReasonOut,
} from './schemas';

// A DPIA is a series of versions. The newest is either a draft (its camera list read live from the register)
// or signed off (frozen, camera list included). Changing anything after sign-off starts the next version as a
// draft, copied from the signed one. Changes to the system since the last sign-off, found by comparing the frozen
// camera list with the register, are recorded as reasons the DPIA is due for review, until the next sign-off.

/** Who records review-due reasons: Sightline itself, whoever happened to be reading. */
const reviewChecker = (ctx: OrgContext): OrgContext => ({ ...ctx, actor: { type: 'system', id: null, label: 'Sightline (DPIA review check)' } });

type VersionRow = DpiaVersionsTable;
const latest = (versions: VersionRow[]) => versions[versions.length - 1];
const lastSigned = (versions: VersionRow[]) => [...versions].reverse().find((v) => v.status === 'signed-off') ?? null;

/** Finds changes since the last sign-off that are not yet recorded, and records them (audited) as review-due reasons. */
async function refreshReviewReasons(ctx: OrgContext, dpia: repo.DpiaRow, versions: VersionRow[]): Promise<void> {
  const signed = lastSigned(versions);
  if (!signed || !signed.signed_off_at) return;
  const snapshot = JSON.parse(signed.cameras_json ?? '[]') as CameraEntry[];
  const current = await repo.liveCameras(ctx.db, ctx.orgId, dpia.system_id);
  const onSystem = new Set(current.map((c) => c.assetId));
  const departures = await repo.departuresOf(ctx.db, ctx.orgId, snapshot.map((c) => c.assetId).filter((id) => !onSystem.has(id)));
  const found = reviewReasons({
    signedOffAt: signed.signed_off_at, reviewDate: signed.review_date, today: today(), snapshot, current, departures,
    snapshotFeatures: JSON.parse(signed.features_json ?? '{"anpr":false,"biometrics":false}') as Features,
    features: await repo.featuresOf(ctx.db, ctx.orgId, dpia.system_id),
  });
  const known = new Set((await ctx.db.selectFrom('dpia_review_reasons').select('reason_key').where('org_id', '=', ctx.orgId)
    .where('dpia_id', '=', dpia.id).where('version', '=', signed.version).execute()).map((r) => r.reason_key));
  const fresh = found.filter((r) => !known.has(r.key));
  if (!fresh.length) return;
  await auditedChange(reviewChecker(ctx), async (tx) => {
    const now = nowIso();
    const recorded: string[] = [];
    for (const r of fresh) {
      const inserted = await repo.recordReviewReason(tx, { id: newId(), org_id: ctx.orgId, dpia_id: dpia.id, version: Number(signed.version), reason_key: r.key, reason: r.reason, occurred_on: r.occurredOn, detected_at: now });
      if (inserted) recorded.push(r.reason);
    }
    return { result: undefined, action: 'review-due', objectType: 'dpia', objectId: dpia.id,
      summary: `DPIA for ${dpia.system_name} due for review: ${recorded.join('; ') || 'already recorded'}`, after: { version: Number(signed.version), reasons: recorded } };
  });
}

async function versionOut(tx: Tx, orgId: string, systemId: string, v: VersionRow): Promise<DpiaVersion> {
  const risks = (await repo.risksOf(tx, orgId, v.id)).map(repo.toRisk);
  if (v.status === 'signed-off') {
    return repo.toVersion(v, risks, JSON.parse(v.cameras_json ?? '[]'), JSON.parse(v.features_json ?? '{"anpr":false,"biometrics":false}'));
  }
  const [cameras, f] = await Promise.all([repo.liveCameras(tx, orgId, systemId), repo.featuresOf(tx, orgId, systemId)]);
  return repo.toVersion(v, risks, cameras.map(repo.cameraEntry), { anpr: f.anpr, biometrics: f.biometrics });
}

async function build(ctx: OrgContext, dpia: repo.DpiaRow): Promise<Dpia> {
  let versions = await repo.versionsOf(ctx.db, ctx.orgId, dpia.id);
  await refreshReviewReasons(ctx, dpia, versions);
  versions = await repo.versionsOf(ctx.db, ctx.orgId, dpia.id);
  const signed = lastSigned(versions);
  const reasons: ReviewReasonOut[] = (await repo.openReviewReasons(ctx.db, ctx.orgId, dpia.id))
    .map((r) => ({ reason: r.reason, occurredOn: r.occurred_on, detectedAt: r.detected_at, againstVersion: Number(r.version) }));
  // A draft of the next version does not undo the signed-off one: that stands until replaced.
  const state: DpiaState = !signed ? 'draft' : reasons.length ? 'review-due' : 'signed-off';
  return {
    id: dpia.id, systemId: dpia.system_id, systemName: dpia.system_name, state,
    signedVersion: signed ? Number(signed.version) : null, reviewDate: signed?.review_date ?? null, reviewReasons: reasons,
    current: await versionOut(ctx.db, ctx.orgId, dpia.system_id, latest(versions)),
    versions: versions.map((v) => ({ version: Number(v.version), status: v.status as 'draft' | 'signed-off', signedOffOn: v.signed_off_on, approvedBy: v.approved_by })),
    createdAt: dpia.created_at, updatedAt: dpia.updated_at,
  };
}

async function loadDpia(ctx: OrgContext, id: string) {
  const row = await repo.findDpia(ctx.db, ctx.orgId, id);
  if (!row) throw notFound('DPIA');
  return row;
}

export async function getDpia(ctx: OrgContext, id: string): Promise<Dpia> {
  requirePermission(ctx, 'estate:read');
  return build(ctx, await loadDpia(ctx, id));
}

export async function listDpias(ctx: OrgContext, query: unknown = {}): Promise<Dpia[]> {
  requirePermission(ctx, 'estate:read');
  const q = parseInput(dpiaListQuery, query);
  const out: Dpia[] = [];
  for (const row of await repo.listDpias(ctx.db, ctx.orgId, q.system)) out.push(await build(ctx, row));
  return q.reviewDue === undefined ? out : out.filter((d) => (d.state === 'review-due') === (q.reviewDue === 'true'));
}

export async function getVersion(ctx: OrgContext, id: string, version: number): Promise<DpiaVersion & { systemName: string }> {
  requirePermission(ctx, 'estate:read');
  const dpia = await loadDpia(ctx, id);
  const v = (await repo.versionsOf(ctx.db, ctx.orgId, id)).find((x) => Number(x.version) === version);
  if (!v) throw notFound('DPIA version');
  return { ...(await versionOut(ctx.db, ctx.orgId, dpia.system_id, v)), systemName: dpia.system_name };
}

export async function createDpia(ctx: OrgContext, body: unknown): Promise<Dpia> {
  requirePermission(ctx, 'estate:write');
  const input = parseInput(dpiaCreate, body);
  const { systemId, ...sections } = input;
  const id = await auditedChange(ctx, async (tx) => {
    const system = await repo.systemRow(tx, ctx.orgId, systemId);
    if (!system) throw new ValidationError({ systemId: 'Choose a system from this organisation' });
    if (await repo.findDpiaIdBySystem(tx, ctx.orgId, systemId)) throw conflict('systemId', `${system.name} already has a DPIA; open it to change it`);
    const now = nowIso();
    const dpiaId = newId();
    await tx.insertInto('dpias').values({ id: dpiaId, org_id: ctx.orgId, system_id: systemId, created_at: now, updated_at: now }).execute();
    // Starts from what the register already says about the system.
    await tx.insertInto('dpia_versions').values({
      ...emptyVersion(ctx, dpiaId, 1, now),
      processing_purposes: system.purpose,
      processing_scope: `Images are kept for ${system.retention_days} days, then deleted.`,
      ...repo.sectionColumns(sections),
    }).execute();
    return { result: dpiaId, action: 'create', objectType: 'dpia', objectId: dpiaId, summary: `Started a DPIA for ${system.name}`, after: { systemId, ...sections } };
  });
  return getDpia(ctx, id);
}

function emptyVersion(ctx: OrgContext, dpiaId: string, version: number, now: string): VersionRow {
  return {
    id: newId(), org_id: ctx.orgId, dpia_id: dpiaId, version, status: 'draft', why_needed_json: '[]', why_needed_notes: null, regime: null, controller: null,
    processing_nature: null, processing_scope: null, processing_context: null, processing_purposes: null, lawful_basis: null, consultation: null, necessity: null,
    dpo_name: null, dpo_advice: null, dpo_advice_accepted: null, dpo_advice_response: null, approved_by: null, outcome: null,
    signed_off_on: null, signed_off_at: null, signed_off_by: null, review_date: null, cameras_json: null, features_json: null,
    created_at: now, created_by: ctx.actor.label, updated_at: now,
  };
}

/**
 * The draft to change: the newest version if it is a draft, else a new version copied from the signed-off one
 * (sections and risks; not the sign-off). Returns it with a map from the copied risks' old ids to their new ids.
 */
async function ensureDraft(tx: Tx, ctx: OrgContext, dpiaId: string): Promise<{ draft: VersionRow; started: boolean; riskIds: Map<string, string> }> {
  const versions = await repo.versionsOf(tx, ctx.orgId, dpiaId);
  const top = latest(versions);
  if (top.status === 'draft') return { draft: top, started: false, riskIds: new Map() };
  const now = nowIso();
  const draft: VersionRow = {
    ...emptyVersion(ctx, dpiaId, Number(top.version) + 1, now),
    why_needed_json: top.why_needed_json, why_needed_notes: top.why_needed_notes, regime: top.regime, controller: top.controller,
    processing_nature: top.processing_nature, processing_scope: top.processing_scope, processing_context: top.processing_context,
    processing_purposes: top.processing_purposes, lawful_basis: top.lawful_basis, consultation: top.consultation, necessity: top.necessity,
  };
  await tx.insertInto('dpia_versions').values(draft).execute();
  const riskIds = new Map<string, string>();
  for (const r of await repo.risksOf(tx, ctx.orgId, top.id)) {
    const copy = { ...r, id: newId(), version_id: draft.id, copied_from: r.id, created_at: now, updated_at: now };
    riskIds.set(r.id, copy.id);
    await tx.insertInto('dpia_risks').values(copy).execute();
  }
  return { draft, started: true, riskIds };
}

const touch = (tx: Tx, ctx: OrgContext, dpiaId: string, versionId: string, now: string) => Promise.all([
  tx.updateTable('dpias').set({ updated_at: now }).where('org_id', '=', ctx.orgId).where('id', '=', dpiaId).execute(),
  tx.updateTable('dpia_versions').set({ updated_at: now }).where('org_id', '=', ctx.orgId).where('id', '=', versionId).execute(),
]);
const draftNote = (d: { started: boolean; draft: VersionRow }) => (d.started ? ` (started draft version ${d.draft.version})` : '');

export async function updateSections(ctx: OrgContext, id: string, body: unknown): Promise<Dpia> {
  requirePermission(ctx, 'estate:write');
  const patch = parsePatch(dpiaSectionsPatch, body);
  const dpia = await loadDpia(ctx, id);
  await auditedChange(ctx, async (tx) => {
    const d = await ensureDraft(tx, ctx, id);
    const before = repo.sectionsOf(d.draft);
    const cols = repo.sectionColumns(patch);
    const now = nowIso();
    if (Object.keys(cols).length) await tx.updateTable('dpia_versions').set(cols).where('org_id', '=', ctx.orgId).where('id', '=', d.draft.id).execute();
    await touch(tx, ctx, id, d.draft.id, now);
    return { result: undefined, action: 'update', objectType: 'dpia', objectId: id, summary: `Changed the DPIA for ${dpia.system_name}, version ${d.draft.version}${draftNote(d)}`,
      before, after: { ...before, ...patch } };
  });
  return getDpia(ctx, id);
}

async function findDraftRisk(tx: Tx, ctx: OrgContext, d: { draft: VersionRow; riskIds: Map<string, string> }, riskId: string) {
  const ids = [riskId, d.riskIds.get(riskId)].filter((x): x is string => !!x);
  const risks = await repo.risksOf(tx, ctx.orgId, d.draft.id);
  // A risk id from an earlier version also finds its copy in the draft.
  const r = risks.find((x) => ids.includes(x.id)) ?? risks.find((x) => x.copied_from === riskId);
  if (!r) throw notFound('Risk');
  return r;
}

export async function addRisk(ctx: OrgContext, id: string, body: unknown) {
  requirePermission(ctx, 'estate:write');
  const input = parseInput(riskInput, body);
  const dpia = await loadDpia(ctx, id);
  return auditedChange(ctx, async (tx) => {
    const d = await ensureDraft(tx, ctx, id);
    const existing = await repo.risksOf(tx, ctx.orgId, d.draft.id);
    if (existing.length >= 100) throw new ValidationError({ description: 'A DPIA can list at most 100 risks' });
    const now = nowIso();
    const row = {
      id: newId(), org_id: ctx.orgId, version_id: d.draft.id, copied_from: null, position: existing.reduce((m, r) => Math.max(m, Number(r.position)), 0) + 1,
      description: input.description, likelihood: input.likelihood, severity: input.severity, overall: overallRisk(input.likelihood, input.severity),
      mitigation: input.mitigation, residual_risk: input.residualRisk, approved_by: input.approvedBy, created_at: now, updated_at: now,
    };
    await tx.insertInto('dpia_risks').values(row).execute();
    await touch(tx, ctx, id, d.draft.id, now);
    const risk = repo.toRisk(row);
    return { result: risk, action: 'add-risk', objectType: 'dpia', objectId: id, summary: `Added a ${risk.overall} risk to the DPIA for ${dpia.system_name}${draftNote(d)}: ${risk.description.slice(0, 120)}`, after: risk };
  });
}

export async function getRisk(ctx: OrgContext, id: string, riskId: string) {
  const dpia = await getDpia(ctx, id);
  const risk = dpia.current.risks.find((r) => r.id === riskId);
  if (!risk) throw notFound('Risk');
  return { dpia, risk };
}

export async function updateRisk(ctx: OrgContext, id: string, riskId: string, body: unknown) {
  requirePermission(ctx, 'estate:write');
  const patch = parsePatch(riskPatch, body);
  const dpia = await loadDpia(ctx, id);
  return auditedChange(ctx, async (tx) => {
    const d = await ensureDraft(tx, ctx, id);
    const row = await findDraftRisk(tx, ctx, d, riskId);
    const before = repo.toRisk(row);
    const merged = parseInput(riskInput, { description: before.description, likelihood: before.likelihood, severity: before.severity, mitigation: before.mitigation, residualRisk: before.residualRisk, approvedBy: before.approvedBy, ...patch });
    const now = nowIso();
    const cols = { description: merged.description, likelihood: merged.likelihood, severity: merged.severity, overall: overallRisk(merged.likelihood, merged.severity),
      mitigation: merged.mitigation, residual_risk: merged.residualRisk, approved_by: merged.approvedBy, updated_at: now };
    await tx.updateTable('dpia_risks').set(cols).where('org_id', '=', ctx.orgId).where('id', '=', row.id).execute();
    await touch(tx, ctx, id, d.draft.id, now);
    const after = repo.toRisk({ ...row, ...cols });
    return { result: after, action: 'update-risk', objectType: 'dpia', objectId: id, summary: `Changed risk ${after.position} of the DPIA for ${dpia.system_name}${draftNote(d)}`, before, after };
  });
}

export async function deleteRisk(ctx: OrgContext, id: string, riskId: string): Promise<void> {
  requirePermission(ctx, 'estate:write');
  const dpia = await loadDpia(ctx, id);
  await auditedChange(ctx, async (tx) => {
    const d = await ensureDraft(tx, ctx, id);
    const row = await findDraftRisk(tx, ctx, d, riskId);
    await tx.deleteFrom('dpia_risks').where('org_id', '=', ctx.orgId).where('id', '=', row.id).execute();
    await touch(tx, ctx, id, d.draft.id, nowIso());
    return { result: undefined, action: 'remove-risk', objectType: 'dpia', objectId: id, summary: `Removed risk ${row.position} from the DPIA for ${dpia.system_name}${draftNote(d)}`, before: repo.toRisk(row) };
  });
}

/** What must be written before a DPIA can be signed off, by field. */
export function signOffGaps(v: DpiaVersion): Record<string, string> {
  const gaps: Record<string, string> = {};
  if (!v.whyNeeded.length && !v.whyNeededNotes) gaps.whyNeeded = 'Say why a DPIA is needed before signing off';
  if (!v.regime) gaps.regime = 'Choose the data protection regime before signing off';
  if (!v.processingPurposes) gaps.processingPurposes = 'Describe the purposes of the processing before signing off';
  if (!v.necessity) gaps.necessity = 'Explain why the processing is necessary and proportionate before signing off';
  if (!v.risks.length) gaps.risks = 'Add at least one risk before signing off';
  const unfinished = v.risks.filter((r) => !r.mitigation || !r.residualRisk || !r.approvedBy).map((r) => r.position);
  if (unfinished.length) gaps.risks = `Give risk ${unfinished.join(', ')} a mitigation, residual risk and approver before signing off`;
  return gaps;
}

/** Signs off the draft: records the DPO's advice and the decision, and freezes the version with its camera list. */
export async function signOff(ctx: OrgContext, id: string, body: unknown): Promise<Dpia> {
  requirePermission(ctx, 'estate:write');
  const input = parseInput(signOffInput, body);
  const dpia = await loadDpia(ctx, id);
  await auditedChange(ctx, async (tx) => {
    const versions = await repo.versionsOf(tx, ctx.orgId, id);
    const top = latest(versions);
    if (top.status !== 'draft') throw new AppError(409, 'already_signed_off', `Version ${top.version} is already signed off; change the DPIA to start a new draft`);
    const draft = await versionOut(tx, ctx.orgId, dpia.system_id, top);
    const gaps = signOffGaps(draft);
    if (Object.keys(gaps).length) throw new ValidationError(gaps, 'The DPIA is not ready to sign off');
    const now = nowIso();
    const set = {
      status: 'signed-off', dpo_name: input.dpoName, dpo_advice: input.dpoAdvice, dpo_advice_accepted: input.dpoAdviceAccepted ? 1 : 0,
      dpo_advice_response: input.dpoAdviceResponse, approved_by: input.approvedBy, outcome: input.outcome, signed_off_on: input.signedOffOn,
      signed_off_at: now, signed_off_by: ctx.actor.label, review_date: input.reviewDate,
      cameras_json: JSON.stringify(draft.cameras), features_json: JSON.stringify(draft.features), updated_at: now,
    };
    await tx.updateTable('dpia_versions').set(set).where('org_id', '=', ctx.orgId).where('id', '=', top.id).where('status', '=', 'draft').execute();
    await tx.updateTable('dpias').set({ updated_at: now }).where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    // The new version answers every change recorded against the previous one.
    await repo.resolveReviewReasons(tx, ctx.orgId, id, now);
    return { result: undefined, action: 'sign-off', objectType: 'dpia', objectId: id,
      summary: `Signed off version ${top.version} of the DPIA for ${dpia.system_name} (${draft.cameras.length} device${draft.cameras.length === 1 ? '' : 's'}); review by ${input.reviewDate}`,
      after: { version: Number(top.version), ...input, cameras: draft.cameras.length } };
  });
  return getDpia(ctx, id);
}

// ---- System features (ANPR, biometrics) -----------------------------------------------------------------------

export async function getFeatures(ctx: OrgContext, systemId: string) {
  requirePermission(ctx, 'estate:read');
  const system = await repo.systemRow(ctx.db, ctx.orgId, systemId);
  if (!system) throw notFound('System');
  const f = await repo.featuresOf(ctx.db, ctx.orgId, systemId);
  return { systemId, systemName: system.name, ...f };
}

export async function setFeatures(ctx: OrgContext, systemId: string, body: unknown) {
  requirePermission(ctx, 'estate:write');
  const patch = parsePatch(featuresPatch, body);
  await auditedChange(ctx, async (tx) => {
    const system = await repo.systemRow(tx, ctx.orgId, systemId);
    if (!system) throw notFound('System');
    const before = await repo.featuresOf(tx, ctx.orgId, systemId);
    const now = nowIso();
    const after = { ...before };
    if (patch.anpr !== undefined && patch.anpr !== before.anpr) { after.anpr = patch.anpr; after.anprChangedAt = now; }
    if (patch.biometrics !== undefined && patch.biometrics !== before.biometrics) { after.biometrics = patch.biometrics; after.biometricsChangedAt = now; }
    await repo.saveFeatures(tx, ctx.orgId, systemId, after, now);
    const said = (on: boolean) => (on ? 'on' : 'off');
    return { result: undefined, action: 'update-features', objectType: 'system', objectId: systemId,
      summary: `Specialist technology on ${system.name}: ANPR ${said(after.anpr)}, biometric recognition ${said(after.biometrics)}`,
      before: { anpr: before.anpr, biometrics: before.biometrics }, after: { anpr: after.anpr, biometrics: after.biometrics } };
  });
  // Switching a feature on is a reason to review the system's DPIA: record it now rather than at the next check.
  const dpiaId = await repo.findDpiaIdBySystem(ctx.db, ctx.orgId, systemId);
  if (dpiaId) await build(ctx, (await repo.findDpia(ctx.db, ctx.orgId, dpiaId))!);
  return getFeatures(ctx, systemId);
}

// ---- Periodic review check ------------------------------------------------------------------------------------

/** Records review-due reasons for every signed-off DPIA of every organisation; returns how many DPIAs are due. */
export async function runReviewCheck(db: OrgContext['db']): Promise<{ organisations: number; reviewDue: number }> {
  let due = 0;
  const orgs = await repo.orgsWithSignedDpias(db);
  for (const o of orgs) {
    const ctx: OrgContext = { db, orgId: o.id, orgSlug: o.slug, role: 'admin', actor: { type: 'system', id: null, label: 'Sightline (DPIA review check)' } };
    for (const d of await listDpias(ctx)) if (d.state === 'review-due') due++;
  }
  return { organisations: orgs.length, reviewDue: due };
}
