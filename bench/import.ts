// Import throughput and memory: the generated register (bench/generate-register.ts, default 1,000,000 rows) imported
// by the importer (importSpreadsheet: parsing, mapping, normalisation, validation, sites created, provenance and
// findings) into an empty organisation in a fresh SQLite file and a fresh PostgreSQL database. The import runs in
// its own child process, so its peak RSS is its own. Peer in the same run: the plain bulk load of the same file by
// the database's own tool (sqlite3 `.import --csv`, PostgreSQL `COPY … FROM STDIN` through psql \copy), which
// parses and stores the text and does nothing else.
//
//   node bin/run-ts.mjs bench/import.ts [--rows 1000000] [--db sqlite,postgres] [--file bench/out/register-1000000.csv]
// Node flags given to this script reach the import's process too (`node --cpu-prof --cpu-prof-dir=DIR bin/run-ts.mjs …`).
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createTestDatabase } from '../test/helpers/db';
import { openPostgres, openSqlite } from '../src/platform/db';
import { createOrganisation } from '../src/modules/organisations/service';
import type { OrgContext } from '../src/platform/context';
import type { DbKind } from '../src/platform/config';
import { REGISTER_HEADINGS, writeRegister } from './generate-register';

const args = Object.fromEntries(process.argv.slice(2).reduce<[string, string][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const ROWS = Number(args.rows ?? 1_000_000);
const KINDS = (args.db ?? 'sqlite,postgres').split(',') as DbKind[];
const FILE = args.file ?? path.join('bench', 'out', `register-${ROWS}.csv`);
const system = { type: 'system' as const, id: null, label: 'bench' };

// The importer is built alongside this benchmark; it is loaded by path so the benchmark compiles either way.
const IMPORTER = '../src/modules/imports/service';
type ImportSpreadsheet = (ctx: OrgContext, input: { path: string; originalName?: string; createSites?: boolean },
  opts?: { onProgress?: (progress: unknown) => void }) => Promise<unknown>;

// ---- child: one import, reports its numbers as JSON on stdout
if (args.child) {
  const { importSpreadsheet } = (await import(IMPORTER)) as { importSpreadsheet: ImportSpreadsheet };
  const kind = args.child as DbKind;
  const database = kind === 'sqlite' ? openSqlite(args.target) : openPostgres(args.target, 4);
  const ctx: OrgContext = { db: database.db, orgId: args.org, orgSlug: 'bench', role: 'admin', actor: system };
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  let last = 0;
  const report = await importSpreadsheet(ctx, { path: args.file, originalName: path.basename(args.file), createSites: true }, {
    onProgress: (p: unknown) => {
      if (performance.now() - last < 10_000) return;
      last = performance.now();
      process.stderr.write(`  ${kind} progress ${JSON.stringify(p)} after ${((last - t) / 1000).toFixed(0)} s\n`);
    },
  });
  const seconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // CPU time of this process (SQLite works inside it; PostgreSQL's server does not count): on a shared machine it
  // moves far less with other people's load than the wall-clock rate does.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const assets = Number((await database.db.selectFrom('assets').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', args.org).executeTakeFirstOrThrow()).n);
  const findings = Number((await database.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', args.org).executeTakeFirstOrThrow()).n);
  // The report's counts only (an import of a million rows may carry long lists).
  const summary = Object.fromEntries(Object.entries(report as unknown as Record<string, unknown>).filter(([, v]) => typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string'));
  await database.close();
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, assets, findings, summary }));
  process.exit(0);
}

/** The database's own bulk load of the same file: text columns, no checks, nothing derived. */
function bulkLoad(kind: DbKind, target: string): { seconds: number; rows: number; tool: string } {
  const cols = REGISTER_HEADINGS.map((_, i) => `c${i + 1} text`).join(', ');
  const t = performance.now();
  let r;
  if (kind === 'sqlite') {
    // A separate file beside the database: the same disk, and no effect on the import's own file.
    const file = `${target}.bulk`;
    fs.rmSync(file, { force: true });
    r = spawnSync('sqlite3', [file, `create table register_raw (${cols});`, `.import --csv --skip 1 ${path.resolve(FILE)} register_raw`], { encoding: 'utf8' });
    const seconds = (performance.now() - t) / 1000;
    if (r.status !== 0) throw new Error(`sqlite3 .import failed: ${r.stderr}`);
    const rows = Number(spawnSync('sqlite3', [file, 'select count(*) from register_raw'], { encoding: 'utf8' }).stdout.trim());
    fs.rmSync(file, { force: true });
    return { seconds, rows, tool: 'sqlite3 .import --csv' };
  }
  r = spawnSync('psql', [target, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `create table register_raw (${cols})`, '-c', `\\copy register_raw from '${path.resolve(FILE)}' with (format csv, header)`], { encoding: 'utf8' });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`psql \\copy failed: ${r.stderr}`);
  const rows = Number(spawnSync('psql', [target, '-At', '-c', 'select count(*) from register_raw'], { encoding: 'utf8' }).stdout.trim());
  return { seconds, rows, tool: 'psql \\copy … from (COPY FROM STDIN)' };
}

/** Bytes the database holds after the import: every table and index (SQLite pages by dbstat after a WAL
 * checkpoint; PostgreSQL pg_total_relation_size, which counts heap, TOAST and indexes), the largest tables named. */
function storedBytes(kind: DbKind, target: string): { total: number; byTable: [string, number][] } {
  let out: string;
  if (kind === 'sqlite') {
    const r = spawnSync('sqlite3', [target, 'pragma wal_checkpoint(truncate);',
      "select coalesce(m.tbl_name, s.name), sum(s.pgsize) from dbstat s left join sqlite_schema m on m.name = s.name group by 1 order by 2 desc;"], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`sqlite3 dbstat failed: ${r.stderr}`);
    out = r.stdout.split('\n').slice(1).join('\n');
  } else {
    const r = spawnSync('psql', [target, '-At', '-c', "select c.relname, pg_total_relation_size(c.oid) from pg_class c where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace order by 2 desc"], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql size query failed: ${r.stderr}`);
    out = r.stdout;
  }
  const byTable = out.trim().split('\n').filter((l) => l.includes('|')).map((l) => { const [name, bytes] = l.split('|'); return [name, Number(bytes)] as [string, number]; });
  return { total: byTable.reduce((sum, [, b]) => sum + b, 0), byTable };
}

if (!fs.existsSync(FILE)) {
  console.error(`Generating ${FILE}…`);
  await writeRegister(FILE, ROWS, 400);
}
const lines: string[] = [];
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
lines.push(`### Import throughput (${new Date().toISOString().slice(0, 10)})`, '');
lines.push(`Load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(', ')} (1, 5, 15 min). Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. File: ${ROWS.toLocaleString('en-GB')} rows from \`bench/generate-register.ts\` ` +
  `(${(fs.statSync(FILE).size / 2 ** 20).toFixed(0)} MiB CSV, 400 sites). Each import is \`importSpreadsheet\` end to end (read, map, normalise, validate, create sites, write, provenance and findings) ` +
  `into an empty organisation, in its own process; peak RSS is that process's maxRSS. Command: \`node bin/run-ts.mjs bench/import.ts --rows ${ROWS}\`.`, '');
lines.push('| database | rows/s | seconds | assets stored | findings | importer process CPU s | peak RSS MiB | bytes per asset (all tables and indexes) | bulk load by the database’s own tool | importer ÷ bulk load | target (≥ 30,000 rows/s SQLite, ≥ 20,000 PostgreSQL, < 1 GiB) |', '|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|');
const notes: string[] = [];
for (const kind of KINDS) {
  const d = await createTestDatabase(kind);
  try {
    const org = await createOrganisation(d.db, system, { slug: 'bench', name: 'Bench council' });
    console.error(`${kind}: importing ${ROWS.toLocaleString('en-GB')} rows…`);
    const r = spawnSync(process.execPath, [...process.execArgv, 'bin/run-ts.mjs', 'bench/import.ts', '--child', kind, '--target', kind === 'sqlite' ? d.file! : d.url!, '--org', org.id, '--file', FILE],
      { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`${kind} import failed (exit ${r.status}): ${r.stdout.slice(0, 2000)}`);
    const m = JSON.parse(r.stdout) as { seconds: number; cpuSeconds: number; maxRssMiB: number; assets: number; findings: number; summary: Record<string, unknown> };
    console.error(`${kind}: imported in ${m.seconds.toFixed(0)} s; measuring storage, then bulk loading…`);
    const stored = storedBytes(kind, kind === 'sqlite' ? d.file! : d.url!);
    const bulk = bulkLoad(kind, kind === 'sqlite' ? d.file! : d.url!);
    const rate = ROWS / m.seconds;
    const target = kind === 'sqlite' ? 30_000 : 20_000;
    const met = rate >= target && m.maxRssMiB < 1024 ? 'met' : `**missed** (${[rate < target ? 'speed' : '', m.maxRssMiB >= 1024 ? 'memory' : ''].filter(Boolean).join(', ')})`;
    lines.push(`| ${kind} | ${Math.round(rate).toLocaleString('en-GB')} | ${m.seconds.toFixed(1)} | ${m.assets.toLocaleString('en-GB')} | ${m.findings.toLocaleString('en-GB')} | ${m.cpuSeconds.toFixed(1)} | ${m.maxRssMiB.toFixed(0)} | ${Math.round(stored.total / m.assets).toLocaleString('en-GB')} | ${bulk.tool}: ${bulk.seconds.toFixed(1)} s (${Math.round(bulk.rows / bulk.seconds).toLocaleString('en-GB')} rows/s) | ${(m.seconds / bulk.seconds).toFixed(1)}× | ${met} |`);
    notes.push(`- ${kind}: bytes per asset by table (with its indexes): ${stored.byTable.slice(0, 6).map(([t, b]) => `${t} ${Math.round(b / m.assets).toLocaleString('en-GB')}`).join(', ')}; load average at end ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`);
    notes.push(`- ${kind}: the importer's report: \`${JSON.stringify(m.summary)}\`${m.assets !== ROWS ? ` — **${m.assets.toLocaleString('en-GB')} assets stored for ${ROWS.toLocaleString('en-GB')} rows**` : ''}`);
    console.error(lines.at(-1));
  } finally {
    await d.dispose();
  }
}
lines.push('', ...notes, '');
const out = lines.join('\n');
console.log(out);
fs.mkdirSync(path.join('bench', 'out'), { recursive: true });
fs.writeFileSync(path.join('bench', 'out', `import-${Date.now()}.md`), out);
