import type { Tx } from '../../platform/context';

export async function findOrgBySlug(tx: Tx, slug: string) {
  return tx.selectFrom('organisations').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function countOrgs(tx: Tx): Promise<number> {
  const r = await tx.selectFrom('organisations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The organisations a person belongs to, with their role in each. */
export async function membershipsOf(tx: Tx, userId: string) {
  return tx.selectFrom('memberships').innerJoin('organisations', 'organisations.id', 'memberships.org_id')
    .select(['organisations.id as orgId', 'organisations.slug', 'organisations.name', 'memberships.role'])
    .where('memberships.user_id', '=', userId).orderBy('organisations.name').execute();
}

export async function membership(tx: Tx, userId: string, orgId: string) {
  return tx.selectFrom('memberships').select('role').where('user_id', '=', userId).where('org_id', '=', orgId).executeTakeFirst();
}

/** What an organisation has set up so far: each onboarding task is done when its record exists. */
export async function onboardingFacts(tx: Tx, orgId: string) {
  const has = async (q: { executeTakeFirst(): Promise<unknown> }) => !!(await q.executeTakeFirst());
  const [sites, assets, imports, sensitive, core, scans, assessments, schedules] = await Promise.all([
    has(tx.selectFrom('sites').select('id').where('org_id', '=', orgId).limit(1)),
    has(tx.selectFrom('assets').select('id').where('org_id', '=', orgId).limit(1)),
    has(tx.selectFrom('import_runs').select('id').where('org_id', '=', orgId).limit(1)),
    has(tx.selectFrom('sites').select('id').where('org_id', '=', orgId).where('sensitive', '=', 1).limit(1)),
    has(tx.selectFrom('networks').select('id').where('org_id', '=', orgId).where('kind', '=', 'core').limit(1)),
    has(tx.selectFrom('discovery_runs').select('id').where('org_id', '=', orgId).limit(1)),
    has(tx.selectFrom('compliance_assessments').select('id').where('org_id', '=', orgId).limit(1)),
    has(tx.selectFrom('maintenance_schedules').select('id').where('org_id', '=', orgId).limit(1)),
  ]);
  return { sites, assets, imports, sensitive, core, scans, assessments, schedules };
}
