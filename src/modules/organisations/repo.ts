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
