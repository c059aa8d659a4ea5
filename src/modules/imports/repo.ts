import { CompiledQuery, sql } from 'kysely';
import type { Tx } from '../../platform/context';
import type { DbKind } from '../../platform/config';
import type { ImportRunsTable } from '../../platform/tables/imports';
import type { ImportField } from './schemas';

// ---- bulk writes ----------------------------------------------------------------------------------------------

/** Bound parameters per statement: SQLite's limit is 32,766, PostgreSQL's 65,535. */
const MAX_PARAMS: Record<DbKind, number> = { sqlite: 32_766, postgres: 65_535 };
/** Rows per statement, whatever the width: big enough to amortise a round trip, small enough to plan fast. */
const MAX_ROWS = 2000;

export function rowsPerInsert(kind: DbKind, columns: number): number {
  return Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS[kind] / columns)));
}

const insertSql = new Map<string, string>();

/** The text of a multi-row INSERT (SQLite), built once per shape (table, columns, row count) and reused. */
function insertText(table: string, columns: readonly string[], rows: number): string {
  const key = `${table}|${columns.join(',')}|${rows}`;
  let text = insertSql.get(key);
  if (!text) {
    const tuple = `(${columns.map(() => '?').join(',')})`;
    text = `insert into ${table} (${columns.join(', ')}) values ${Array.from({ length: rows }, () => tuple).join(',')}`;
    if (insertSql.size > 64) insertSql.clear();
    insertSql.set(key, text);
  }
  return text;
}

/** PostgreSQL column types (the rest are text). */
const PG_TYPES: Record<string, string> = { nil_subject: 'integer', confidence: 'double precision', rule_version: 'integer', sensitive: 'integer' };

/**
 * Inserts rows (each an array in `columns` order). SQLite: multi-row INSERTs within its parameter limit.
 * PostgreSQL: each column travels as one JSON array and `rows from (json_array_elements_text(…), …)` zips them
 * back into rows, so thousands of rows are a handful of parameters, and the text (evidence JSON, notes) is
 * escaped by the native JSON encoder rather than as an array literal. Names come from this module, never input.
 */
export async function bulkInsert(tx: Tx, kind: DbKind, table: string, columns: readonly string[], rows: unknown[][]): Promise<void> {
  if (!rows.length) return;
  if (kind === 'postgres') {
    const per = 5000;
    const aliases = columns.map((_, k) => `c${k}`);
    const text = `insert into ${table} (${columns.join(', ')}) select ${columns.map((c, k) => (PG_TYPES[c] ? `c${k}::${PG_TYPES[c]}` : `c${k}`)).join(', ')} `
      + `from rows from (${columns.map((_, k) => `json_array_elements_text($${k + 1}::json)`).join(', ')}) as r(${aliases.join(', ')})`;
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      await tx.executeQuery(CompiledQuery.raw(text, columns.map((_, c) => JSON.stringify(chunk.map((r) => r[c] ?? null)))));
    }
    return;
  }
  const per = rowsPerInsert(kind, columns.length);
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const params: unknown[] = new Array(chunk.length * columns.length);
    let k = 0;
    for (const r of chunk) for (let c = 0; c < columns.length; c++) params[k++] = r[c] ?? null;
    await tx.executeQuery(CompiledQuery.raw(insertText(table, columns, chunk.length), params));
  }
}

export const ASSET_INSERT_COLUMNS = [
  'id', 'org_id', 'kind', 'manufacturer', 'manufacturer_key', 'model', 'model_key', 'serial', 'firmware', 'mac', 'ip',
  'network_id', 'site_id', 'system_id', 'install_date', 'warranty_end', 'status', 'location', 'notes', 'search_text',
  'created_at', 'updated_at', 'external_key', 'import_original_json',
] as const;

export const PROVENANCE_INSERT_COLUMNS = ['asset_id', 'org_id', 'origin', 'nil_subject', 'confidence', 'evidence_json', 'conflicts_json', 'catalogue_version', 'evaluated_at', 'platform_json'] as const;

export const FINDING_INSERT_COLUMNS = [
  'id', 'org_id', 'asset_id', 'rule', 'rule_version', 'severity', 'status', 'params_json', 'catalogue_version',
  'first_seen_at', 'last_seen_at',
] as const;

// ---- what the import matches against --------------------------------------------------------------------------

