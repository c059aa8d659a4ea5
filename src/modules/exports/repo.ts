import SQLite from 'better-sqlite3';
import { sql, SqliteAdapter } from 'kysely';
import type { Tx } from '../../platform/context';
import type { AssetsTable } from '../../platform/schema';
import { applyFilters, SORT_COLUMNS, type AssetQuery } from '../assets/repo';
import type { AssetListQuery } from '../assets/schemas';

/**
 * What the export reads of an asset, in this order. A row is an array (not an object): a million-row export
 * reads arrays much faster (better-sqlite3 builds no objects, and nothing copies fields about). The register's
 * columns come first, in the CSV's order; the three names are read as ids and replaced by names from maps (not
 * three joins per row). Then what the JSON export adds (the ids, timestamps), then the sort key for the keyset.
 */
export const ASSET_ROW = ['id', 'kind', 'manufacturer', 'model', 'serial', 'mac', 'ip', 'firmware', 'site_name', 'network_name', 'system_name',
  'status', 'install_date', 'warranty_end', 'location', 'notes', 'site_id', 'network_id', 'system_id', 'created_at', 'updated_at', 'missing_since'] as const;
export type AssetRowField = (typeof ASSET_ROW)[number];
/** An asset as the export reads it: values in ASSET_ROW's order (then the sort key). */
export type AssetRow = (string | null)[];
/** Where each field is in an AssetRow, e.g. `row[AT.serial]`. */
export const AT = Object.fromEntries(ASSET_ROW.map((f, i) => [f, i])) as Record<AssetRowField, number>;

/** The database column each field is read from (the names start as their ids). */
const SOURCE: Record<AssetRowField, keyof AssetsTable> = {
  ...(Object.fromEntries(ASSET_ROW.map((f) => [f, f])) as Record<AssetRowField, keyof AssetsTable>),
  site_name: 'site_id', network_name: 'network_id', system_name: 'system_id',
};

/** An AssetRow as the object the asset list returns rows as (for the JSON export, which matches the list API). */
export function assetRowObject(r: AssetRow): AssetsTable & { site_name: string | null; network_name: string | null; system_name: string | null } {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < ASSET_ROW.length; i++) o[ASSET_ROW[i]] = r[i];
  return o as unknown as AssetsTable & { site_name: string | null; network_name: string | null; system_name: string | null };
}

/** Names of an organisation's sites, networks or systems by id: a few thousand at most, read once per export. */
async function namesById(tx: Tx, table: 'sites' | 'networks' | 'systems', orgId: string): Promise<Map<string, string>> {
  const rows = await tx.selectFrom(table).select(['id', 'name']).where('org_id', '=', orgId).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Reads one batch: the rows after `after` (the previous batch's last sort key and id), or the first batch. */
type BatchReader = (after: unknown[] | null) => Promise<AssetRow[]>;

/**
 * The file of the SQLite database behind `tx`, if the export may read it through a connection of its own: not on
 * PostgreSQL, not for an in-memory database, and not inside a transaction (whose uncommitted rows only its own
 * connection sees).
 */
async function sqliteFile(tx: Tx): Promise<string | null> {
  if (!(tx.getExecutor().adapter instanceof SqliteAdapter) || tx.isTransaction) return null;
  const { rows } = await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(tx);
  return rows[0]?.file || null;
}

interface Compiled { sql: string; parameters: readonly unknown[] }

/**
 * On SQLite the export reads through its own read-only connection to the file (WAL lets it read beside the
 * app's connection), because Kysely's driver gives rows only as objects: better-sqlite3's raw mode gives arrays,
 * from two statements prepared once for the whole export (measured: reading a million rows took half the time).
 */
function rawSqliteReader(file: string, first: Compiled, next: Compiled, keyLength: number): { read: BatchReader; close: () => void } {
  const conn = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const firstStmt = conn.prepare(first.sql).raw();
    const nextStmt = conn.prepare(next.sql).raw();
    // The keyset's values are the last parameters of `next` (its limit is a literal), so each batch puts in its own.
    const filters = next.parameters.slice(0, next.parameters.length - keyLength);
    const read: BatchReader = async (after) => (after ? nextStmt.all(...filters, ...after) : firstStmt.all(...first.parameters)) as AssetRow[];
    return { read, close: () => conn.close() };
  } catch (e) {
    conn.close();
    throw e;
  }
}

/**
 * Every asset matching the list's filters, in the list's order, `batch` rows per query by keyset on the sort
 * columns and id (never OFFSET, so the last batch costs what the first does; and no transaction held open for
 * the length of a download).
 */
export async function* assetBatches(tx: Tx, orgId: string, f: AssetListQuery, batch: number): AsyncGenerator<AssetRow[]> {
  const [sites, networks, systems] = await Promise.all([namesById(tx, 'sites', orgId), namesById(tx, 'networks', orgId), namesById(tx, 'systems', orgId)]);
  const sortCols = SORT_COLUMNS[f.sort];
  const keyCols = [...sortCols.map((c) => `assets.${c}`), 'assets.id'];
  const width = ASSET_ROW.length;
  // "assets.<column> as <field>" (each name unique, so an object row holds every value, in select order), then the sort key.
  const select = [...ASSET_ROW.map((f) => sql.ref(`assets.${SOURCE[f]}`).as(f)), ...sortCols.map((c, i) => sql.ref(`assets.${c}`).as(`k${i}`))];
  const query = (after: unknown[] | null) => {
    let q = applyFilters(tx.selectFrom('assets') as AssetQuery, orgId, f).select(select as any);
    if (after) q = q.where(sql<boolean>`(${sql.join(keyCols.map((c) => sql.ref(c)))}) ${sql.raw(f.order === 'asc' ? '>' : '<')} (${sql.join(after)})`);
    for (const c of keyCols) q = q.orderBy(sql.ref(c), f.order);
    return q.limit(sql.lit(batch));
  };
  const file = await sqliteFile(tx);
  const raw = file ? rawSqliteReader(file, query(null).compile(), query(keyCols.map(() => null)).compile(), keyCols.length) : null;
  // Elsewhere (PostgreSQL) through Kysely: the driver's object rows, whose values are already in select order.
  const read: BatchReader = raw?.read ?? (async (after) => (await query(after).execute()).map((r) => Object.values(r) as AssetRow));
  try {
    let after: unknown[] | null = null;
    for (;;) {
      const rows = await read(after);
      if (!rows.length) return;
      // Ids to names in place (a row is only ever read by the export, so no copy).
      for (const r of rows) {
        const site = r[AT.site_name], network = r[AT.network_name], system = r[AT.system_name];
        if (site !== null) r[AT.site_name] = sites.get(site) ?? null;
        if (network !== null) r[AT.network_name] = networks.get(network) ?? null;
        if (system !== null) r[AT.system_name] = systems.get(system) ?? null;
      }
      yield rows;
      if (rows.length < batch) return;
      const last = rows[rows.length - 1];
      after = [...last.slice(width), last[AT.id]];
    }
  } finally {
    raw?.close();
  }
}
