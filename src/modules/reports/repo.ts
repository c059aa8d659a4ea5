import type { Tx } from '../../platform/context';

export async function profileRow(tx: Tx, orgId: string) {
  return tx.selectFrom('organisation_profiles').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

export async function upsertProfile(tx: Tx, orgId: string, row: {
  maintainer: string | null; contract_start: string | null; contract_end: string | null; annual_spend_pence: number | null; foi_contact: string | null; updated_at: string;
}) {
  await tx.insertInto('organisation_profiles').values({ org_id: orgId, ...row }).onConflict((oc) => oc.column('org_id').doUpdateSet(row)).execute();
}

// The FOI counts: devices in service by kind, cameras by the maker on the label and by real producer.

export async function countDevicesByKind(tx: Tx, orgId: string) {
  return tx.selectFrom('assets').select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId).where('status', '!=', 'removed').groupBy('kind').execute();
}

export async function countCamerasByLabel(tx: Tx, orgId: string) {
  return tx.selectFrom('assets').select(['manufacturer_key', (eb) => eb.fn.min('manufacturer').as('label'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId).where('status', '!=', 'removed').where('kind', '=', 'camera').groupBy('manufacturer_key').orderBy('n', 'desc').execute();
}

export async function countCamerasByOrigin(tx: Tx, orgId: string) {
  return tx.selectFrom('assets').leftJoin('asset_provenance', 'asset_provenance.asset_id', 'assets.id')
    .select(['asset_provenance.origin as origin', 'asset_provenance.nil_subject as nil', (eb) => eb.fn.countAll<number>().as('n')])
    .where('assets.org_id', '=', orgId).where('assets.status', '!=', 'removed').where('assets.kind', '=', 'camera')
    .groupBy(['asset_provenance.origin', 'asset_provenance.nil_subject']).orderBy('n', 'desc').execute();
}
