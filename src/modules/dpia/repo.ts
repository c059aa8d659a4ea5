import { sql } from 'kysely';
import type { Tx } from '../../platform/context';
import type { DpiaRisksTable, DpiaVersionsTable, DisclosureRequestsTable, SignsTable } from '../../platform/tables/dpia';
import type { CameraEntry, CurrentCamera, CurrentFeatures, Departure, Features, RiskLevel } from './review';
import { WHY_NEEDED, type DpiaSections, type Risk, type DpiaVersion } from './schemas';

// ---- DPIAs ------------------------------------------------------------------------------------------------

export async function findDpia(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('dpias').innerJoin('systems', 'systems.id', 'dpias.system_id')
    .selectAll('dpias').select(['systems.name as system_name'])
    .where('dpias.org_id', '=', orgId).where('dpias.id', '=', id).executeTakeFirst();
}
export type DpiaRow = NonNullable<Awaited<ReturnType<typeof findDpia>>>;

export async function listDpias(tx: Tx, orgId: string, systemId?: string) {
  let q = tx.selectFrom('dpias').innerJoin('systems', 'systems.id', 'dpias.system_id')
    .selectAll('dpias').select(['systems.name as system_name']).where('dpias.org_id', '=', orgId);
  if (systemId) q = q.where('dpias.system_id', '=', systemId);
  return q.orderBy('systems.name_key').orderBy('dpias.id').limit(5000).execute();
}

export async function findDpiaIdBySystem(tx: Tx, orgId: string, systemId: string) {
  return (await tx.selectFrom('dpias').select('id').where('org_id', '=', orgId).where('system_id', '=', systemId).executeTakeFirst())?.id ?? null;
}

/** Ids of organisations with at least one signed-off DPIA (what the periodic review check walks). */
export async function orgsWithSignedDpias(tx: Tx) {
  return tx.selectFrom('dpia_versions').innerJoin('organisations', 'organisations.id', 'dpia_versions.org_id')
    .select(['organisations.id', 'organisations.slug']).where('dpia_versions.status', '=', 'signed-off').distinct().execute();
}

export async function versionsOf(tx: Tx, orgId: string, dpiaId: string) {
  return tx.selectFrom('dpia_versions').selectAll().where('org_id', '=', orgId).where('dpia_id', '=', dpiaId).orderBy('version').execute();
}

export async function risksOf(tx: Tx, orgId: string, versionId: string) {
  return tx.selectFrom('dpia_risks').selectAll().where('org_id', '=', orgId).where('version_id', '=', versionId).orderBy('position').orderBy('id').execute();
}

export function toRisk(r: DpiaRisksTable): Risk {
  return {
    id: r.id, position: r.position, description: r.description, likelihood: r.likelihood as Risk['likelihood'], severity: r.severity as Risk['severity'],
    overall: r.overall as RiskLevel, mitigation: r.mitigation, residualRisk: r.residual_risk as RiskLevel | null, approvedBy: r.approved_by,
  };
}

export function sectionsOf(v: DpiaVersionsTable): DpiaSections {
  const why = JSON.parse(v.why_needed_json) as string[];
  return {
    whyNeeded: WHY_NEEDED.filter((w) => why.includes(w)), whyNeededNotes: v.why_needed_notes, regime: v.regime as DpiaSections['regime'],
    controller: v.controller, processingNature: v.processing_nature, processingScope: v.processing_scope, processingContext: v.processing_context,
    processingPurposes: v.processing_purposes, lawfulBasis: v.lawful_basis, consultation: v.consultation, necessity: v.necessity,
  };
}

export function sectionColumns(s: Partial<DpiaSections>) {
  const cols: Partial<DpiaVersionsTable> = {};
  if (s.whyNeeded !== undefined) cols.why_needed_json = JSON.stringify(s.whyNeeded);
  if (s.whyNeededNotes !== undefined) cols.why_needed_notes = s.whyNeededNotes;
  if (s.regime !== undefined) cols.regime = s.regime;
  if (s.controller !== undefined) cols.controller = s.controller;
  if (s.processingNature !== undefined) cols.processing_nature = s.processingNature;
  if (s.processingScope !== undefined) cols.processing_scope = s.processingScope;
  if (s.processingContext !== undefined) cols.processing_context = s.processingContext;
  if (s.processingPurposes !== undefined) cols.processing_purposes = s.processingPurposes;
  if (s.lawfulBasis !== undefined) cols.lawful_basis = s.lawfulBasis;
  if (s.consultation !== undefined) cols.consultation = s.consultation;
  if (s.necessity !== undefined) cols.necessity = s.necessity;
  return cols;
}

