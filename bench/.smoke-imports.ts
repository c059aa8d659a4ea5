import { createTestDatabase } from '/work/main/test/helpers/db';
import { createOrganisation } from '/work/main/src/modules/organisations/service';
import { importSpreadsheet } from '/work/main/src/modules/imports/service';
const kind = (process.argv[2] ?? 'sqlite') as any;
const d = await createTestDatabase(kind);
const actor = { type: 'system' as const, id: null, label: 'smoke' };
const org = await createOrganisation(d.db, actor, { slug: 'smoke', name: 'Smoke' });
const ctx = { db: d.db, orgId: org.id, orgSlug: 'smoke', role: 'admin' as const, actor };
const file = process.argv[3] ?? '/work/main/test/fixtures/imports/messy-register.csv';
try {
  const r1 = await importSpreadsheet(ctx, { path: file, createSites: true });
  console.log(JSON.stringify({ ...r1, normalised: r1.normalised.slice(0, 30) }, null, 1));
  const r2 = await importSpreadsheet(ctx, { path: file, createSites: true });
  console.log('second', r2.added, r2.updated, r2.unchanged, r2.notInFile, r2.errors);
  const assets = await d.db.selectFrom('assets').selectAll().execute();
  console.log(assets.slice(0, 7).map((a) => [a.kind, a.manufacturer, a.serial, a.mac, a.ip, a.install_date, a.status, a.site_id?.slice(-4), a.external_key, a.import_original_json]));
  console.log(await d.db.selectFrom('sites').select(['name']).execute());
  console.log(await d.db.selectFrom('findings').select(['asset_id', 'rule']).execute().then((x) => x.length));
} finally { await d.dispose(); }
