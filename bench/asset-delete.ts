// What deleting one asset costs once the register is large: the generated register (default 100,000 rows, with
// its ~110,000 findings) imported into SQLite and PostgreSQL, then 20 assets deleted one by one (rolled back), with
// the findings(asset_id) index the schema has and, for comparison, without it (dropped for the run).
//
//   node bin/run-ts.mjs bench/asset-delete.ts [--rows 100000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createTestDatabase } from '../test/helpers/db';
import { createOrganisation } from '../src/modules/organisations/service';
import { importSpreadsheet } from '../src/modules/imports/service';
import { writeRegister } from './generate-register';

const args = Object.fromEntries(process.argv.slice(2).reduce<[string, string][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const ROWS = Number(args.rows ?? 100_000);
const FILE = path.join('bench', 'out', `register-${ROWS}.csv`);
const system = { type: 'system' as const, id: null, label: 'bench' };
if (!fs.existsSync(FILE)) await writeRegister(FILE, ROWS, 400);

const lines = [`Asset delete at ${ROWS.toLocaleString('en-GB')} assets (${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; \`node bin/run-ts.mjs bench/asset-delete.ts --rows ${ROWS}\`):`, '',
  '| database | findings | ms per asset delete, with findings(asset_id) index | without it |', '|---|---:|---:|---:|'];
for (const kind of ['sqlite', 'postgres'] as const) {
  const d = await createTestDatabase(kind);
  try {
    const org = await createOrganisation(d.db, system, { slug: 'bench', name: 'Bench council' });
    await importSpreadsheet({ db: d.db, orgId: org.id, orgSlug: 'bench', role: 'admin', actor: system }, { path: FILE, originalName: path.basename(FILE), createSites: true });
    const findings = Number((await d.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const ids = (await d.db.selectFrom('assets').select('id').orderBy('id').limit(20).execute()).map((r) => r.id);
    /** Milliseconds per delete of the sampled assets, in a transaction rolled back so each variant sees the same data. */
    const perDelete = async () => {
      const start = performance.now();
      await d.db.transaction().execute(async (tx) => {
        for (const id of ids) await tx.deleteFrom('assets').where('id', '=', id).execute();
        throw new Error('roll back');
      }).catch((e: Error) => { if (e.message !== 'roll back') throw e; });
      return (performance.now() - start) / ids.length;
    };
    const withIndex = await perDelete();
    await sql`drop index findings_asset_idx`.execute(d.db);
    const without = await perDelete();
    lines.push(`| ${kind} | ${findings.toLocaleString('en-GB')} | ${withIndex.toFixed(1)} | ${without.toFixed(1)} |`);
    console.error(lines.at(-1));
  } finally {
    await d.dispose();
  }
}
console.log(lines.join('\n'));
