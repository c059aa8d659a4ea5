import fs from 'node:fs';
import { createTestDatabase } from '../test/helpers/db';
import { createOrganisation } from '../src/modules/organisations/service';
import { importSpreadsheet } from '../src/modules/imports/service';
import { writeRegister } from './generate-register';
const kind = (process.argv[2] ?? 'sqlite') as any;
const rows = Number(process.argv[3] ?? 100000);
const file = `/tmp/imp/register-${rows}.csv`;
if (!fs.existsSync(file)) await writeRegister(file, rows, 400);
const d = await createTestDatabase(kind);
const actor = { type: 'system' as const, id: null, label: 'perf' };
const org = await createOrganisation(d.db, actor, { slug: 'perf', name: 'Perf' });
const ctx = { db: d.db, orgId: org.id, orgSlug: 'perf', role: 'admin' as const, actor };
try {
  const t = performance.now();
  const phases: Record<string, number> = {};
  const r = await importSpreadsheet(ctx, { path: file, createSites: true }, { onProgress: (p) => { phases[p.phase] ??= performance.now() - t; } });
  const s = (performance.now() - t) / 1000;
  console.log(kind, rows, 'rows', s.toFixed(1), 's', Math.round(rows / s), 'rows/s', 'maxRSS MiB', Math.round(process.resourceUsage().maxRSS / 1024), JSON.stringify({ ...r, errors: r.errors.slice(0, 5), normalised: r.normalised.length, newSites: r.newSites.length, mapping: undefined }), phases);
  if (process.argv[4] === 'again') {
    const t2 = performance.now();
    const r2 = await importSpreadsheet(ctx, { path: file, createSites: true });
    console.log('re-import', ((performance.now() - t2) / 1000).toFixed(1), 's', r2.added, r2.updated, r2.unchanged, r2.errorCount);
  }
 console.log((globalThis as any).__bulk); } finally { await d.dispose(); }
