import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

// One migration set serves both engines. This proves they end up with the same tables, columns, types,
// nullability and indexes, so code that works on one works on the other.

interface Shape { columns: string[]; indexes: string[] }

const normaliseType = (t: string) => {
  const x = t.toLowerCase();
  if (x === 'double precision' || x === 'real' || x === 'float8') return 'double';
  if (x === 'integer' || x === 'int4' || x === 'int') return 'integer';
  if (x === 'bigint' || x === 'int8') return 'bigint';
  if (x.startsWith('varchar') || x === 'character varying' || x === 'text') return 'text';
  return x;
};

async function sqliteShape(d: TestDatabase): Promise<Record<string, Shape>> {
  const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(d.db);
  const out: Record<string, Shape> = {};
  for (const { name } of tables.rows) {
    const cols = await sql<any>`select * from pragma_table_info(${name})`.execute(d.db);
    const idx = await sql<any>`select * from pragma_index_list(${name})`.execute(d.db);
    const indexes: string[] = [];
    for (const i of idx.rows) {
      const ic = await sql<any>`select name from pragma_index_info(${i.name}) order by seqno`.execute(d.db);
      indexes.push(`${i.unique ? 'unique ' : ''}(${ic.rows.map((c: any) => c.name).join(',')})`);
    }
    const pkCols = cols.rows.filter((c: any) => c.pk > 0).sort((x: any, y: any) => x.pk - y.pk).map((c: any) => c.name);
    // An INTEGER PRIMARY KEY is the rowid in SQLite and has no separate index; PostgreSQL always has one.
    if (pkCols.length && !indexes.includes(`unique (${pkCols.join(',')})`)) indexes.push(`unique (${pkCols.join(',')})`);
    out[name] = {
      columns: cols.rows.map((c: any) => `${c.name} ${normaliseType(c.type)}${c.notnull || c.pk ? ' not null' : ''}`).sort(),
      indexes: indexes.sort(),
    };
  }
  return out;
}

async function postgresShape(d: TestDatabase): Promise<Record<string, Shape>> {
  const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = 'public' order by table_name`.execute(d.db);
  const out: Record<string, Shape> = {};
  for (const { table_name: name } of tables.rows) {
    const cols = await sql<any>`select column_name, data_type, is_nullable from information_schema.columns where table_schema = 'public' and table_name = ${name}`.execute(d.db);
    const idx = await sql<any>`
      select i.indisunique as unique, array_to_string(array(select a.attname from unnest(i.indkey) with ordinality k(attnum, ord)
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.ord), ',') as cols
      from pg_index i join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = 'public' and t.relname = ${name}`.execute(d.db);
    out[name] = {
      columns: cols.rows.map((c: any) => `${c.column_name} ${normaliseType(c.data_type)}${c.is_nullable === 'NO' ? ' not null' : ''}`).sort(),
      indexes: idx.rows.map((i: any) => `${i.unique ? 'unique ' : ''}(${i.cols})`).sort(),
    };
  }
  return out;
}

describe('schema parity between SQLite and PostgreSQL', () => {
  let lite: TestDatabase;
  let pg: TestDatabase;
  beforeAll(async () => { [lite, pg] = await Promise.all([createTestDatabase('sqlite'), createTestDatabase('postgres')]); });
  afterAll(async () => { await Promise.all([lite?.dispose(), pg?.dispose()]); });

  it('has the same tables, columns, types, nullability and indexes on both engines', async () => {
    const [a, b] = await Promise.all([sqliteShape(lite), postgresShape(pg)]);
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(Object.keys(a)).toEqual(expect.arrayContaining(['organisations', 'users', 'sites', 'networks', 'systems', 'assets', 'audit_events']));
    for (const t of Object.keys(a)) {
      expect(a[t].columns, `columns of ${t}`).toEqual(b[t].columns);
      expect(a[t].indexes, `indexes of ${t}`).toEqual(b[t].indexes);
    }
  });

  it('refuses to edit or delete audit records on both engines', async () => {
    for (const d of [lite, pg]) {
      await d.db.insertInto('audit_events').values({ id: `x-${d.kind}`, org_id: null, at: '2026-01-01T00:00:00Z', actor_type: 'system', actor_id: null, actor_label: 't', action: 'create', object_type: 'test', object_id: null, summary: 's', before_json: null, after_json: null }).execute();
      await expect(d.db.updateTable('audit_events').set({ summary: 'tampered' }).where('id', '=', `x-${d.kind}`).execute()).rejects.toThrow(/append-only/);
      await expect(d.db.deleteFrom('audit_events').where('id', '=', `x-${d.kind}`).execute()).rejects.toThrow(/append-only/);
    }
  });
});
