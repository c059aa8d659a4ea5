import type { OrgContext, Tx } from '../../platform/context';
import { requirePermission } from '../../platform/context';
import { newId, nowIso } from '../../platform/ids';
import type { AssetsTable } from '../../platform/schema';
import { catalogueRuntime, compileWithOverrides } from '../../catalog';
import { ORGANISATION_RECORD_SOURCE } from '../../catalog/types';
import { identify, packEvidence, unpackEvidence, type CompiledCatalogue } from '../../domain/provenance';
import type { DeviceEvidence, EvidenceItem, Verdict } from '../../domain/provenance-types';
import { evaluatePolicy, type PolicyInput, type Severity } from '../../domain/policy';
import { syncAssetFindings } from '../findings/service';
import * as repo from './repo';
import { observationOf, observationsOf, type NetworkEvidence, type Observation } from './observations';
import { describeObservation, evidenceKindName } from './words';

/**
 * What is known about a device, in the provenance engine's terms: the register's own fields, plus what the network
 * last said about it (discovery's observation), which adds to them and never replaces them.
 */
export function evidenceFromAsset(a: Pick<AssetsTable, 'id' | 'manufacturer' | 'model' | 'firmware' | 'serial' | 'mac'>, observed?: NetworkEvidence | null): DeviceEvidence {
  return { ...observed, id: a.id, brand: a.manufacturer, model: a.model, firmware: a.firmware, serial: a.serial, mac: a.mac };
}

// Each organisation's compiled catalogue (shipped data plus its own brand records), kept for a short while:
// evaluating a million assets must not reload the overrides for each one. Changes here clear the entry at once;
// other app instances pick them up within the TTL.
const ORG_CATALOGUE_TTL_MS = 30_000;
const orgCatalogues = new Map<string, { at: number; compiled: CompiledCatalogue }>();

export function forgetOrgCatalogue(orgId: string) {
  orgCatalogues.delete(orgId);
}

export async function compiledForOrg(tx: Tx, orgId: string): Promise<CompiledCatalogue> {
  const hit = orgCatalogues.get(orgId);
  if (hit && Date.now() - hit.at < ORG_CATALOGUE_TTL_MS) return hit.compiled;
  const rows = await repo.catalogueOverridesOf(tx, orgId);
  const compiled = compileWithOverrides(rows.map((r) => ({ brandName: r.brand_name, company: r.company, basis: r.basis })));
  orgCatalogues.set(orgId, { at: Date.now(), compiled });
  return compiled;
}

/**
 * Re-reads an asset's provenance and applies the policy rules, storing the verdict (with the catalogue version
 * that produced it) and bringing its findings up to date: new ones opened, ones that no longer apply resolved.
 * Runs inside the caller's transaction, so a change to an asset and its findings land together. The asset's
 * observed network evidence is read from the database unless the caller passes it (null: it has none).
 */
export async function evaluateAsset(tx: Tx, ctx: Pick<OrgContext, 'orgId' | 'actor'>, asset: AssetsTable, observed?: Observation | null) {
  const rt = catalogueRuntime();
  const seen = observed === undefined ? await observationOf(tx, ctx.orgId, asset.id) : observed;
  const verdict = identify(await compiledForOrg(tx, ctx.orgId), evidenceFromAsset(asset, seen?.evidence));
  const [site, network] = await repo.policyPlaceOf(tx, ctx.orgId, asset.site_id, asset.network_id);
  const company = verdict.origin ? rt.companies.get(verdict.origin) : undefined;
  const input: PolicyInput = {
    assetId: asset.id, status: asset.status as PolicyInput['status'],
    site: site ? { id: site.id, name: site.name, sensitive: !!site.sensitive } : null,
    network: network ? { id: network.id, name: network.name, kind: network.kind as any } : null,
    verdict, originName: company?.name ?? null, originFlags: company?.flags ?? [],
  };
  const findings = evaluatePolicy(input);
  const previous = await repo.previousVerdictOf(tx, asset.id);
  await storeVerdict(tx, ctx.orgId, asset.id, verdict);
  const changes = await syncAssetFindings(tx, ctx, asset, findings, verdict.catalogueVersion);
  const nilNow = verdict.nilSubject === null ? null : verdict.nilSubject ? 1 : 0;
  const originChanged = !!previous && (previous.origin !== verdict.origin || (previous.nil_subject === null ? null : Number(previous.nil_subject)) !== nilNow);
  return { verdict, findings, originChanged, previousOrigin: previous?.origin ?? null, ...changes };
}

async function storeVerdict(tx: Tx, orgId: string, assetId: string, v: Verdict) {
  const row = {
    origin: v.origin, nil_subject: v.nilSubject === null ? null : v.nilSubject ? 1 : 0, confidence: v.confidence,
    evidence_json: JSON.stringify(packEvidence(catalogueRuntime().compiled, v.evidence)), conflicts_json: JSON.stringify(v.conflicts), catalogue_version: v.catalogueVersion, evaluated_at: nowIso(),
    platform_json: v.platform ? JSON.stringify(v.platform) : null,
  };
  await repo.upsertVerdict(tx, orgId, assetId, row);
}