export function toVersion(v: DpiaVersionsTable, risks: Risk[], cameras: CameraEntry[], features: Features): DpiaVersion {
  return {
    id: v.id, version: Number(v.version), status: v.status as DpiaVersion['status'], ...sectionsOf(v),
    dpoName: v.dpo_name, dpoAdvice: v.dpo_advice, dpoAdviceAccepted: v.dpo_advice_accepted === null ? null : !!Number(v.dpo_advice_accepted),
    dpoAdviceResponse: v.dpo_advice_response, approvedBy: v.approved_by, outcome: v.outcome as DpiaVersion['outcome'],
    signedOffOn: v.signed_off_on, signedOffAt: v.signed_off_at, signedOffBy: v.signed_off_by, reviewDate: v.review_date,
    createdAt: v.created_at, createdBy: v.created_by, updatedAt: v.updated_at,
    risks, cameras, camerasFrozen: v.status === 'signed-off', features,
  };
}

/** A device's name on the camera list: where it is, else its serial, else what it is. */
const deviceName = (a: { location: string | null; serial: string | null; manufacturer: string | null; model: string | null }) =>
  a.location ?? a.serial ?? ([a.manufacturer, a.model].filter(Boolean).join(' ') || 'Unnamed device');

/** The system's devices as the register holds them now. */
export async function liveCameras(tx: Tx, orgId: string, systemId: string): Promise<CurrentCamera[]> {
  const rows = await tx.selectFrom('assets').leftJoin('sites', (j) => j.onRef('sites.id', '=', 'assets.site_id').on('sites.org_id', '=', orgId))
    .select(['assets.id', 'assets.kind', 'assets.location', 'assets.serial', 'assets.manufacturer', 'assets.model', 'assets.firmware', 'assets.site_id',
      'sites.name as site_name', 'assets.status', 'assets.created_at', 'assets.updated_at'])
    .where('assets.org_id', '=', orgId).where('assets.system_id', '=', systemId)
    .orderBy('sites.name_key').orderBy('assets.location').orderBy('assets.id').limit(20_000).execute();
  return rows.map((r) => ({
    assetId: r.id, kind: r.kind, name: deviceName(r), manufacturer: r.manufacturer, model: r.model, firmware: r.firmware,
    siteId: r.site_id, siteName: r.site_name ?? null, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at,
  }));
}

export const cameraEntry = ({ createdAt: _c, updatedAt: _u, ...entry }: CurrentCamera): CameraEntry => entry;

/** For devices no longer on the system: still in the register (moved, when) or deleted from it (when). */
export async function departuresOf(tx: Tx, orgId: string, assetIds: string[]): Promise<Departure[]> {
  if (!assetIds.length) return [];
  const still = await tx.selectFrom('assets').select(['id', 'updated_at']).where('org_id', '=', orgId).where('id', 'in', assetIds).execute();
  const stillAt = new Map(still.map((r) => [r.id, r.updated_at]));
  const gone = assetIds.filter((id) => !stillAt.has(id));
  const deletions = gone.length ? await tx.selectFrom('audit_events').select(['object_id', 'at']).where('org_id', '=', orgId)
    .where('object_type', '=', 'asset').where('action', '=', 'delete').where('object_id', 'in', gone).execute() : [];
  const deletedAt = new Map(deletions.map((r) => [r.object_id, r.at]));
  return assetIds.map((id) => ({ assetId: id, movedAt: stillAt.get(id) ?? null, deletedAt: stillAt.has(id) ? null : deletedAt.get(id) ?? null }));
}

export async function featuresOf(tx: Tx, orgId: string, systemId: string): Promise<CurrentFeatures> {
  const r = await tx.selectFrom('dpia_system_features').selectAll().where('org_id', '=', orgId).where('system_id', '=', systemId).executeTakeFirst();
  return { anpr: !!Number(r?.anpr ?? 0), biometrics: !!Number(r?.biometrics ?? 0), anprChangedAt: r?.anpr_changed_at ?? null, biometricsChangedAt: r?.biometrics_changed_at ?? null };
}

export async function saveFeatures(tx: Tx, orgId: string, systemId: string, f: CurrentFeatures, now: string) {
  const cols = { anpr: f.anpr ? 1 : 0, biometrics: f.biometrics ? 1 : 0, anpr_changed_at: f.anprChangedAt, biometrics_changed_at: f.biometricsChangedAt, updated_at: now };
  await tx.insertInto('dpia_system_features').values({ system_id: systemId, org_id: orgId, ...cols })
    .onConflict((oc) => oc.column('system_id').doUpdateSet(cols).where('dpia_system_features.org_id', '=', orgId)).execute();
}

export async function openReviewReasons(tx: Tx, orgId: string, dpiaId: string) {
  return tx.selectFrom('dpia_review_reasons').selectAll().where('org_id', '=', orgId).where('dpia_id', '=', dpiaId)
    .where('resolved_at', 'is', null).orderBy('occurred_on').orderBy('id').execute();
}

