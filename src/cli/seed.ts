import type { Kysely } from 'kysely';
import type { Config } from '../platform/config';
import type { DB } from '../platform/schema';
import type { Actor, OrgContext } from '../platform/context';
import { organisationCount as countOrgs } from '../modules/organisations/service';
import { createOrganisation, grantMembership } from '../modules/organisations/service';
import { createUser } from '../modules/users/service';
import { generateOneTimePassword } from './password';
import { seedDemoEstate } from './demo-estate';

export interface Seeded { orgSlug: string; orgName: string; email: string; generatedPassword: string | null }

const system: Actor = { type: 'system', id: null, label: 'Sightline (first start)' };

/**
 * On first start with an empty database: an admin, and (unless SIGHTLINE_DEMO=0) the demo organisation with a
 * small realistic estate. With SIGHTLINE_DEMO=0 the admin gets an empty organisation to start from.
 */
export async function seedIfEmpty(db: Kysely<DB>, config: Config): Promise<Seeded | null> {
  if ((await countOrgs(db)) > 0) return null;
  const email = config.adminEmail ?? 'admin@sightline.local';
  const generatedPassword = config.adminPassword ? null : generateOneTimePassword();
  const org = config.demo
    ? await createOrganisation(db, system, { slug: 'demo', name: 'Demo Borough Council' })
    : await createOrganisation(db, system, { slug: 'main', name: 'My organisation' });
  const user = await createUser(db, system, { email, name: 'Administrator', password: config.adminPassword ?? generatedPassword }, { mustChangePassword: !config.adminPassword });
  await grantMembership(db, system, org.slug, user.id, 'admin');
  if (config.demo) {
    const ctx: OrgContext = { db, orgId: org.id, orgSlug: org.slug, role: 'admin', actor: system };
    await seedDemoEstate(ctx);
  }
  return { orgSlug: org.slug, orgName: org.name, email: user.email, generatedPassword };
}
