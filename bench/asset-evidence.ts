// What keeping the network's evidence with assets costs: the generated register (default 20,000 rows) imported into
// SQLite and PostgreSQL, then a scan report whose devices match 5,000 of its assets, each with web, RTSP-realm,
// scope and page evidence, stored as a run: the first time (every asset's observation is new, so each is
// re-evaluated), then again from a later scan that saw the same (observations refreshed, no re-evaluation). Then a
// whole-estate assessment, which reads each asset's observation with its register fields, against the same
// assessment before any scan.
//
//   node bin/run-ts.mjs bench/asset-evidence.ts [--rows 20000] [--devices 5000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../test/helpers/db';
import { createOrganisation } from '../src/modules/organisations/service';
import { importSpreadsheet } from '../src/modules/imports/service';
import { addRange, ingestReport } from '../src/modules/discovery/service';
import { assessOrganisation } from '../src/modules/provenance/service';
import { catalogueRuntime } from '../src/catalog';
import { identify } from '../src/domain/provenance';
import type { OrgContext } from '../src/platform/context';
import { writeRegister } from './generate-register';

const args = Object.fromEntries(process.argv.slice(2).reduce<[string, string][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const ROWS = Number(args.rows ?? 20_000);
const DEVICES = Number(args.devices ?? 5_000);
const FILE = path.join('bench', 'out', `register-${ROWS}.csv`);
const system = { type: 'system' as const, id: null, label: 'bench' };
if (!fs.existsSync(FILE)) await writeRegister(FILE, ROWS, 400);

const page = `<html><head><title>Login</title></head><body>${'<div class="login"><input name="user"></div>'.repeat(90)}</body></html>`;
function report(assets: { mac: string | null; serial: string | null; ip: string | null }[], finishedAt: string) {
  return {
    tool: 'sightline-discover', formatVersion: 1, startedAt: finishedAt, finishedAt, targets: ['10.0.0.0/8'], ports: [80, 554], hostsScanned: assets.length, interrupted: true,
    devices: assets.map((a) => {
      const evidence = { mac: a.mac, serial: a.serial, httpServer: 'App-webs/', realm: 'IP Camera', scopes: ['onvif://www.onvif.org/name/HIKVISION'], httpBody: page };
      return { ...evidence, address: a.ip!, ports: [80, 554], probes: [], seenAt: finishedAt, verdict: identify(catalogueRuntime().compiled, evidence) };
    }),
  };
}

const time = async <T>(f: () => Promise<T>) => { const t = performance.now(); const r = await f(); return { r, s: (performance.now() - t) / 1000 }; };
const lines = [`Network evidence kept with assets, ${ROWS.toLocaleString('en-GB')} assets, ${DEVICES.toLocaleString('en-GB')} matched by a scan (${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; \`node bin/run-ts.mjs bench/asset-evidence.ts --rows ${ROWS} --devices ${DEVICES}\`):`, '',
  '| database | assessment before any scan, s | first scan stored (all observations new, re-evaluated), s | same scan again, later, s | assessment with observations, s |', '|---|---:|---:|---:|---:|'];
for (const kind of ['sqlite', 'postgres'] as const) {
  const d = await createTestDatabase(kind);
  try {
    const org = await createOrganisation(d.db, system, { slug: 'bench', name: 'Bench council' });
    const ctx: OrgContext = { db: d.db, orgId: org.id, orgSlug: 'bench', role: 'admin', actor: system };
    await importSpreadsheet(ctx, { path: FILE, originalName: path.basename(FILE), createSites: true });
    await addRange(ctx, { cidr: '10.0.0.0/8' });
    const assets = await d.db.selectFrom('assets').select(['mac', 'serial', 'ip']).where('org_id', '=', org.id).where('ip', 'is not', null).orderBy('id').limit(DEVICES).execute();
    const before = await time(() => assessOrganisation(ctx));
    const first = await time(() => ingestReport(ctx, report(assets, '2026-11-20T10:00:00.000Z')));
    const again = await time(() => ingestReport(ctx, report(assets, '2026-11-27T10:00:00.000Z')));
    const after = await time(() => assessOrganisation(ctx));
    const observed = Number((await d.db.selectFrom('asset_observations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    if (observed !== assets.length) throw new Error(`${observed} observations kept for ${assets.length} matched devices`);
    lines.push(`| ${kind} | ${before.s.toFixed(1)} | ${first.s.toFixed(1)} | ${again.s.toFixed(1)} | ${after.s.toFixed(1)} |`);
    console.error(lines.at(-1));
  } finally {
    await d.dispose();
  }
}
console.log(lines.join('\n'));
