// How much of an import is the database storing what the import derives? Imports the generated register once
// (SQLite), reads back the rows it wrote (assets, provenance verdicts, findings), then times storing exactly those
// rows again with one prepared single-row INSERT per table in one transaction — no parsing, no checks, no
// evaluation: the floor under any importer that keeps this schema. Variants: with every index (as the import
// writes), foreign keys off, and indexes dropped then rebuilt after the load. Then the same on PostgreSQL.
//
//   node bin/run-ts.mjs bench/import-floor.ts [--rows 100000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTestDatabase } from '../test/helpers/db';
import { createOrganisation } from '../src/modules/organisations/service';
import { importSpreadsheet } from '../src/modules/imports/service';
import { writeRegister } from './generate-register';

const args = Object.fromEntries(process.argv.slice(2).reduce<[string, string][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const ROWS = Number(args.rows ?? 100_000);
const FILE = path.join('bench', 'out', `register-${ROWS}.csv`);
const TABLES = ['assets', 'asset_provenance', 'findings'] as const;
const system = { type: 'system' as const, id: null, label: 'bench' };

if (!fs.existsSync(FILE)) await writeRegister(FILE, ROWS, 400);
const d = await createTestDatabase('sqlite');
const org = await createOrganisation(d.db, system, { slug: 'bench', name: 'Bench council' });
const t0 = performance.now();
await importSpreadsheet({ db: d.db, orgId: org.id, orgSlug: 'bench', role: 'admin', actor: system }, { path: FILE, originalName: path.basename(FILE), createSites: true });
const importSeconds = (performance.now() - t0) / 1000;

const db = new Database(d.file!);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('cache_size = -65536'); // as the import sets it
const rows = Object.fromEntries(TABLES.map((t) => [t, db.prepare(`select * from ${t}`).raw().all() as unknown[][]]));
const columns = Object.fromEntries(TABLES.map((t) => [t, (db.prepare(`select * from ${t} limit 1`).columns()).map((c) => c.name)]));
const indexes = Object.fromEntries(TABLES.map((t) => [t, (db.prepare(`select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null`).all(t) as { name: string; sql: string }[])]));
const bytes = TABLES.map((t) => {
  let n = 0;
  for (const r of rows[t]) for (const v of r) n += typeof v === 'string' ? Buffer.byteLength(v) : 8;
  return `${t} ${rows[t].length.toLocaleString('en-GB')} rows × ${Math.round(n / rows[t].length)} bytes`;
});

function store(label: string, o: { foreignKeys: boolean; rebuildIndexes: boolean }) {
  db.pragma(`foreign_keys = ${o.foreignKeys ? 'ON' : 'OFF'}`);
  db.transaction(() => { for (const t of [...TABLES].reverse()) db.exec(`delete from ${t}`); })();
  const parts: string[] = [];
  const start = performance.now();
  db.exec('begin');
  if (o.rebuildIndexes) for (const t of TABLES) for (const i of indexes[t]) db.exec(`drop index ${i.name}`);
  for (const t of TABLES) {
    const s = performance.now();
    const insert = db.prepare(`insert into ${t} (${columns[t].join(', ')}) values (${columns[t].map(() => '?').join(', ')})`);
    for (const r of rows[t]) insert.run(r);
    parts.push(`${t} ${((performance.now() - s) / 1000).toFixed(2)} s`);
  }
  if (o.rebuildIndexes) {
    const s = performance.now();
    for (const t of TABLES) for (const i of indexes[t]) db.exec(i.sql);
    parts.push(`index rebuild ${((performance.now() - s) / 1000).toFixed(2)} s`);
  }
  db.exec('commit');
  const seconds = (performance.now() - start) / 1000;
  return `| ${label} | ${seconds.toFixed(2)} | ${Math.round(ROWS / seconds).toLocaleString('en-GB')} | ${parts.join('; ')} |`;
}

const lines = [
  `Import floor, SQLite (${new Date().toISOString().slice(0, 10)}; ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}): ` +
    `${ROWS.toLocaleString('en-GB')} register rows; the import itself took ${importSeconds.toFixed(1)} s (${Math.round(ROWS / importSeconds).toLocaleString('en-GB')} rows/s) and wrote ${bytes.join(', ')}. ` +
    'Storing those same rows again, prepared single-row INSERTs in one transaction (`node bin/run-ts.mjs bench/import-floor.ts --rows ' + ROWS + '`):',
  '',
  '| variant | seconds | register rows/s | where the time went |',
  '|---|---:|---:|---|',
  store('every index, foreign keys on (what the import does)', { foreignKeys: true, rebuildIndexes: false }),
  store('every index, foreign keys off', { foreignKeys: false, rebuildIndexes: false }),
  store('indexes dropped, rebuilt after the load', { foreignKeys: true, rebuildIndexes: true }),
  '',
];
db.close();
await d.dispose();
console.log(lines.join('\n'));

// PostgreSQL: the same question, asked inside the server so no client cost counts — the rows the import wrote are
// copied to temporary tables, the tables emptied, and the rows put back with INSERT … SELECT in one transaction
// (every index and foreign key as the import has them), then once more without foreign-key triggers
// (session_replication_role = replica, which needs a superuser: a measurement, not something the app could do).
const p = await createTestDatabase('postgres');
try {
  const pgOrg = await createOrganisation(p.db, system, { slug: 'bench', name: 'Bench council' });
  const s0 = performance.now();
  await importSpreadsheet({ db: p.db, orgId: pgOrg.id, orgSlug: 'bench', role: 'admin', actor: system }, { path: FILE, originalName: path.basename(FILE), createSites: true });
  const pgImportSeconds = (performance.now() - s0) / 1000;
  const client = new pg.Client({ connectionString: p.url! });
  await client.connect();
  try {
    for (const t of TABLES) await client.query(`create temp table copy_${t} as select * from ${t}`);
    const storePg = async (label: string, triggers: boolean) => {
      const parts: string[] = [];
      await client.query('begin');
      await client.query(`truncate ${[...TABLES].reverse().join(', ')} cascade`);
      if (!triggers) await client.query('set local session_replication_role = replica');
      const start = performance.now();
      for (const t of TABLES) {
        const s = performance.now();
        await client.query(`insert into ${t} select * from copy_${t}`);
        parts.push(`${t} ${((performance.now() - s) / 1000).toFixed(2)} s`);
      }
      await client.query(triggers ? 'commit' : 'rollback');
      const seconds = (performance.now() - start) / 1000;
      return `| ${label} | ${seconds.toFixed(2)} | ${Math.round(ROWS / seconds).toLocaleString('en-GB')} | ${parts.join('; ')} |`;
    };
    const pgLines = [
      `Import floor, PostgreSQL (same run): the import itself took ${pgImportSeconds.toFixed(1)} s (${Math.round(ROWS / pgImportSeconds).toLocaleString('en-GB')} rows/s). Storing the same rows again with INSERT … SELECT from temporary copies, inside the server:`,
      '', '| variant | seconds | register rows/s | where the time went |', '|---|---:|---:|---|',
      await storePg('every index, foreign keys on (what the import does)', true),
      await storePg('every index, foreign-key triggers off', false),
      '',
    ];
    console.log(pgLines.join('\n'));
  } finally {
    await client.end();
  }
} finally {
  await p.dispose();
}