/** Re-evaluates the assets at a site or on a network after that site or network changed (sensitivity, kind). */
export async function reevaluateWhere(tx: Tx, ctx: Pick<OrgContext, 'orgId' | 'actor'>, where: { siteId?: string; networkId?: string }) {
  const assets = await repo.assetsWhere(tx, ctx.orgId, where);
  const seen = await observationsOf(tx, ctx.orgId, assets.map((a) => a.id));
  for (const a of assets) await evaluateAsset(tx, ctx, a, seen.get(a.id) ?? null);
}

export interface AssessSummary {
  assets: number; nilSubject: number; unknown: number; notSubject: number;
  bySeverity: Record<Severity, number>; catalogueVersion: string;
}

export interface AssessChanges {
  evaluated: number; originChanged: number; findingsOpened: number; findingsResolved: number;
  previousCatalogueVersion: string | null; examples: { assetId: string; from: string | null; to: string | null }[];
}

/**
 * Evaluates the whole estate in batches (one transaction per batch, so memory stays flat and a failure part-way
 * leaves every finished batch consistent), then records the run with what changed since the previous one.
 */
export async function assessOrganisation(ctx: OrgContext, opts: { batch?: number; onProgress?: (done: number) => void } = {}) {
  requirePermission(ctx, 'assets:write');
  const startedAt = nowIso();
  const batch = opts.batch ?? 500;
  const last = await repo.lastAssessmentRun(ctx.db, ctx.orgId);
  const changes: AssessChanges = { evaluated: 0, originChanged: 0, findingsOpened: 0, findingsResolved: 0, previousCatalogueVersion: last?.catalogue_version ?? null, examples: [] };
  let after = '';
  for (;;) {
    const rows = await repo.assetsAfter(ctx.db, ctx.orgId, after, batch);
    if (!rows.length) break;
    await ctx.db.transaction().execute(async (tx) => {
      const seen = await observationsOf(tx, ctx.orgId, rows.map((a) => a.id));
      for (const a of rows) {
        const r = await evaluateAsset(tx, ctx, a, seen.get(a.id) ?? null);
        changes.findingsOpened += r.opened;
        changes.findingsResolved += r.resolved;
        if (r.originChanged) {
          changes.originChanged++;
          if (changes.examples.length < 50) changes.examples.push({ assetId: a.id, from: r.previousOrigin, to: r.verdict.origin });
        }
      }
    });
    changes.evaluated += rows.length;
    after = rows[rows.length - 1].id;
    opts.onProgress?.(changes.evaluated);
  }
  const summary = await summarise(ctx);
  await repo.insertAssessmentRun(ctx.db, {
    id: newId(), org_id: ctx.orgId, started_at: startedAt, finished_at: nowIso(), actor_label: ctx.actor.label,
    catalogue_version: summary.catalogueVersion, summary_json: JSON.stringify(summary), changes_json: JSON.stringify(changes),
  });
  return { ...summary, changes };
}

/** How many assets an assessment of the whole estate evaluates (removed ones too). */
export async function estateSize(ctx: OrgContext): Promise<number> {
  requirePermission(ctx, 'estate:read');
  return repo.countAssetsOf(ctx.db, ctx.orgId);
}

export async function lastAssessment(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  const r = await repo.lastAssessmentRun(ctx.db, ctx.orgId);
  if (!r) return null;
  return { finishedAt: r.finished_at, actor: r.actor_label, catalogueVersion: r.catalogue_version, summary: JSON.parse(r.summary_json) as AssessSummary, changes: JSON.parse(r.changes_json) as AssessChanges };
}

export async function summarise(ctx: OrgContext): Promise<AssessSummary> {
  const prov = await repo.countAssetsByNilSubject(ctx.db, ctx.orgId);
  const sev = await repo.countOpenFindingsBySeverity(ctx.db, ctx.orgId);
  const count = (v: number | null) => prov.filter((r) => (r.nil === null ? null : Number(r.nil)) === v).reduce((s, r) => s + Number(r.n), 0);
  const bySeverity = { critical: 0, high: 0, medium: 0, low: 0, info: 0 } as Record<Severity, number>;
  for (const r of sev) bySeverity[r.severity as Severity] = Number(r.n);
  return {
    assets: prov.reduce((s, r) => s + Number(r.n), 0), nilSubject: count(1), notSubject: count(0), unknown: count(null),
    bySeverity, catalogueVersion: catalogueRuntime().version,
  };
}

/** One piece of evidence as people and the API see it: the engine's item with its kind, producer and source in words. */
export interface ShownEvidence extends EvidenceItem {
  kindName: string; companyName: string | null; platformName: string | null; sourceTitle: string | null; sourceUrl: string | null;
}

