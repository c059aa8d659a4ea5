import { requirePermission, type OrgContext } from '../../platform/context';
import { AppError, conflict, notFound, parseInput, parsePatch } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import { decodeCursor, encodeCursor } from '../../platform/paging';
import { isUniqueViolation } from '../../platform/sqlutil';
import { auditedChange } from '../audit/write';
import { replaceSiteLinks } from '../sites/repo';
import * as repo from './repo';
import { systemFields, systemPatch, type System } from './schemas';

const duplicateName = () => conflict('name', 'A system with this name already exists in this organisation');

export async function listSystems(ctx: OrgContext, q: { q?: string; siteId?: string; cursor?: string; limit: number }) {
  requirePermission(ctx, 'estate:read');
  const c = decodeCursor(q.cursor, 'name');
  const rows = await repo.listSystems(ctx.db, ctx.orgId, { q: q.q, siteId: q.siteId, after: c ? { v: String(c.v), id: c.id } : undefined, limit: q.limit });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { items: await repo.withSites(ctx.db, ctx.orgId, page), next: rows.length > q.limit ? encodeCursor({ s: 'name', v: last.name_key, id: last.id }) : null };
}

/** All systems, for pick lists on forms (an estate has tens of systems at most). */
export async function allSystems(ctx: OrgContext): Promise<System[]> {
  return (await listSystems(ctx, { limit: 5000 })).items;
}

export async function getSystem(ctx: OrgContext, id: string): Promise<System> {
  requirePermission(ctx, 'estate:read');
  const row = await repo.findSystem(ctx.db, ctx.orgId, id);
  if (!row) throw notFound('System');
  return (await repo.withSites(ctx.db, ctx.orgId, [row]))[0];
}

export async function createSystem(ctx: OrgContext, body: unknown): Promise<System> {
  requirePermission(ctx, 'estate:write');
  const input = parseInput(systemFields, body);
  try {
    return await auditedChange(ctx, async (tx) => {
      if (await repo.findSystemByName(tx, ctx.orgId, input.name)) throw duplicateName();
      const now = nowIso();
      const row = { id: newId(), org_id: ctx.orgId, ...repo.systemColumns(input), created_at: now, updated_at: now };
      await tx.insertInto('systems').values(row).execute();
      await replaceSiteLinks(tx, 'system_sites', ctx.orgId, row.id, input.siteIds); // refuses other orgs' sites, rolling back
      const system = repo.toSystem(row, input.siteIds);
      return { result: system, action: 'create', objectType: 'system', objectId: system.id, summary: `Added system ${system.name}`, after: system };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicateName();
    throw e;
  }
}

export async function updateSystem(ctx: OrgContext, id: string, body: unknown): Promise<System> {
  requirePermission(ctx, 'estate:write');
  const patch = parsePatch(systemPatch, body);
  try {
    return await auditedChange(ctx, async (tx) => {
      const existing = await repo.findSystem(tx, ctx.orgId, id);
      if (!existing) throw notFound('System');
      const before = (await repo.withSites(tx, ctx.orgId, [existing]))[0];
      const { id: _i, createdAt: _c, updatedAt: _u, ...current } = before;
      // The merged record is checked as a whole, as if it had been created that way.
      const input = parseInput(systemFields, { ...current, ...patch });
      if (input.name.toLowerCase() !== existing.name_key) {
        const clash = await repo.findSystemByName(tx, ctx.orgId, input.name);
        if (clash && clash.id !== id) throw duplicateName();
      }
      const cols = { ...repo.systemColumns(input), updated_at: nowIso() };
      await tx.updateTable('systems').set(cols).where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
      await replaceSiteLinks(tx, 'system_sites', ctx.orgId, id, input.siteIds);
      const after = repo.toSystem({ ...existing, ...cols }, input.siteIds);
      return { result: after, action: 'update', objectType: 'system', objectId: id, summary: `Changed system ${after.name}`, before, after };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicateName();
    throw e;
  }
}

export async function deleteSystem(ctx: OrgContext, id: string): Promise<void> {
  requirePermission(ctx, 'estate:delete');
  await auditedChange(ctx, async (tx) => {
    const existing = await repo.findSystem(tx, ctx.orgId, id);
    if (!existing) throw notFound('System');
    // Assets would silently lose their system (the foreign key sets it to null), so make people move them first.
    const assets = await repo.countAssetsInSystem(tx, ctx.orgId, id);
    if (assets > 0) {
      throw new AppError(409, 'in_use', `${existing.name} still has ${assets} asset${assets === 1 ? '' : 's'} in it; move or remove them first`);
    }
    const before = (await repo.withSites(tx, ctx.orgId, [existing]))[0];
    await tx.deleteFrom('systems').where('org_id', '=', ctx.orgId).where('id', '=', id).execute(); // links go by cascade
    return { result: undefined, action: 'delete', objectType: 'system', objectId: id, summary: `Deleted system ${before.name}`, before };
  });
}

/** The id of the system with this name (any case, spaces collapsed), or null. */
export async function systemIdNamed(ctx: OrgContext, name: string): Promise<string | null> {
  requirePermission(ctx, 'estate:read');
  return (await repo.findSystemByName(ctx.db, ctx.orgId, name.trim().replace(/\s+/g, ' ')))?.id ?? null;
}
