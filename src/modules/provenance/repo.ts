import type { Tx } from '../../platform/context';

export interface VerdictRow {
  origin: string | null; nil_subject: number | null; confidence: number; evidence_json: string; conflicts_json: string;
  catalogue_version: string; evaluated_at: string; platform_json: string | null;
}
export interface AssessmentRunRow {
  id: string; org_id: string; started_at: string; finished_at: string; actor_label: string; catalogue_version: string;
  summary_json: string; changes_json: string;
}

/*
 * Provenance owns verdicts, observations and assessment runs. Its read-only joins onto sites, networks, assets and
 * findings are summaries across the estate; they live here rather than going through those modules' services
 * because sites, networks and assets call provenance to re-evaluate after a change (the other way would be a cycle).
 */

export async function catalogueOverridesOf(tx: Tx, orgId: string) {
  return tx.selectFrom('catalogue_overrides').select(['brand_name', 'company', 'basis']).where('org_id', '=', orgId).execute();
}

/** The site and network facts the policy rules read (sensitivity, kind). */
export async function policyPlaceOf(tx: Tx, orgId: string, siteId: string | null, networkId: string | null) {
  return Promise.all([
    siteId ? tx.selectFrom('sites').select(['id', 'name', 'sensitive']).where('org_id', '=', orgId).where('id', '=', siteId).executeTakeFirst() : undefined,
    networkId ? tx.selectFrom('networks').select(['id', 'name', 'kind']).where('org_id', '=', orgId).where('id', '=', networkId).executeTakeFirst() : undefined,
  ]);
}

export async function previousVerdictOf(tx: Tx, assetId: string) {
  return tx.selectFrom('asset_provenance').select(['origin', 'nil_subject']).where('asset_id', '=', assetId).executeTakeFirst();
}

export async function storedVerdictOf(tx: Tx, orgId: string, assetId: string) {
  return tx.selectFrom('asset_provenance').selectAll().where('org_id', '=', orgId).where('asset_id', '=', assetId).executeTakeFirst();
}

export async function upsertVerdict(tx: Tx, orgId: string, assetId: string, row: VerdictRow) {
  await tx.insertInto('asset_provenance').values({ asset_id: assetId, org_id: orgId, ...row })
    .onConflict((oc) => oc.column('asset_id').doUpdateSet(row)).execute();
}

/** Assets at a site or on a network (both when both are given), whole rows for re-evaluation. */
export async function assetsWhere(tx: Tx, orgId: string, where: { siteId?: string; networkId?: string }) {
  let q = tx.selectFrom('assets').selectAll().where('org_id', '=', orgId);
  if (where.siteId) q = q.where('site_id', '=', where.siteId);
  if (where.networkId) q = q.where('network_id', '=', where.networkId);
  return q.execute();
}

export async function countAssetsOf(tx: Tx, orgId: string): Promise<number> {
  return Number((await tx.selectFrom('assets').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow()).n);
}

/** One page of the estate in id order, for batch assessment. */
export async function assetsAfter(tx: Tx, orgId: string, after: string, limit: number) {
  return tx.selectFrom('assets').selectAll().where('org_id', '=', orgId).where('id', '>', after).orderBy('id').limit(limit).execute();
}

