import { sql, type SelectQueryBuilder } from 'kysely';
import type { Tx } from '../../platform/context';
import type { AssetsTable, DB } from '../../platform/schema';
import type { Cursor } from '../../platform/paging';
import { containsText } from '../../platform/sqlutil';
import { textKey, type Asset, type AssetInput, type AssetListItem, type AssetListQuery } from './schemas';

export function toAsset(r: AssetsTable): Asset {
  return {
    id: r.id, kind: r.kind as Asset['kind'], manufacturer: r.manufacturer, model: r.model, serial: r.serial, firmware: r.firmware,
    mac: r.mac, ip: r.ip, networkId: r.network_id, siteId: r.site_id, systemId: r.system_id, installDate: r.install_date,
    warrantyEnd: r.warranty_end, status: r.status as Asset['status'], location: r.location, notes: r.notes,
    createdAt: r.created_at, updatedAt: r.updated_at, missingSince: r.missing_since ?? null,
  };
}

/** Lower-cased text that free-text search looks in. */
export function searchText(a: Pick<AssetInput, 'manufacturer' | 'model' | 'serial' | 'firmware' | 'mac' | 'ip' | 'location'>): string {
  return [a.manufacturer, a.model, a.serial, a.firmware, a.mac, a.ip, a.location].filter(Boolean).join(' | ').toLowerCase();
}

export function assetColumns(a: AssetInput) {
  return {
    kind: a.kind, manufacturer: a.manufacturer, manufacturer_key: textKey(a.manufacturer), model: a.model, model_key: textKey(a.model),
    serial: a.serial, firmware: a.firmware, mac: a.mac, ip: a.ip, network_id: a.networkId, site_id: a.siteId, system_id: a.systemId,
    install_date: a.installDate, warranty_end: a.warrantyEnd, status: a.status, location: a.location, notes: a.notes,
    search_text: searchText(a),
  };
}