export async function sitesOf(tx: Tx, orgId: string) {
  return tx.selectFrom('sites').select(['id', 'name', 'sensitive']).where('org_id', '=', orgId).execute();
}

export async function networksOf(tx: Tx, orgId: string) {
  return tx.selectFrom('networks').select(['id', 'name', 'kind']).where('org_id', '=', orgId).execute();
}

export async function systemsOf(tx: Tx, orgId: string) {
  return tx.selectFrom('systems').select(['id', 'name']).where('org_id', '=', orgId).execute();
}

/** The labelled manufacturers the organisation already uses (one spelling per key). */
export async function manufacturerLabelsOf(tx: Tx, orgId: string, limit = 5000): Promise<string[]> {
  const rows = await tx.selectFrom('assets').select((eb) => eb.fn.min('manufacturer').as('label'))
    .where('org_id', '=', orgId).where('manufacturer_key', '!=', '').groupBy('manufacturer_key').limit(limit).execute();
  return rows.map((r) => String(r.label));
}

/** The columns of an asset that an import field compares with (site, network and system by id). */
export const FIELD_COLUMN: Partial<Record<ImportField, string>> = {
  kind: 'kind', manufacturer: 'manufacturer', model: 'model', serial: 'serial', firmware: 'firmware', mac: 'mac', ip: 'ip',
  site: 'site_id', network: 'network_id', system: 'system_id', installDate: 'install_date', warrantyEnd: 'warranty_end',
  status: 'status', location: 'location', notes: 'notes', externalKey: 'external_key',
};

/** The organisation's assets a page at a time (id order), with the identifying columns and the named ones. */
export async function* assetPages(tx: Tx, orgId: string, columns: string[], page = 5000): AsyncGenerator<Record<string, string | null>[]> {
  let after = '';
  const cols = [...new Set(['id', 'serial', 'mac', 'external_key', ...columns])];
  for (;;) {
    const rows = await tx.selectFrom('assets').select(cols.map((c) => sql.ref(c).as(c)) as any)
      .where('org_id', '=', orgId).where('id', '>', after).orderBy('id').limit(page).execute() as Record<string, string | null>[];
    if (!rows.length) return;
    yield rows;
    after = rows[rows.length - 1].id!;
  }
}

export async function assetsByIds(tx: Tx, orgId: string, ids: string[]) {
  if (!ids.length) return [];
  return tx.selectFrom('assets').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

// ---- runs and saved mappings ----------------------------------------------------------------------------------

export async function insertRun(tx: Tx, row: ImportRunsTable) {
  await tx.insertInto('import_runs').values(row).execute();
}

export async function findRun(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('import_runs').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** Whether any run (of any organisation: blobs are shared by content) still keeps this upload. */
export async function uploadInUse(tx: Tx, sha256: string): Promise<boolean> {
  return !!(await tx.selectFrom('import_runs').select('id').where('stored_name', '=', sha256).limit(1).executeTakeFirst());
}

export async function updateRun(tx: Tx, orgId: string, id: string, set: Partial<ImportRunsTable>) {
  await tx.updateTable('import_runs').set(set).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function listRuns(tx: Tx, orgId: string, before: string | undefined, limit: number) {
  let q = tx.selectFrom('import_runs')
    .select(['id', 'state', 'file_name', 'created_at', 'created_by', 'phase', 'rows_read', 'rows_written', 'finished_at', 'error', 'report_json'])
    .where('org_id', '=', orgId);
  if (before) q = q.where('id', '<', before);
  return q.orderBy('id', 'desc').limit(limit + 1).execute();
}

export async function savedMappings(tx: Tx, orgId: string): Promise<Map<string, ImportField>> {
  const rows = await tx.selectFrom('import_mappings').select(['heading_key', 'field']).where('org_id', '=', orgId).execute();
  return new Map(rows.map((r) => [r.heading_key, r.field as ImportField]));
}

export async function saveMapping(tx: Tx, orgId: string, actor: string, entries: { key: string; heading: string; field: ImportField }[], now: string) {
  for (const e of entries) {
    const row = { heading: e.heading, field: e.field, updated_at: now, updated_by: actor };
    await tx.insertInto('import_mappings').values({ org_id: orgId, heading_key: e.key, ...row })
      .onConflict((oc) => oc.columns(['org_id', 'heading_key']).doUpdateSet(row)).execute();
  }
}
