import type { Kysely } from 'kysely';
import type { Actor, Role } from '../../platform/context';
import type { DB } from '../../platform/schema';
import { conflict, notFound, parseInput } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import { recordAudit } from '../audit/repo';
import { findOrgBySlug } from './repo';
import { orgInput } from './schemas';

export async function createOrganisation(db: Kysely<DB>, actor: Actor, body: unknown) {
  const input = parseInput(orgInput, body);
  return db.transaction().execute(async (tx) => {
    if (await findOrgBySlug(tx, input.slug)) throw conflict('slug', `An organisation with slug "${input.slug}" already exists`);
    const org = { id: newId(), slug: input.slug, name: input.name, created_at: nowIso() };
    await tx.insertInto('organisations').values(org).execute();
    await recordAudit(tx, { orgId: org.id, actor, action: 'create', objectType: 'organisation', objectId: org.id, summary: `Created organisation ${org.name}`, after: org });
    return org;
  });
}

/** Gives a person a role in an organisation (or changes it). */
export async function grantMembership(db: Kysely<DB>, actor: Actor, orgSlug: string, userId: string, role: Role) {
  return db.transaction().execute(async (tx) => {
    const org = await findOrgBySlug(tx, orgSlug);
    if (!org) throw notFound(`Organisation "${orgSlug}"`);
    const user = await tx.selectFrom('users').select(['id', 'email']).where('id', '=', userId).executeTakeFirst();
    if (!user) throw notFound('User');
    const existing = await tx.selectFrom('memberships').select('role').where('user_id', '=', userId).where('org_id', '=', org.id).executeTakeFirst();
    if (existing) {
      await tx.updateTable('memberships').set({ role }).where('user_id', '=', userId).where('org_id', '=', org.id).execute();
    } else {
      await tx.insertInto('memberships').values({ user_id: userId, org_id: org.id, role, created_at: nowIso() }).execute();
    }
    await recordAudit(tx, {
      orgId: org.id, actor, action: 'grant', objectType: 'membership', objectId: userId,
      summary: `${user.email} is now ${role}`, before: existing ? { role: existing.role } : undefined, after: { role },
    });
    return org;
  });
}