export interface StoredVerdict {
  origin: string | null; originName: string | null; nilSubject: boolean | null; confidence: number;
  evidence: ShownEvidence[]; conflicts: Verdict['conflicts']; catalogueVersion: string; evaluatedAt: string;
  /** The platform (a board or firmware many makers use) the evidence shows, if any. */
  platform: NonNullable<Verdict['platform']> | null;
  /** True when the verdict was made with an older catalogue than the one now loaded. */
  stale: boolean;
  /** What the network last said about the asset (read with the register's fields), or null if no scan has. */
  observed: (Observation & { lines: ReturnType<typeof describeObservation> }) | null;
}

export async function provenanceOf(ctx: OrgContext, assetId: string): Promise<StoredVerdict | null> {
  requirePermission(ctx, 'estate:read');
  const [r, seen] = await Promise.all([
    repo.storedVerdictOf(ctx.db, ctx.orgId, assetId),
    observationOf(ctx.db, ctx.orgId, assetId),
  ]);
  if (!r) return null;
  const rt = catalogueRuntime();
  const sources = new Map(rt.catalogue.sources.map((s) => [s.id, s]));
  const platforms = new Map((rt.catalogue.platforms ?? []).map((p) => [p.id, p]));
  const evidence = unpackEvidence(rt.compiled, JSON.parse(r.evidence_json)).map((e): ShownEvidence => ({
    ...e, kindName: evidenceKindName(e.kind), companyName: e.company ? rt.companies.get(e.company)?.name ?? e.company : null,
    platformName: e.platform ? platforms.get(e.platform)?.name ?? e.platform : null,
    sourceTitle: e.source ? sources.get(e.source)?.title ?? (e.source === ORGANISATION_RECORD_SOURCE ? 'Your organisation’s own record' : e.source) : null,
    sourceUrl: e.source ? sources.get(e.source)?.url ?? null : null,
  }));
  return {
    origin: r.origin, originName: r.origin ? rt.companies.get(r.origin)?.name ?? r.origin : null,
    nilSubject: r.nil_subject === null ? null : !!r.nil_subject, confidence: Number(r.confidence),
    evidence, conflicts: JSON.parse(r.conflicts_json), catalogueVersion: r.catalogue_version, platform: r.platform_json ? JSON.parse(r.platform_json) : null,
    evaluatedAt: r.evaluated_at, stale: r.catalogue_version !== rt.version,
    observed: seen ? { ...seen, lines: describeObservation(seen.evidence) } : null,
  };
}

/** Counts by real origin for the overview: what the estate is, as opposed to what the labels say. */
export async function originCounts(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  const rows = await repo.countAssetsByOrigin(ctx.db, ctx.orgId);
  const rt = catalogueRuntime();
  return rows.map((r) => ({
    origin: r.origin, name: r.origin ? rt.companies.get(r.origin)?.name ?? r.origin : 'Unknown',
    nilSubject: r.nil === null ? null : !!Number(r.nil), n: Number(r.n),
  }));
}

/** How many devices were last evaluated with a catalogue other than the one now loaded. */
export async function staleVerdicts(ctx: OrgContext): Promise<number> {
  requirePermission(ctx, 'estate:read');
  return repo.countVerdictsNotFromCatalogue(ctx.db, ctx.orgId, catalogueRuntime().version);
}

/**
 * After a catalogue update: re-assesses each organisation that has verdicts from another catalogue version, so
 * the estate reflects what is now known and the assessment run records what changed.
 */
export async function reassessStaleEstates(db: OrgContext['db'], log: (line: string) => void) {
  const version = catalogueRuntime().version;
  const orgs = await repo.orgsWithVerdictsNotFromCatalogue(db, version);
  for (const o of orgs) {
    const ctx: OrgContext = { db, orgId: o.id, orgSlug: o.slug, role: 'admin', actor: { type: 'system', id: null, label: `Sightline (catalogue ${version})` } };
    const r = await assessOrganisation(ctx);
    log(`Re-assessed ${o.slug} with catalogue ${version}: ${r.changes.originChanged} devices changed origin, ${r.changes.findingsOpened} findings opened, ${r.changes.findingsResolved} resolved`);
  }
}

/** Per site: devices in service, how many are PRC-NIL or unknown, and open critical/high findings. */
export async function siteRisk(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  const devices = await repo.countSiteDevicesByNilSubject(ctx.db, ctx.orgId);
  const serious = await repo.countSiteSeriousFindings(ctx.db, ctx.orgId);
  const bySite = new Map<string, { siteId: string | null; name: string; sensitive: boolean; devices: number; nil: number; unknown: number; serious: number }>();
  for (const r of devices) {
    const key = r.site_id ?? '';
    const e = bySite.get(key) ?? { siteId: r.site_id, name: r.name ?? 'No site recorded', sensitive: !!r.sensitive, devices: 0, nil: 0, unknown: 0, serious: 0 };
    e.devices += Number(r.n);
    if (r.nil === null) e.unknown += Number(r.n); else if (Number(r.nil) === 1) e.nil += Number(r.n);
    bySite.set(key, e);
  }
  for (const r of serious) { const e = bySite.get(r.site_id ?? ''); if (e) e.serious = Number(r.n); }
  return [...bySite.values()].sort((a, b) => b.serious - a.serious || b.nil - a.nil || a.name.localeCompare(b.name));
}
