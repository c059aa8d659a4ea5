import { requirePermission, type OrgContext } from '../../platform/context';
import { AppError, conflict, notFound, parseInput, parsePatch } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import { decodeCursor, encodeCursor } from '../../platform/paging';
import { isUniqueViolation } from '../../platform/sqlutil';
import { auditedChange } from '../audit/write';
import { replaceSiteLinks } from '../sites/repo';
import * as repo from './repo';
import { reevaluateWhere } from '../provenance/service';
import { networkFields, networkPatch, type Network } from './schemas';

const duplicateName = () => conflict('name', 'A network with this name already exists in this organisation');

export async function listNetworks(ctx: OrgContext, q: { q?: string; kind?: string; siteId?: string; cursor?: string; limit: number }) {
  requirePermission(ctx, 'estate:read');
  const c = decodeCursor(q.cursor, 'name');
  const rows = await repo.listNetworks(ctx.db, ctx.orgId, { q: q.q, kind: q.kind, siteId: q.siteId, after: c ? { v: String(c.v), id: c.id } : undefined, limit: q.limit });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { items: await repo.withSites(ctx.db, ctx.orgId, page), next: rows.length > q.limit ? encodeCursor({ s: 'name', v: last.name_key, id: last.id }) : null };
}

/** All networks, for pick lists on forms (an estate has tens of networks at most). */
export async function allNetworks(ctx: OrgContext): Promise<Network[]> {
  return (await listNetworks(ctx, { limit: 5000 })).items;
}

export async function getNetwork(ctx: OrgContext, id: string): Promise<Network> {
  requirePermission(ctx, 'estate:read');
  const row = await repo.findNetwork(ctx.db, ctx.orgId, id);
  if (!row) throw notFound('Network');
  return (await repo.withSites(ctx.db, ctx.orgId, [row]))[0];
}

export async function createNetwork(ctx: OrgContext, body: unknown): Promise<Network> {
  requirePermission(ctx, 'estate:write');
  const input = parseInput(networkFields, body);
  try {
    return await auditedChange(ctx, async (tx) => {
      if (await repo.findNetworkByName(tx, ctx.orgId, input.name)) throw duplicateName();
      const now = nowIso();
      const row = { id: newId(), org_id: ctx.orgId, ...repo.networkColumns(input), created_at: now, updated_at: now };
      await tx.insertInto('networks').values(row).execute();
      await replaceSiteLinks(tx, 'network_sites', ctx.orgId, row.id, input.siteIds); // refuses other orgs' sites, rolling back
      const network = repo.toNetwork(row, input.siteIds);
      return { result: network, action: 'create', objectType: 'network', objectId: network.id, summary: `Added network ${network.name}`, after: network };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicateName();
    throw e;
  }
}

export async function updateNetwork(ctx: OrgContext, id: string, body: unknown): Promise<Network> {
  requirePermission(ctx, 'estate:write');
  const patch = parsePatch(networkPatch, body);
  try {
    return await auditedChange(ctx, async (tx) => {
      const existing = await repo.findNetwork(tx, ctx.orgId, id);
      if (!existing) throw notFound('Network');
      const before = (await repo.withSites(tx, ctx.orgId, [existing]))[0];
      const { id: _i, createdAt: _c, updatedAt: _u, ...current } = before;
      // The merged record is checked as a whole, as if it had been created that way.
      const input = parseInput(networkFields, { ...current, ...patch });
      if (input.name.toLowerCase() !== existing.name_key) {
        const clash = await repo.findNetworkByName(tx, ctx.orgId, input.name);
        if (clash && clash.id !== id) throw duplicateName();
      }
      const cols = { ...repo.networkColumns(input), updated_at: nowIso() };
      await tx.updateTable('networks').set(cols).where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
      // A network becoming (or ceasing to be) a core network changes which rules apply to its devices.
      if (existing.kind !== input.kind) await reevaluateWhere(tx, ctx, { networkId: id });
      await replaceSiteLinks(tx, 'network_sites', ctx.orgId, id, input.siteIds);
      const after = repo.toNetwork({ ...existing, ...cols }, input.siteIds);
      return { result: after, action: 'update', objectType: 'network', objectId: id, summary: `Changed network ${after.name}`, before, after };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicateName();
    throw e;
  }
}

export async function deleteNetwork(ctx: OrgContext, id: string): Promise<void> {
  requirePermission(ctx, 'estate:delete');
  await auditedChange(ctx, async (tx) => {
    const existing = await repo.findNetwork(tx, ctx.orgId, id);
    if (!existing) throw notFound('Network');
    // Assets would silently lose their network (the foreign key sets it to null), so make people move them first.
    const assets = await repo.countAssetsOnNetwork(tx, ctx.orgId, id);
    if (assets > 0) {
      throw new AppError(409, 'in_use', `${existing.name} still has ${assets} asset${assets === 1 ? '' : 's'} on it; move or remove them first`);
    }
    const before = (await repo.withSites(tx, ctx.orgId, [existing]))[0];
    await tx.deleteFrom('networks').where('org_id', '=', ctx.orgId).where('id', '=', id).execute(); // links go by cascade
    return { result: undefined, action: 'delete', objectType: 'network', objectId: id, summary: `Deleted network ${before.name}`, before };
  });
}

/** The id of the network with this name (any case, spaces collapsed), or null. */
export async function networkIdNamed(ctx: OrgContext, name: string): Promise<string | null> {
  requirePermission(ctx, 'estate:read');
  return (await repo.findNetworkByName(ctx.db, ctx.orgId, name.trim().replace(/\s+/g, ' ')))?.id ?? null;
}