/** Records a reason once; false when it was already recorded (by another reader or the periodic check). */
export async function recordReviewReason(tx: Tx, row: { id: string; org_id: string; dpia_id: string; version: number; reason_key: string; reason: string; occurred_on: string; detected_at: string }) {
  const r = await tx.insertInto('dpia_review_reasons').values({ ...row, resolved_at: null })
    .onConflict((oc) => oc.columns(['dpia_id', 'version', 'reason_key']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function resolveReviewReasons(tx: Tx, orgId: string, dpiaId: string, at: string) {
  await tx.updateTable('dpia_review_reasons').set({ resolved_at: at }).where('org_id', '=', orgId).where('dpia_id', '=', dpiaId).where('resolved_at', 'is', null).execute();
}

export async function systemRow(tx: Tx, orgId: string, systemId: string) {
  return tx.selectFrom('systems').select(['id', 'name', 'purpose', 'retention_days']).where('org_id', '=', orgId).where('id', '=', systemId).executeTakeFirst();
}

// ---- Signage ----------------------------------------------------------------------------------------------

export async function findSign(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('signage_signs').innerJoin('sites', 'sites.id', 'signage_signs.site_id').selectAll('signage_signs').select(['sites.name as site_name'])
    .where('signage_signs.org_id', '=', orgId).where('signage_signs.id', '=', id).executeTakeFirst();
}
export type SignRow = SignsTable & { site_name: string };

export async function listSigns(tx: Tx, orgId: string, opts: { siteId?: string; after?: string; limit: number; bySite?: boolean }) {
  let q = tx.selectFrom('signage_signs').innerJoin('sites', 'sites.id', 'signage_signs.site_id').selectAll('signage_signs').select(['sites.name as site_name'])
    .where('signage_signs.org_id', '=', orgId);
  if (opts.siteId) q = q.where('signage_signs.site_id', '=', opts.siteId);
  if (opts.after) q = q.where('signage_signs.id', '>', opts.after);
  q = opts.bySite ? q.orderBy('sites.name_key').orderBy('signage_signs.location') : q;
  return q.orderBy('signage_signs.id').limit(opts.limit + 1).execute();
}

export async function siteName(tx: Tx, orgId: string, siteId: string) {
  return (await tx.selectFrom('sites').select('name').where('org_id', '=', orgId).where('id', '=', siteId).executeTakeFirst())?.name ?? null;
}

/**
 * Whether a document id names one of this organisation's documents: 'unknown' while the documents area has no
 * table yet (then the id is kept as given). Runs outside any transaction, so a missing table aborts nothing.
 */
export async function documentStatus(db: Tx, orgId: string, id: string): Promise<'found' | 'missing' | 'unknown'> {
  try {
    const r = await sql<{ id: string }>`select id from documents where org_id = ${orgId} and id = ${id}`.execute(db);
    return r.rows.length ? 'found' : 'missing';
  } catch {
    return 'unknown';
  }
}

// ---- Disclosure log ---------------------------------------------------------------------------------------

export async function findDisclosure(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('disclosure_requests').leftJoin('systems', (j) => j.onRef('systems.id', '=', 'disclosure_requests.system_id').on('systems.org_id', '=', orgId))
    .selectAll('disclosure_requests').select(['systems.name as system_name'])
    .where('disclosure_requests.org_id', '=', orgId).where('disclosure_requests.id', '=', id).executeTakeFirst();
}
export type DisclosureRow = DisclosureRequestsTable & { system_name: string | null };

export async function listDisclosures(tx: Tx, orgId: string, opts: { systemId?: string; status?: 'open' | 'overdue' | 'closed'; today: string; before?: string; limit: number }) {
  let q = tx.selectFrom('disclosure_requests').leftJoin('systems', (j) => j.onRef('systems.id', '=', 'disclosure_requests.system_id').on('systems.org_id', '=', orgId))
    .selectAll('disclosure_requests').select(['systems.name as system_name']).where('disclosure_requests.org_id', '=', orgId);
  if (opts.systemId) q = q.where('disclosure_requests.system_id', '=', opts.systemId);
  if (opts.status === 'open') q = q.where('disclosure_requests.outcome', '=', 'open');
  if (opts.status === 'closed') q = q.where('disclosure_requests.outcome', '!=', 'open');
  if (opts.status === 'overdue') q = q.where('disclosure_requests.outcome', '=', 'open').where('disclosure_requests.deadline', '<', opts.today);
  if (opts.before) q = q.where('disclosure_requests.id', '<', opts.before);
  return q.orderBy('disclosure_requests.id', 'desc').limit(opts.limit + 1).execute();
}