export async function findAsset(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('assets').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function findAssetBySerial(tx: Tx, orgId: string, serial: string) {
  return tx.selectFrom('assets').select(['id']).where('org_id', '=', orgId).where('serial', '=', serial).executeTakeFirst();
}

/**
 * Sort keys and the columns each orders by (then id, so the order is total). Kind and status sort within by
 * manufacturer, which is what a person scanning the list expects. Every sort, and every filter with the
 * default sort, has an index that yields rows already in order, so a page never sorts the whole register.
 */
export const SORT_COLUMNS = {
  manufacturer: ['manufacturer_key'], model: ['model_key'], status: ['status', 'manufacturer_key'],
  kind: ['kind', 'manufacturer_key'], updated: ['updated_at'], created: [],
} as const satisfies Record<string, readonly (keyof AssetsTable)[]>;

export type AssetQuery = SelectQueryBuilder<DB, 'assets', any>;

export function applyFilters(q: AssetQuery, orgId: string, f: AssetListQuery): AssetQuery {
  q = q.where('assets.org_id', '=', orgId);
  if (f.site) q = q.where('assets.site_id', '=', f.site);
  if (f.network) q = q.where('assets.network_id', '=', f.network);
  if (f.system) q = q.where('assets.system_id', '=', f.system);
  if (f.kind) q = q.where('assets.kind', '=', f.kind);
  if (f.status) q = q.where('assets.status', '=', f.status);
  if (f.manufacturer !== undefined && f.manufacturer.trim() !== '') q = q.where('assets.manufacturer_key', '=', textKey(f.manufacturer));
  if (f.q && f.q.trim()) q = q.where(containsText('assets.search_text', f.q.trim()));
  return q;
}

/**
 * One keyset page. Rows after (or, for a backwards cursor, before) the cursor's (sort value, id), one extra row
 * fetched to know whether another page follows. Never OFFSET: page 20,000 costs what page 1 costs.
 */
export async function listAssetPage(tx: Tx, orgId: string, f: AssetListQuery, cursor: Cursor | null) {
  const cols = [...SORT_COLUMNS[f.sort].map((c) => `assets.${c}`), 'assets.id'];
  const back = !!cursor?.back;
  const dir: 'asc' | 'desc' = back ? (f.order === 'asc' ? 'desc' : 'asc') : f.order;
  let q = applyFilters(tx.selectFrom('assets') as AssetQuery, orgId, f)
    .leftJoin('sites', 'sites.id', 'assets.site_id')
    .leftJoin('networks', 'networks.id', 'assets.network_id')
    .leftJoin('systems', 'systems.id', 'assets.system_id')
    .selectAll('assets')
    .select(['sites.name as site_name', 'networks.name as network_name', 'systems.name as system_name']);
  if (cursor) {
    // Row-value comparison "(a, b, id) > (x, y, z)": one range on the index, on both SQLite and PostgreSQL.
    const values = [...(Array.isArray(cursor.v) ? cursor.v : []), cursor.id];
    if (values.length !== cols.length) throw new Error('cursor does not match the sort');
    q = q.where(sql<boolean>`(${sql.join(cols.map((c) => sql.ref(c)))}) ${sql.raw(dir === 'asc' ? '>' : '<')} (${sql.join(values)})`);
  }
  for (const c of cols) q = q.orderBy(sql.ref(c), dir);
  const rows = await q.limit(f.limit + 1).execute();
  return rows as (AssetsTable & { site_name: string | null; network_name: string | null; system_name: string | null })[];
}

/** The cursor values for a row under a sort: its sort columns (the id travels separately). */
export function sortValues(r: AssetsTable, sort: AssetListQuery['sort']): (string | null)[] {
  return SORT_COLUMNS[sort].map((c) => r[c] as string | null);
}

export function toListItem(r: AssetsTable & { site_name: string | null; network_name: string | null; system_name: string | null }): AssetListItem {
  return { ...toAsset(r), siteName: r.site_name, networkName: r.network_name, systemName: r.system_name };
}

/** Matching rows, counted up to a cap so a count never scans a million rows just to print a number. */
export async function countAssets(tx: Tx, orgId: string, f: AssetListQuery, cap: number): Promise<number> {
  const inner = applyFilters(tx.selectFrom('assets') as AssetQuery, orgId, f).select('assets.id').limit(cap + 1);
  const r = await tx.selectFrom(inner.as('m')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Distinct labelled manufacturers, for the filter's suggestions. */
export async function manufacturerLabels(tx: Tx, orgId: string, limit = 200): Promise<string[]> {
  const rows = await tx.selectFrom('assets').select((eb) => eb.fn.min('manufacturer').as('label'))
    .where('org_id', '=', orgId).where('manufacturer_key', '!=', '').groupBy('manufacturer_key').orderBy('manufacturer_key').limit(limit).execute();
  return rows.map((r) => String(r.label));
}

/** Checks that referenced site/network/system ids belong to this organisation; returns the fields that do not. */
export async function foreignRefs(tx: Tx, orgId: string, a: { siteId: string | null; networkId: string | null; systemId: string | null }) {
  const bad: Record<string, string> = {};
  const check = async (table: 'sites' | 'networks' | 'systems', id: string | null, field: string, label: string) => {
    if (!id) return;
    const row = await tx.selectFrom(table).select('id').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    if (!row) bad[field] = `Choose a ${label} from this organisation`;
  };
  await check('sites', a.siteId, 'siteId', 'site');
  await check('networks', a.networkId, 'networkId', 'network');
  await check('systems', a.systemId, 'systemId', 'system');
  return bad;
}

// ---- what a discovery scan records on the register ----

/**
 * Marks an asset missing since the scan that finished at `scanFinishedAt` (kept if an earlier scan already marked it),
 * unless a scan that finished after that one has seen it.
 */
export async function markMissing(tx: Tx, orgId: string, assetId: string, scanFinishedAt: string) {
  const date = scanFinishedAt.slice(0, 10);
  await tx.updateTable('assets').set({ missing_since: date }).where('org_id', '=', orgId).where('id', '=', assetId)
    .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', scanFinishedAt)]))
    .where((eb) => eb.or([eb('missing_since', 'is', null), eb('missing_since', '>', date)])).execute();
}

/** Assets a scan (finished at `finishedAt`) saw: last seen then, and no longer missing since any earlier scan. */
export async function markSeen(tx: Tx, orgId: string, assetIds: string[], finishedAt: string) {
  for (let i = 0; i < assetIds.length; i += 500) {
    const part = assetIds.slice(i, i + 500);
    await tx.updateTable('assets').set({ last_seen_at: finishedAt }).where('org_id', '=', orgId).where('id', 'in', part)
      .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', finishedAt)])).execute();
    await tx.updateTable('assets').set({ missing_since: null }).where('org_id', '=', orgId).where('id', 'in', part)
      .where('missing_since', '<=', finishedAt.slice(0, 10)).execute();
  }
}

export async function replaceAssetRow(tx: Tx, row: AssetsTable) {
  const { id, org_id: orgId, created_at: _c, ...cols } = row;
  await tx.updateTable('assets').set(cols).where('org_id', '=', orgId).where('id', '=', id).execute();
}
