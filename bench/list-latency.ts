// List-and-filter latency on a large register: one organisation with N assets among 100 organisations.
// Measures the real API path (token auth, validation, keyset query, JSON) through app.inject, on SQLite and
// PostgreSQL, and compares keyset paging against OFFSET paging (the usual peer) at the same depth.
//
//   node bin/run-ts.mjs bench/list-latency.ts [--rows 1000000] [--others 2000] [--db sqlite,postgres] [--iterations 200]
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../test/helpers/db';
import { createTestApp } from '../test/helpers/app';
import { createApiToken } from '../src/modules/users/service';
import { newId } from '../src/platform/ids';
import { encodeCursor } from '../src/platform/paging';
import { listAssetPage } from '../src/modules/assets/repo';
import type { DbKind } from '../src/platform/config';

const args = Object.fromEntries(process.argv.slice(2).reduce<[string, string][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const ROWS = Number(args.rows ?? 1_000_000);
const OTHERS = Number(args.others ?? 2_000);
const ORGS = 100;
const ITER = Number(args.iterations ?? 200);
const KINDS = (args.db ?? 'sqlite,postgres').split(',') as DbKind[];

const MAKES = ['Hikvision', 'HIKVISION', 'Dahua', 'Axis', 'Hanwha', 'Bosch', 'Uniview', 'Honeywell', 'Amcrest', 'Avigilon', 'Vivotek', 'Sony', 'HiLook', 'EZVIZ', null];
const STATUSES = ['in-service', 'in-service', 'in-service', 'in-service', 'faulty', 'removed', 'replacement-planned'];
const KINDS_OF_ASSET = ['camera', 'camera', 'camera', 'camera', 'camera', 'nvr', 'dvr', 'encoder', 'switch', 'other'];

function rng(seed: number) { return () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32); }

interface Org { id: string; slug: string; sites: string[]; networks: string[] }

async function createOrgs(d: TestDatabase): Promise<Org[]> {
  const orgs: Org[] = [];
  const now = new Date().toISOString();
  for (let i = 0; i < ORGS; i++) {
    const org = { id: newId(), slug: `org-${i}`, sites: [] as string[], networks: [] as string[] };
    await d.db.insertInto('organisations').values({ id: org.id, slug: org.slug, name: `Organisation ${i}`, created_at: now }).execute();
    for (let s = 0; s < 40; s++) {
      const id = newId();
      await d.db.insertInto('sites').values({ id, org_id: org.id, name: `Site ${s}`, name_key: `site ${s}`, address: null, postcode: null, latitude: null, longitude: null, sensitive: s % 7 === 0 ? 1 : 0, sensitive_reason: s % 7 === 0 ? 'bench' : null, site_type: 'office', created_at: now, updated_at: now }).execute();
      org.sites.push(id);
    }
    for (let n = 0; n < 4; n++) {
      const id = newId();
      await d.db.insertInto('networks').values({ id, org_id: org.id, name: `Net ${n}`, name_key: `net ${n}`, kind: ['core', 'isolated', 'internet-facing', 'standalone'][n], cidrs: '[]', created_at: now, updated_at: now }).execute();
      org.networks.push(id);
    }
    orgs.push(org);
  }
  return orgs;
}

/** Columns in insertion order; generated the same way for both engines. */
const COLS = ['id', 'org_id', 'kind', 'manufacturer', 'manufacturer_key', 'model', 'model_key', 'serial', 'firmware', 'mac', 'ip', 'network_id', 'site_id', 'system_id', 'install_date', 'warranty_end', 'status', 'location', 'notes', 'search_text', 'created_at', 'updated_at'];

function* assetRows(org: Org, n: number, seed: number) {
  const r = rng(seed);
  const base = Date.parse('2020-01-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const make = MAKES[Math.floor(r() * MAKES.length)];
    const model = `M${Math.floor(r() * 500)}-${Math.floor(r() * 10)}`;
    const serial = `${org.slug}-S${i}`;
    const mac = Array.from({ length: 6 }, () => Math.floor(r() * 256).toString(16).padStart(2, '0').toUpperCase()).join(':');
    const ip = `10.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
    const ts = new Date(base + i * 1000).toISOString();
    const loc = `Column ${Math.floor(r() * 2000)}`;
    yield [newId(), org.id, KINDS_OF_ASSET[Math.floor(r() * KINDS_OF_ASSET.length)], make, (make ?? '').toLowerCase(), model, model.toLowerCase(),
      serial, 'V5.7.3 build 220112', mac, ip, org.networks[Math.floor(r() * 4)], org.sites[Math.floor(r() * org.sites.length)], null,
      '2021-06-01', null, STATUSES[Math.floor(r() * STATUSES.length)], loc, null,
      [make, model, serial, mac, ip, loc].filter(Boolean).join(' | ').toLowerCase(), ts, ts];
  }
}

async function bulkLoad(d: TestDatabase, org: Org, n: number, seed: number) {
  if (d.kind === 'sqlite') {
    // Kysely hides its handle, so the bulk load opens its own connection to the same file.
    const SQLite = (await import('better-sqlite3')).default;
    const conn = new SQLite(d.file!);
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = NORMAL');
    const stmt = conn.prepare(`insert into assets (${COLS.join(',')}) values (${COLS.map(() => '?').join(',')})`);
    const batch = conn.transaction((rows: unknown[][]) => { for (const row of rows) stmt.run(row); });
    let buf: unknown[][] = [];
    for (const row of assetRows(org, n, seed)) { buf.push(row); if (buf.length === 20_000) { batch(buf); buf = []; } }
    if (buf.length) batch(buf);
    conn.close();
  } else {
    const client = new pg.Client({ connectionString: d.url! });
    await client.connect();
    let buf: unknown[][] = [];
    const flush = async () => {
      const cols = COLS.map((_, i) => buf.map((row) => row[i]));
      await client.query(`insert into assets (${COLS.join(',')}) select * from unnest(${COLS.map((_, i) => `$${i + 1}::text[]`).join(',')})`, cols);
      buf = [];
    };
    for (const row of assetRows(org, n, seed)) { buf.push(row); if (buf.length === 10_000) await flush(); }
    if (buf.length) await flush();
    await client.end();
  }
}

function pct(xs: number[], p: number) { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; }

async function measure(label: string, fn: () => Promise<void>) {
  for (let i = 0; i < 10; i++) await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < ITER; i++) { const t = performance.now(); await fn(); times.push(performance.now() - t); }
  return { label, p50: pct(times, 50), p95: pct(times, 95) };
}

async function run(kind: DbKind) {
  const d = await createTestDatabase(kind);
  try {
    const t0 = performance.now();
    const orgs = await createOrgs(d);
    const big = orgs[0];
    for (let i = 1; i < ORGS; i++) await bulkLoad(d, orgs[i], OTHERS, i);
    await bulkLoad(d, big, ROWS, 42);
    await sql`analyze`.execute(d.db); // planner statistics, as a running database would have
    const loadSeconds = (performance.now() - t0) / 1000;
    const app = await createTestApp(d);
    const token = (await createApiToken(d.db, { type: 'system', id: null, label: 'bench' }, big.slug, { name: 'bench', role: 'viewer' })).token;
    const get = async (url: string) => {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      return res;
    };
    // The cursor for a page half-way through the register in the default sort (manufacturer, id).
    const depth = Math.floor(ROWS / 2);
    const mid = await d.db.selectFrom('assets').select(['manufacturer_key', 'id']).where('org_id', '=', big.id).orderBy('manufacturer_key').orderBy('id').offset(depth).limit(1).executeTakeFirstOrThrow();
    const deepCursor = encodeCursor({ s: 'manufacturer:asc', v: [mid.manufacturer_key], id: mid.id });
    const site = big.sites[3];
    const results = [
      await measure('first page (50, sorted by manufacturer)', async () => { await get('/api/v1/assets?limit=50'); }),
      await measure(`deep page by cursor (row ${depth.toLocaleString('en-GB')})`, async () => { await get(`/api/v1/assets?limit=50&cursor=${deepCursor}`); }),
      await measure('filtered page (site + status=faulty)', async () => { await get(`/api/v1/assets?limit=50&site=${site}&status=faulty`); }),
      await measure('filtered page (manufacturer=dahua, kind=nvr)', async () => { await get('/api/v1/assets?limit=50&manufacturer=dahua&kind=nvr'); }),
      await measure('sorted page (updated, newest first)', async () => { await get('/api/v1/assets?limit=50&sort=updated&order=desc'); }),
    ];
    // Peer: the same deep page as a query alone, by our keyset cursor and by OFFSET as a naive implementation
    // would page (fewer iterations: OFFSET is slow). Both bare queries, so the ratio compares like with like.
    const filters = { sort: 'manufacturer', order: 'asc', limit: 50 } as any;
    const decoded = { s: 'manufacturer:asc', v: [mid.manufacturer_key], id: mid.id };
    const peerRuns = Math.min(20, ITER);
    const keysetTimes: number[] = [];
    const offsetTimes: number[] = [];
    for (let i = 0; i < peerRuns; i++) {
      let t = performance.now();
      await listAssetPage(d.db, big.id, filters, decoded);
      keysetTimes.push(performance.now() - t);
      t = performance.now();
      await d.db.selectFrom('assets').selectAll().where('org_id', '=', big.id).orderBy('manufacturer_key').orderBy('id').offset(depth).limit(51).execute();
      offsetTimes.push(performance.now() - t);
    }
    const textSearch = await measure('free-text search (q=column 1999)', async () => { await get('/api/v1/assets?limit=50&q=column%201999'); });
    await app.close();
    return { kind, loadSeconds, results, offsetP50: pct(offsetTimes, 50), keysetP50: pct(keysetTimes, 50), textSearch };
  } finally {
    await d.dispose();
  }
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const lines: string[] = [];
lines.push(`### List-and-filter latency (${new Date().toISOString().slice(0, 10)})`, '');
lines.push(`Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. ` +
  `Data: ${ROWS.toLocaleString('en-GB')} assets in one organisation among ${ORGS} organisations (${OTHERS.toLocaleString('en-GB')} in each of the other ${ORGS - 1}). ` +
  `${ITER} timed requests per row after 10 warm-up requests, through the API (token check, validation, query, JSON). Command: \`node bin/run-ts.mjs bench/list-latency.ts --rows ${ROWS} --others ${OTHERS} --iterations ${ITER}\`.`, '');
lines.push('| database | query | p50 ms | p95 ms | target p95 < 50 ms |', '|---|---|---:|---:|---|');
const peers: string[] = [];
for (const kind of KINDS) {
  console.error(`${kind}: loading ${ROWS} + ${OTHERS * (ORGS - 1)} rows…`);
  const r = await run(kind);
  console.error(`${kind}: loaded in ${r.loadSeconds.toFixed(0)} s`);
  for (const m of r.results) lines.push(`| ${kind} | ${m.label} | ${m.p50.toFixed(1)} | ${m.p95.toFixed(1)} | ${m.p95 < 50 ? 'met' : '**missed**'} |`);
  lines.push(`| ${kind} | ${r.textSearch.label} *(not a target: substring scan)* | ${r.textSearch.p50.toFixed(1)} | ${r.textSearch.p95.toFixed(1)} | — |`);
  peers.push(`- ${kind}: the page at row ${Math.floor(ROWS / 2).toLocaleString('en-GB')}, query alone, p50: keyset cursor ${r.keysetP50.toFixed(2)} ms vs OFFSET ${r.offsetP50.toFixed(1)} ms — keyset is ${(r.offsetP50 / r.keysetP50).toFixed(1)}× faster. Loading the data took ${r.loadSeconds.toFixed(0)} s.`);
}
lines.push('', 'Peer in the same run (OFFSET paging to the same depth, the usual implementation):', '', ...peers, '');
const out = lines.join('\n');
console.log(out);
fs.mkdirSync(path.join('bench', 'out'), { recursive: true });
fs.writeFileSync(path.join('bench', 'out', `list-latency-${Date.now()}.md`), out);
