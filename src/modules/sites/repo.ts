import { sql } from 'kysely';
import { z } from 'zod';
import type { Tx } from '../../platform/context';
import { ValidationError } from '../../platform/errors';
import { containsText } from '../../platform/sqlutil';
import type { SitesTable } from '../../platform/schema';
import type { Site, SiteInput } from './schemas';

export function toSite(r: SitesTable): Site {
  return {
    id: r.id, name: r.name, address: r.address, postcode: r.postcode,
    latitude: r.latitude === null ? null : Number(r.latitude), longitude: r.longitude === null ? null : Number(r.longitude),
    sensitive: !!r.sensitive, sensitiveReason: r.sensitive ? r.sensitive_reason : null,
    siteType: r.site_type as Site['siteType'], createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export function siteColumns(s: SiteInput) {
  return {
    name: s.name, name_key: s.name.toLowerCase(), address: s.address, postcode: s.postcode,
    latitude: s.latitude, longitude: s.longitude, sensitive: s.sensitive ? 1 : 0,
    sensitive_reason: s.sensitive ? s.sensitiveReason : null, site_type: s.siteType,
  };
}

export async function findSite(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('sites').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function findSiteByName(tx: Tx, orgId: string, name: string) {
  return tx.selectFrom('sites').select(['id']).where('org_id', '=', orgId).where('name_key', '=', name.toLowerCase()).executeTakeFirst();
}

export async function listSites(tx: Tx, orgId: string, opts: { q?: string; sensitive?: boolean; after?: { v: string; id: string }; limit: number }) {
  let query = tx.selectFrom('sites').selectAll().where('org_id', '=', orgId);
  if (opts.q) query = query.where(containsText('name_key', opts.q));
  if (opts.sensitive !== undefined) query = query.where('sensitive', '=', opts.sensitive ? 1 : 0);
  if (opts.after) query = query.where((eb) => eb(eb.refTuple('name_key', 'id'), '>', eb.tuple(opts.after!.v, opts.after!.id)));
  return query.orderBy('name_key').orderBy('id').limit(opts.limit + 1).execute();
}

export async function countAssetsAtSite(tx: Tx, orgId: string, siteId: string): Promise<number> {
  const r = await tx.selectFrom('assets').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId).where('site_id', '=', siteId).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The sites of this organisation with these ids, by name. */
export async function sitesWithIds(tx: Tx, orgId: string, ids: string[]) {
  if (!ids.length) return [];
  return tx.selectFrom('sites').select(['id', 'name']).where('org_id', '=', orgId).where('id', 'in', ids).orderBy('name').execute();
}

/** Ids among `ids` that are sites of this organisation. */
export async function existingSiteIds(tx: Tx, orgId: string, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await tx.selectFrom('sites').select('id').where('org_id', '=', orgId).where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

// Networks and systems each link to the sites they serve through a table of the same shape
// (org_id, <owner>_id, site_id); these helpers serve both.
const OWNER_COLUMN = { network_sites: 'network_id', system_sites: 'system_id' } as const;
export type SiteLinkTable = keyof typeof OWNER_COLUMN;

/** A list of site ids in a request body. Sorted so the stored and returned lists (and audit diffs) are stable. */
export const siteIdList = z.array(z.string({ error: 'Choose sites from this organisation' }).max(64), { error: 'siteIds must be a list of site ids' })
  .max(1000, 'Choose 1,000 sites or fewer').transform((ids) => [...new Set(ids)].sort());

/** Site ids linked to each of the given networks or systems, in id order. */
export async function linkedSiteIds(tx: Tx, table: SiteLinkTable, orgId: string, ownerIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ownerIds.map((id) => [id, []]));
  if (!ownerIds.length) return out;
  const owner = sql.ref<string>(OWNER_COLUMN[table]);
  const rows = await tx.selectFrom(table).select([owner.as('owner'), 'site_id'])
    .where('org_id', '=', orgId).where(owner, 'in', ownerIds).orderBy('site_id').execute();
  for (const r of rows) out.get(r.owner)?.push(r.site_id);
  return out;
}

/**
 * Replaces the sites linked to a network or system. Refuses (as a field error on siteIds) any id that is not a
 * site of this organisation, without saying whether it exists elsewhere. Call inside the write's transaction.
 */
export async function replaceSiteLinks(tx: Tx, table: SiteLinkTable, orgId: string, ownerId: string, siteIds: string[]) {
  const found = await existingSiteIds(tx, orgId, siteIds);
  if (siteIds.some((id) => !found.has(id))) throw new ValidationError({ siteIds: 'Choose sites from this organisation' });
  const owner = sql.ref<string>(OWNER_COLUMN[table]);
  await tx.deleteFrom(table).where('org_id', '=', orgId).where(owner, '=', ownerId).execute();
  if (!siteIds.length) return;
  if (table === 'network_sites') {
    await tx.insertInto('network_sites').values(siteIds.map((site_id) => ({ org_id: orgId, network_id: ownerId, site_id }))).execute();
  } else {
    await tx.insertInto('system_sites').values(siteIds.map((site_id) => ({ org_id: orgId, system_id: ownerId, site_id }))).execute();
  }
}
