import { requirePermission, type OrgContext, type Tx } from '../../platform/context';
import { AppError, conflict, notFound, parseInput, parsePatch } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import { decodeCursor, encodeCursor } from '../../platform/paging';
import { isUniqueViolation } from '../../platform/sqlutil';
import { auditedChange } from '../audit/write';
import * as repo from './repo';
import { reevaluateWhere } from '../provenance/service';
import { siteInput, sitePatch, type Site } from './schemas';

const duplicateName = () => conflict('name', 'A site with this name already exists in this organisation');

export async function listSites(ctx: OrgContext, q: { q?: string; sensitive?: boolean; cursor?: string; limit: number }) {
  requirePermission(ctx, 'estate:read');
  const c = decodeCursor(q.cursor, 'name');
  const rows = await repo.listSites(ctx.db, ctx.orgId, { q: q.q, sensitive: q.sensitive, after: c ? { v: String(c.v), id: c.id } : undefined, limit: q.limit });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { items: page.map(repo.toSite), next: rows.length > q.limit ? encodeCursor({ s: 'name', v: last.name_key, id: last.id }) : null };
}

/** All sites, for pick lists on forms (an estate has hundreds of sites at most). */
export async function allSites(ctx: OrgContext): Promise<Site[]> {
  requirePermission(ctx, 'estate:read');
  const rows = await repo.listSites(ctx.db, ctx.orgId, { limit: 5000 });
  return rows.map(repo.toSite);
}

/** Names of the sites with these ids (ids of other organisations are left out), by name. */
export async function siteNamesOf(ctx: OrgContext, ids: string[]): Promise<{ id: string; name: string }[]> {
  requirePermission(ctx, 'estate:read');
  return repo.sitesWithIds(ctx.db, ctx.orgId, ids);
}

/** Ids among `ids` that are sites of this organisation; takes the caller's transaction so a check and a write agree. */
export async function siteIdsIn(tx: Tx, orgId: string, ids: string[]): Promise<Set<string>> {
  return repo.existingSiteIds(tx, orgId, ids);
}

export async function getSite(ctx: OrgContext, id: string): Promise<Site> {
  requirePermission(ctx, 'estate:read');
  const row = await repo.findSite(ctx.db, ctx.orgId, id);
  if (!row) throw notFound('Site');
  return repo.toSite(row);
}

export async function createSite(ctx: OrgContext, body: unknown): Promise<Site> {
  requirePermission(ctx, 'estate:write');
  const input = parseInput(siteInput, body);
  try {
    return await auditedChange(ctx, async (tx) => {
      if (await repo.findSiteByName(tx, ctx.orgId, input.name)) throw duplicateName();
      const now = nowIso();
      const row = { id: newId(), org_id: ctx.orgId, ...repo.siteColumns(input), created_at: now, updated_at: now };
      await tx.insertInto('sites').values(row).execute();
      const site = repo.toSite(row);
      return { result: site, action: 'create', objectType: 'site', objectId: site.id, summary: `Added site ${site.name}`, after: site };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicateName();
    throw e;
  }
}

export async function updateSite(ctx: OrgContext, id: string, body: unknown): Promise<Site> {
  requirePermission(ctx, 'estate:write');
  const patch = parsePatch(sitePatch, body);
  try {
    return await auditedChange(ctx, async (tx) => {
      const existing = await repo.findSite(tx, ctx.orgId, id);
      if (!existing) throw notFound('Site');
      const before = repo.toSite(existing);
      const { id: _i, createdAt: _c, updatedAt: _u, ...current } = before;
      const input = parseInput(siteInput, { ...current, ...patch });
      if (input.name.toLowerCase() !== existing.name_key) {
        const clash = await repo.findSiteByName(tx, ctx.orgId, input.name);
        if (clash && clash.id !== id) throw duplicateName();
      }
      const cols = { ...repo.siteColumns(input), updated_at: nowIso() };
      await tx.updateTable('sites').set(cols).where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
      // Whether a site is sensitive decides which rules apply to everything on it.
      if (!!existing.sensitive !== input.sensitive) await reevaluateWhere(tx, ctx, { siteId: id });
      const after = repo.toSite({ ...existing, ...cols });
      return { result: after, action: 'update', objectType: 'site', objectId: id, summary: `Changed site ${after.name}`, before, after };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicateName();
    throw e;
  }
}

export async function deleteSite(ctx: OrgContext, id: string): Promise<void> {
  requirePermission(ctx, 'estate:delete');
  await auditedChange(ctx, async (tx) => {
    const existing = await repo.findSite(tx, ctx.orgId, id);
    if (!existing) throw notFound('Site');
    const assets = await repo.countAssetsAtSite(tx, ctx.orgId, id);
    if (assets > 0) {
      throw new AppError(409, 'in_use', `${existing.name} still has ${assets} asset${assets === 1 ? '' : 's'}; move or remove them first`);
    }
    await tx.deleteFrom('sites').where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    const before = repo.toSite(existing);
    return { result: undefined, action: 'delete', objectType: 'site', objectId: id, summary: `Deleted site ${before.name}`, before };
  });
}

/** The id of the site with this name (any case, spaces collapsed), or null. */
export async function siteIdNamed(ctx: OrgContext, name: string): Promise<string | null> {
  requirePermission(ctx, 'estate:read');
  return (await repo.findSiteByName(ctx.db, ctx.orgId, name.trim().replace(/\s+/g, ' ')))?.id ?? null;
}
