// Export throughput and memory on a large register: N assets (the generated register, default 1,000,000) in one
// organisation, exported as CSV, XLSX and JSON through the export service (keyset batches from the database,
// streaming writers), on SQLite and PostgreSQL. Each export runs in its own child process so its peak RSS is its
// own. Peer in the same run: the database's own CSV dump of the same rows and columns (sqlite3 `.mode csv`,
// PostgreSQL `COPY … TO STDOUT`), written to /dev/null like ours.
//
//   node bin/run-ts.mjs bench/export.ts [--rows 1000000] [--db sqlite,postgres] [--formats csv,xlsx,json] [--keep 1 (keep the databases, for profiling)]
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../test/helpers/db';
import { openPostgres, openSqlite } from '../src/platform/db';
import { newId } from '../src/platform/ids';
import { normaliseIp, normaliseMac } from '../src/domain/netaddr';
import { assetColumns } from '../src/modules/assets/repo';
import type { AssetInput } from '../src/modules/assets/schemas';
import { EXPORT_BATCH, exportFile } from '../src/modules/exports/service';
import type { ExportFormat } from '../src/modules/exports/formats';
import type { DbKind } from '../src/platform/config';
import { registerRows, siteNames } from './generate-register';

const args = Object.fromEntries(process.argv.slice(2).reduce<[string, string][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const ROWS = Number(args.rows ?? 1_000_000);
const SITES = 400;
const KINDS = (args.db ?? 'sqlite,postgres').split(',') as DbKind[];
const FORMATS = (args.formats ?? 'csv,xlsx,json').split(',') as ExportFormat[];

/** Counts bytes and throws them away: the export's own cost, not the disk's. */
const devNull = () => {
  let bytes = 0;
  const sink = new Writable({ write(chunk, _e, cb) { bytes += chunk.length; cb(); } });
  return { sink, bytes: () => bytes };
};

// ---- child: one export, reports its numbers as JSON on stdout
if (args.child) {
  const [kind, target, orgId, format] = [args.child as DbKind, args.target, args.org, args.format as ExportFormat];
  const database = kind === 'sqlite' ? openSqlite(target) : openPostgres(target, 2);
  const ctx = { db: database.db, orgId, orgSlug: 'bench', role: 'viewer' as const, actor: { type: 'system' as const, id: null, label: 'bench' } };
  const t = performance.now();
  const { sink, bytes } = devNull();
  await pipeline(exportFile(ctx, 'assets', format, {}).body, sink);
  const seconds = (performance.now() - t) / 1000;
  await database.close();
  process.stdout.write(JSON.stringify({ seconds, bytes: bytes(), maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

const DATE_RE = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;
/** A plain normalisation of the generated rows, only to fill the database for this benchmark (not the importer). */
function toInput(row: string[], siteIds: Map<string, string>): AssetInput & { siteId: string | null } {
  const [kind, make, model, serial, mac, ip, firmware, building, status, installed, notes] = row;
  const d = DATE_RE.exec(installed);
  const iso = d ? `${d[3]}-${d[2].padStart(2, '0')}-${d[1].padStart(2, '0')}` : installed || null;
  const s = status.toLowerCase();
  return {
    kind: /nvr|recorder/i.test(kind) ? 'nvr' : 'camera', manufacturer: make.trim() || null, model: model || null, serial, firmware: firmware || null,
    mac: mac ? normaliseMac(mac) : null, ip: ip ? normaliseIp(ip) : null, networkId: null, systemId: null,
    siteId: siteIds.get(building.trim().toLowerCase()) ?? null, installDate: iso, warrantyEnd: null,
    status: s.startsWith('faulty') ? 'faulty' : s.startsWith('removed') ? 'removed' : s.startsWith('replacement') ? 'replacement-planned' : 'in-service',
    location: null, notes: notes || null,
  };
}

const COLS = ['id', 'org_id', 'kind', 'manufacturer', 'manufacturer_key', 'model', 'model_key', 'serial', 'firmware', 'mac', 'ip', 'network_id', 'site_id', 'system_id',
  'install_date', 'warranty_end', 'status', 'location', 'notes', 'search_text', 'created_at', 'updated_at'] as const;

async function load(d: TestDatabase): Promise<string> {
  const now = new Date().toISOString();
  const orgId = newId();
  await d.db.insertInto('organisations').values({ id: orgId, slug: 'bench', name: 'Bench council', created_at: now }).execute();
  const siteIds = new Map<string, string>();
  for (const name of siteNames(SITES)) {
    const id = newId();
    await d.db.insertInto('sites').values({ id, org_id: orgId, name, name_key: name.toLowerCase(), address: null, postcode: null, latitude: null, longitude: null, sensitive: 0, sensitive_reason: null, site_type: 'other', created_at: now, updated_at: now }).execute();
    siteIds.set(name.toLowerCase(), id);
  }
  const rowsOf = function* () {
    for (const r of registerRows(ROWS, SITES)) {
      const cols: Record<string, unknown> = { id: newId(), org_id: orgId, ...assetColumns(toInput(r, siteIds)), created_at: now, updated_at: now };
      yield COLS.map((c) => cols[c] ?? null);
    }
  };
  if (d.kind === 'sqlite') {
    const SQLite = (await import('better-sqlite3')).default;
    const conn = new SQLite(d.file!);
    conn.pragma('journal_mode = WAL');
    const stmt = conn.prepare(`insert into assets (${COLS.join(',')}) values (${COLS.map(() => '?').join(',')})`);
    const batch = conn.transaction((rows: unknown[][]) => { for (const row of rows) stmt.run(row); });
    let buf: unknown[][] = [];
    for (const row of rowsOf()) { buf.push(row); if (buf.length === 20_000) { batch(buf); buf = []; } }
    if (buf.length) batch(buf);
    conn.close();
  } else {
    const client = new pg.Client({ connectionString: d.url! });
    await client.connect();
    let buf: unknown[][] = [];
    const flush = async () => {
      await client.query(`insert into assets (${COLS.join(',')}) select * from unnest(${COLS.map((_, i) => `$${i + 1}::text[]`).join(',')})`, COLS.map((_, i) => buf.map((row) => row[i])));
      buf = [];
    };
    for (const row of rowsOf()) { buf.push(row); if (buf.length === 10_000) await flush(); }
    if (buf.length) await flush();
    await client.end();
  }
  // On PostgreSQL, VACUUM too: a freshly loaded table's first full read sets every row's hint bits (writing the
  // pages back), so whichever export ran first paid for it and the peer comparison depended on the order. A live
  // register has been vacuumed (autovacuum), so both are measured on a vacuumed table.
  await (d.kind === 'postgres' ? sql`vacuum (analyze)` : sql`analyze`).execute(d.db);
  return orgId;
}

/** The peer: the same rows and columns, in the same order, dumped as CSV by the database's own tool. */
function peerDump(d: TestDatabase, orgId: string): { seconds: number; tool: string } {
  const query = `select a.id, a.kind, a.manufacturer, a.model, a.serial, a.mac, a.ip, a.firmware, s.name, n.name, y.name, a.status, a.install_date, a.warranty_end, a.location, a.notes
    from assets a left join sites s on s.id = a.site_id left join networks n on n.id = a.network_id left join systems y on y.id = a.system_id
    where a.org_id = '${orgId}' order by a.manufacturer_key, a.id`.replace(/\s+/g, ' ');
  const t = performance.now();
  const r = d.kind === 'sqlite'
    ? spawnSync('sqlite3', ['-csv', '-header', d.file!, query], { stdio: ['ignore', fs.openSync('/dev/null', 'w'), 'pipe'] })
    : spawnSync('psql', [d.url!, '-q', '-c', `\\copy (${query}) to stdout with (format csv, header)`], { stdio: ['ignore', fs.openSync('/dev/null', 'w'), 'pipe'] });
  if (r.status !== 0) throw new Error(`peer dump failed: ${r.stderr}`);
  return { seconds: (performance.now() - t) / 1000, tool: d.kind === 'sqlite' ? 'sqlite3 -csv (CLI)' : 'psql \\copy … to stdout (COPY)' };
}

const lines: string[] = [];
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
lines.push(`### Export throughput (${new Date().toISOString().slice(0, 10)})`, '');
const loadAvg = () => os.loadavg().map((l) => l.toFixed(2)).join(', ');
const loadAtStart = loadAvg();
lines.push(`Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average at start ${loadAtStart} (1, 5, 15 min; LOAD_AT_END). Data: ${ROWS.toLocaleString('en-GB')} assets from \`bench/generate-register.ts\` ` +
  `(${SITES} sites) in one organisation. Each export is the export service end to end (filters checked, keyset batches of ${EXPORT_BATCH.toLocaleString('en-GB')} read as arrays — on SQLite through a read-only connection of the export's own with statements prepared once, on PostgreSQL through Kysely — site, network and system names from maps, ` +
  `cells neutralised, lines built by hand and written ~64 KiB at a time) into a byte-counting sink, in its own process; peak RSS is that process's maxRSS. Command: \`node bin/run-ts.mjs bench/export.ts --rows ${ROWS}${args.formats ? ` --formats ${args.formats}` : ''}\`.`, '');
lines.push('| database | format | rows/s | seconds | output MiB | peak RSS MiB | load avg (1 min) before | target |', '|---|---|---:|---:|---:|---:|---:|---|');
const peers: string[] = [];
for (const kind of KINDS) {
  const d = await createTestDatabase(kind);
  try {
    const t = performance.now();
    console.error(`${kind}: loading ${ROWS.toLocaleString('en-GB')} assets…`);
    const orgId = await load(d);
    console.error(`${kind}: loaded in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    let csvSeconds = 0;
    for (const format of FORMATS) {
      const loadBefore = os.loadavg()[0].toFixed(2);
      const r = spawnSync(process.execPath, ['bin/run-ts.mjs', 'bench/export.ts', '--child', kind, '--target', kind === 'sqlite' ? d.file! : d.url!, '--org', orgId, '--format', format], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (r.status !== 0) throw new Error(`${kind} ${format} export failed: ${r.stderr}`);
      const m = JSON.parse(r.stdout) as { seconds: number; bytes: number; maxRssMiB: number };
      if (format === 'csv') csvSeconds = m.seconds;
      const rate = ROWS / m.seconds;
      const target = format === 'csv' ? (rate >= 100_000 && m.maxRssMiB < 512 ? 'met' : '**missed**') : (m.maxRssMiB < 512 ? 'memory met' : '**memory missed**');
      lines.push(`| ${kind} | ${format.toUpperCase()} | ${Math.round(rate).toLocaleString('en-GB')} | ${m.seconds.toFixed(1)} | ${(m.bytes / 2 ** 20).toFixed(0)} | ${m.maxRssMiB.toFixed(0)} | ${loadBefore} | ${target} |`);
      console.error(lines.at(-1));
    }
    const peer = peerDump(d, orgId);
    peers.push(`- ${kind}: ${peer.tool} of the same ${ROWS.toLocaleString('en-GB')} rows and columns in the same order: ${peer.seconds.toFixed(1)} s (${Math.round(ROWS / peer.seconds).toLocaleString('en-GB')} rows/s)` +
      (csvSeconds ? `; our CSV export takes ${(csvSeconds / peer.seconds).toFixed(2)}× as long.` : '.'));
    console.error(peers.at(-1));
  } finally {
    if (args.keep) console.error(`kept ${kind} database: ${d.file ?? d.url}`); else await d.dispose();
  }
}
lines.push('', 'Peer in the same run (the database\'s own CSV dump, to /dev/null):', '', ...peers, '');
const out = lines.join('\n').replace('LOAD_AT_END', `at end ${loadAvg()}`);
console.log(out);
fs.mkdirSync(path.join('bench', 'out'), { recursive: true });
fs.writeFileSync(path.join('bench', 'out', `export-${Date.now()}.md`), out);
