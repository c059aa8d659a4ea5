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

export async function findOrgName(tx: Tx, orgId: string): Promise<string> {
  return (await tx.selectFrom('organisations').select('name').where('id', '=', orgId).executeTakeFirstOrThrow()).name;
}

export async function insertOrg(tx: Tx, org: { id: string; slug: string; name: string; created_at: string }) {
  await tx.insertInto('organisations').values(org).execute();
}

/** The account a membership is granted to (the users module owns the table; this is the one column a grant names). */
export async function findUserEmail(tx: Tx, userId: string) {
  return tx.selectFrom('users').select(['id', 'email']).where('id', '=', userId).executeTakeFirst();
}

export async function upsertMembershipRole(tx: Tx, userId: string, orgId: string, role: string, exists: boolean, createdAt: string) {
  if (exists) await tx.updateTable('memberships').set({ role }).where('user_id', '=', userId).where('org_id', '=', orgId).execute();
  else await tx.insertInto('memberships').values({ user_id: userId, org_id: orgId, role, created_at: createdAt }).execute();
}
