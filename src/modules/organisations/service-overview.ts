import { requirePermission, type OrgContext } from '../../platform/context';

/** Headline counts for an organisation's overview page. */
export async function estateOverview(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  const db = ctx.db;
  const count = async (table: 'sites' | 'networks' | 'systems' | 'assets') => {
    const r = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', ctx.orgId).executeTakeFirstOrThrow();
    return Number(r.n);
  };
  const [sites, networks, systems, assets] = await Promise.all([count('sites'), count('networks'), count('systems'), count('assets')]);
  const sensitive = await db.selectFrom('sites').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', ctx.orgId).where('sensitive', '=', 1).executeTakeFirstOrThrow();
  const byStatus = await db.selectFrom('assets').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('org_id', '=', ctx.orgId).groupBy('status').execute();
  const byKind = await db.selectFrom('assets').select(['kind', (eb) => eb.fn.countAll<number>().as('n')]).where('org_id', '=', ctx.orgId).groupBy('kind').orderBy('kind').execute();
  const makes = await db.selectFrom('assets').select(['manufacturer_key', (eb) => eb.fn.min('manufacturer').as('label'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', ctx.orgId).groupBy('manufacturer_key').orderBy('n', 'desc').limit(10).execute();
  return {
    sites, sensitiveSites: Number(sensitive.n), networks, systems, assets,
    byStatus: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
    byKind: byKind.map((r) => ({ kind: r.kind, n: Number(r.n) })),
    makes: makes.map((r) => ({ key: r.manufacturer_key, label: r.label ?? 'Not recorded', n: Number(r.n) })),
  };
}
