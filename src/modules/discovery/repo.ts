import type { Insertable } from 'kysely';
import type { Tx } from '../../platform/context';
import type { AssetsTable } from '../../platform/schema';
import type { DiscoveryDevicesTable, DiscoveryItemsTable, DiscoveryRunsTable, DiscoverySchedulesTable } from '../../platform/tables/discovery';

/** Rows per multi-row insert or IN list: well under PostgreSQL's 65,535 bind parameters. */
const CHUNK = 500;

export function chunks<T>(list: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

// ---- allowed ranges ----

export async function listRanges(tx: Tx, orgId: string) {
  return tx.selectFrom('discovery_ranges').selectAll().where('org_id', '=', orgId).orderBy('cidr').execute();
}

export async function findRange(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('discovery_ranges').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

// ---- schedules ----

export async function listSchedules(tx: Tx, orgId: string) {
  return tx.selectFrom('discovery_schedules').selectAll().where('org_id', '=', orgId).orderBy('name').execute();
}

export async function findSchedule(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('discovery_schedules').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** Every enabled schedule of every organisation (the system's periodic tick). */
export async function enabledSchedules(tx: Tx) {
  return tx.selectFrom('discovery_schedules').select(['id', 'org_id', 'cadence', 'anchor_at']).where('enabled', '=', 1).orderBy('id').execute();
}

export async function recordScheduleOutcome(tx: Tx, orgId: string, id: string, set: Partial<DiscoverySchedulesTable>) {
  await tx.updateTable('discovery_schedules').set(set).where('org_id', '=', orgId).where('id', '=', id).execute();
}

// ---- runs, devices, reconciliation items ----

export async function insertRun(tx: Tx, run: DiscoveryRunsTable) {
  await tx.insertInto('discovery_runs').values(run).execute();
}

export async function insertDevices(tx: Tx, rows: DiscoveryDevicesTable[]) {
  for (const part of chunks(rows, 200)) await tx.insertInto('discovery_devices').values(part).execute();
}

export async function insertItems(tx: Tx, rows: Insertable<DiscoveryItemsTable>[]) {
  for (const part of chunks(rows, 200)) await tx.insertInto('discovery_items').values(part).execute();
}

export async function listRuns(tx: Tx, orgId: string, q: { before?: string; limit: number }) {
  let query = tx.selectFrom('discovery_runs').selectAll().where('org_id', '=', orgId);
  if (q.before) query = query.where('id', '<', q.before);
  return query.orderBy('id', 'desc').limit(q.limit + 1).execute();
}

export async function findRun(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('discovery_runs').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function findItem(tx: Tx, orgId: string, runId: string, id: string) {
  return tx.selectFrom('discovery_items').selectAll().where('org_id', '=', orgId).where('run_id', '=', runId).where('id', '=', id).executeTakeFirst();
}

export async function findDevice(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('discovery_devices').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export interface ItemFilter { kind?: string; open?: boolean; after?: string; limit: number }

/** Items with the device and asset they are about. */
function itemQuery(tx: Tx, orgId: string, runId: string) {
  return tx.selectFrom('discovery_items')
    .leftJoin('discovery_devices', 'discovery_devices.id', 'discovery_items.device_id')
    .leftJoin('assets', 'assets.id', 'discovery_items.asset_id')
    .selectAll('discovery_items')
    .select([
      'discovery_devices.address as d_address', 'discovery_devices.mac as d_mac', 'discovery_devices.brand as d_brand', 'discovery_devices.model as d_model',
      'discovery_devices.firmware as d_firmware', 'discovery_devices.serial as d_serial', 'discovery_devices.origin as d_origin',
      'discovery_devices.nil_subject as d_nil', 'discovery_devices.confidence as d_confidence',
      'assets.manufacturer as a_manufacturer', 'assets.model as a_model', 'assets.serial as a_serial', 'assets.ip as a_ip', 'assets.kind as a_kind',
    ])
    .where('discovery_items.org_id', '=', orgId).where('discovery_items.run_id', '=', runId);
}
export type ItemRow = NonNullable<Awaited<ReturnType<typeof findItemView>>>;

export async function findItemView(tx: Tx, orgId: string, runId: string, id: string) {
  return itemQuery(tx, orgId, runId).where('discovery_items.id', '=', id).executeTakeFirst();
}

/** A run's items, in id order (keyset pages). */
export async function listItems(tx: Tx, orgId: string, runId: string, f: ItemFilter) {
  let q = itemQuery(tx, orgId, runId);
  if (f.kind) q = q.where('discovery_items.kind', '=', f.kind as DiscoveryItemsTable['kind']);
  if (f.open === true) q = q.where((eb) => eb.or([eb('discovery_items.outcome', 'is', null), eb('discovery_items.outcome', '=', 'working')]));
  if (f.open === false) q = q.where('discovery_items.outcome', 'is not', null).where('discovery_items.outcome', '!=', 'working');
  if (f.after) q = q.where('discovery_items.id', '>', f.after);
  return q.orderBy('discovery_items.id').limit(f.limit + 1).execute();
}

export async function itemCounts(tx: Tx, orgId: string, runId: string) {
  const rows = await tx.selectFrom('discovery_items').select(['kind', 'outcome', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId).where('run_id', '=', runId).groupBy(['kind', 'outcome']).execute();
  return rows.map((r) => ({ kind: r.kind, actioned: r.outcome !== null && r.outcome !== 'working', n: Number(r.n) }));
}

/**
 * Takes an item for acting on: only one request can hold it. A hold older than `staleBefore` (its request died)
 * may be taken over. Returns false when the item is done or another request holds it.
 */
export async function claimItem(tx: Tx, orgId: string, id: string, now: string, staleBefore: string, by: string): Promise<boolean> {
  const r = await tx.updateTable('discovery_items').set({ outcome: 'working', actioned_at: now, actioned_by: by })
    .where('org_id', '=', orgId).where('id', '=', id)
    .where((eb) => eb.or([eb('outcome', 'is', null), eb.and([eb('outcome', '=', 'working'), eb('actioned_at', '<', staleBefore)])]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function releaseItem(tx: Tx, orgId: string, id: string) {
  await tx.updateTable('discovery_items').set({ outcome: null, actioned_at: null, actioned_by: null })
    .where('org_id', '=', orgId).where('id', '=', id).where('outcome', '=', 'working').execute();
}

export async function finishItem(tx: Tx, orgId: string, id: string, set: Pick<DiscoveryItemsTable, 'outcome' | 'outcome_summary' | 'outcome_asset_id' | 'actioned_at' | 'actioned_by'>) {
  await tx.updateTable('discovery_items').set(set).where('org_id', '=', orgId).where('id', '=', id).execute();
}

// ---- the register, as reconciliation reads it ----

export type RegisterAsset = Pick<AssetsTable, 'id' | 'kind' | 'manufacturer' | 'model' | 'serial' | 'firmware' | 'mac' | 'ip' | 'status'>;
const ASSET_COLS = ['id', 'kind', 'manufacturer', 'model', 'serial', 'firmware', 'mac', 'ip', 'status'] as const;

/** Assets whose MAC, serial or IP is one of those given. */
export async function assetsMatching(tx: Tx, orgId: string, column: 'mac' | 'serial' | 'ip', values: string[]): Promise<RegisterAsset[]> {
  const out: RegisterAsset[] = [];
  for (const part of chunks([...new Set(values)])) {
    out.push(...await tx.selectFrom('assets').select(ASSET_COLS).where('org_id', '=', orgId).where(column, 'in', part).orderBy('id').execute());
  }
  return out;
}

/** Every asset with an IP address that is not recorded as removed, a batch at a time (for "not seen"). */
export async function* assetsWithIp(tx: Tx, orgId: string, batch = 2000): AsyncGenerator<RegisterAsset[]> {
  let after = '';
  for (;;) {
    const rows = await tx.selectFrom('assets').select(ASSET_COLS).where('org_id', '=', orgId).where('ip', 'is not', null)
      .where('status', '!=', 'removed').where('id', '>', after).orderBy('id').limit(batch).execute();
    if (!rows.length) return;
    yield rows;
    after = rows[rows.length - 1].id;
  }
}

/** Whole asset rows (for re-evaluation), by id. */
export async function assetRows(tx: Tx, orgId: string, assetIds: string[]): Promise<AssetsTable[]> {
  const out: AssetsTable[] = [];
  for (const part of chunks([...new Set(assetIds)])) out.push(...await tx.selectFrom('assets').selectAll().where('org_id', '=', orgId).where('id', 'in', part).orderBy('id').execute());
  return out;
}

export async function storedOrigins(tx: Tx, orgId: string, assetIds: string[]) {
  const out = new Map<string, string | null>();
  for (const part of chunks([...new Set(assetIds)])) {
    const rows = await tx.selectFrom('asset_provenance').select(['asset_id', 'origin']).where('org_id', '=', orgId).where('asset_id', 'in', part).execute();
    for (const r of rows) out.set(r.asset_id, r.origin);
  }
  return out;
}