export async function lastAssessmentRun(tx: Tx, orgId: string) {
  return tx.selectFrom('assessment_runs').selectAll().where('org_id', '=', orgId).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

export async function insertAssessmentRun(tx: Tx, row: AssessmentRunRow) {
  await tx.insertInto('assessment_runs').values(row).execute();
}

/** Assets in service counted by whether their producer is subject to the PRC National Intelligence Law. */
export async function countAssetsByNilSubject(tx: Tx, orgId: string) {
  return tx.selectFrom('assets').leftJoin('asset_provenance', 'asset_provenance.asset_id', 'assets.id')
    .select(['asset_provenance.nil_subject as nil', (eb) => eb.fn.countAll<number>().as('n')])
    .where('assets.org_id', '=', orgId).where('assets.status', '!=', 'removed').groupBy('asset_provenance.nil_subject').execute();
}

export async function countOpenFindingsBySeverity(tx: Tx, orgId: string) {
  return tx.selectFrom('findings').select(['severity', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId).where('status', '!=', 'resolved').groupBy('severity').execute();
}

export async function countAssetsByOrigin(tx: Tx, orgId: string) {
  return tx.selectFrom('assets').leftJoin('asset_provenance', 'asset_provenance.asset_id', 'assets.id')
    .select(['asset_provenance.origin as origin', 'asset_provenance.nil_subject as nil', (eb) => eb.fn.countAll<number>().as('n')])
    .where('assets.org_id', '=', orgId).where('assets.status', '!=', 'removed')
    .groupBy(['asset_provenance.origin', 'asset_provenance.nil_subject']).orderBy('n', 'desc').execute();
}

export async function countVerdictsNotFromCatalogue(tx: Tx, orgId: string, version: string) {
  const r = await tx.selectFrom('asset_provenance').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId).where('catalogue_version', '!=', version).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Every organisation holding a verdict made with another catalogue version. */
export async function orgsWithVerdictsNotFromCatalogue(tx: Tx, version: string) {
  return tx.selectFrom('asset_provenance').innerJoin('organisations', 'organisations.id', 'asset_provenance.org_id')
    .select(['organisations.id', 'organisations.slug']).where('asset_provenance.catalogue_version', '!=', version).distinct().execute();
}

/** Per site: devices in service by NIL status. */
export async function countSiteDevicesByNilSubject(tx: Tx, orgId: string) {
  return tx.selectFrom('assets').leftJoin('asset_provenance', 'asset_provenance.asset_id', 'assets.id')
    .leftJoin('sites', 'sites.id', 'assets.site_id')
    .select(['assets.site_id as site_id', 'sites.name as name', 'sites.sensitive as sensitive', 'asset_provenance.nil_subject as nil', (eb) => eb.fn.countAll<number>().as('n')])
    .where('assets.org_id', '=', orgId).where('assets.status', '!=', 'removed')
    .groupBy(['assets.site_id', 'sites.name', 'sites.sensitive', 'asset_provenance.nil_subject']).execute();
}

/** Per site: open critical and high findings. */
export async function countSiteSeriousFindings(tx: Tx, orgId: string) {
  return tx.selectFrom('findings').innerJoin('assets', 'assets.id', 'findings.asset_id')
    .select(['assets.site_id as site_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('findings.org_id', '=', orgId).where('findings.status', '!=', 'resolved').where('findings.severity', 'in', ['critical', 'high'])
    .groupBy('assets.site_id').execute();
}

export type ObservationRow = { asset_id: string; run_id: string | null; address: string; evidence_json: string; seen_at: string };

export async function observationRowOf(tx: Tx, orgId: string, assetId: string): Promise<ObservationRow | undefined> {
  return tx.selectFrom('asset_observations').select(['asset_id', 'run_id', 'address', 'evidence_json', 'seen_at'])
    .where('org_id', '=', orgId).where('asset_id', '=', assetId).executeTakeFirst();
}

export async function observationRowsOf(tx: Tx, orgId: string, assetIds: string[]): Promise<ObservationRow[]> {
  return tx.selectFrom('asset_observations').select(['asset_id', 'run_id', 'address', 'evidence_json', 'seen_at'])
    .where('org_id', '=', orgId).where('asset_id', 'in', assetIds).execute();
}

/** Stores observations, never letting an older scan's replace a newer one's. */
export async function upsertObservationsIfNewer(tx: Tx, orgId: string, rows: (ObservationRow & { org_id: string })[]) {
  for (let i = 0; i < rows.length; i += 200) {
    await tx.insertInto('asset_observations').values(rows.slice(i, i + 200))
      .onConflict((oc) => oc.column('asset_id').doUpdateSet((eb) => ({
        run_id: eb.ref('excluded.run_id'), address: eb.ref('excluded.address'), evidence_json: eb.ref('excluded.evidence_json'), seen_at: eb.ref('excluded.seen_at'),
      })).where((eb) => eb.and([eb('asset_observations.org_id', '=', orgId), eb('asset_observations.seen_at', '<=', eb.ref('excluded.seen_at'))])))
      .execute();
  }
}
