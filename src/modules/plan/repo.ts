import type { Tx } from '../../platform/context';

export async function unitCostRows(tx: Tx, orgId: string) {
  return tx.selectFrom('replacement_costs').selectAll().where('org_id', '=', orgId).execute();
}

export async function upsertUnitCost(tx: Tx, orgId: string, kind: string, pence: number, at: string) {
  await tx.insertInto('replacement_costs').values({ org_id: orgId, kind, unit_cost_pence: pence, updated_at: at })
    .onConflict((oc) => oc.columns(['org_id', 'kind']).doUpdateSet({ unit_cost_pence: pence, updated_at: at })).execute();
}

/**
 * Devices in service with an unresolved finding of one of `rules`, one row per finding, with where they are and
 * who made them (a read across findings, assets, sites, networks and verdicts for the replacement programme).
 */
export async function planFindingRows(tx: Tx, orgId: string, rules: string[]) {
  return tx.selectFrom('findings')
    .innerJoin('assets', 'assets.id', 'findings.asset_id')
    .leftJoin('sites', 'sites.id', 'assets.site_id')
    .leftJoin('networks', 'networks.id', 'assets.network_id')
    .leftJoin('asset_provenance', 'asset_provenance.asset_id', 'assets.id')
    .select(['findings.rule', 'findings.severity', 'findings.status', 'assets.id as asset_id', 'assets.kind', 'assets.manufacturer', 'assets.model', 'assets.serial',
      'sites.name as site_name', 'networks.name as network_name', 'asset_provenance.origin'])
    .where('findings.org_id', '=', orgId).where('findings.status', '!=', 'resolved').where('findings.rule', 'in', rules)
    .where('assets.status', '!=', 'removed').execute();
}
