import type { Kysely } from 'kysely';
import type { Actor, OrgContext, Role } from '../../platform/context';
import type { DB } from '../../platform/schema';
import { conflict, notFound, parseInput } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import { recordAudit } from '../audit/repo';
import { countOrgs, findOrgBySlug, membershipsOf, findOrgName, findUserEmail, insertOrg, membership, upsertMembershipRole } from './repo';
import { orgInput } from './schemas';

/** The organisation with this slug, or undefined (the CLI names organisations by slug). */
export async function organisationBySlug(db: Kysely<DB>, slug: string) {
  return findOrgBySlug(db, slug);
}

/** How many organisations there are (the first-run seed makes one only when there is none). */
export async function organisationCount(db: Kysely<DB>): Promise<number> {
  return countOrgs(db);
}

/** The organisations a person belongs to, with their role in each, by name. */
export async function organisationsOf(db: Kysely<DB>, userId: string) {
  return membershipsOf(db, userId);
}

/** The organisation's name as shown on its pages and public documents. */
export async function organisationName(ctx: OrgContext): Promise<string> {
  return findOrgName(ctx.db, ctx.orgId);
}

export async function createOrganisation(db: Kysely<DB>, actor: Actor, body: unknown) {
  const input = parseInput(orgInput, body);
  return db.transaction().execute(async (tx) => {
    if (await findOrgBySlug(tx, input.slug)) throw conflict('slug', `An organisation with slug "${input.slug}" already exists`);
    const org = { id: newId(), slug: input.slug, name: input.name, created_at: nowIso() };
    await insertOrg(tx, org);
    await recordAudit(tx, { orgId: org.id, actor, action: 'create', objectType: 'organisation', objectId: org.id, summary: `Created organisation ${org.name}`, after: org });
    return org;
  });
}

/** Gives a person a role in an organisation (or changes it). */
export async function grantMembership(db: Kysely<DB>, actor: Actor, orgSlug: string, userId: string, role: Role) {
  return db.transaction().execute(async (tx) => {
    const org = await findOrgBySlug(tx, orgSlug);
    if (!org) throw notFound(`Organisation "${orgSlug}"`);
    const user = await findUserEmail(tx, userId);
    if (!user) throw notFound('User');
    const existing = await membership(tx, userId, org.id);
    await upsertMembershipRole(tx, userId, org.id, role, !!existing, nowIso());
    await recordAudit(tx, {
      orgId: org.id, actor, action: 'grant', objectType: 'membership', objectId: userId,
      summary: `${user.email} is now ${role}`, before: existing ? { role: existing.role } : undefined, after: { role },
    });
    return org;
  });
}
