import { requirePermission, type OrgContext, type Tx } from '../../platform/context';
import type { AssetsTable } from '../../platform/schema';
import { conflict, notFound, parseInput, parsePatch, ValidationError } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import { decodeCursor, encodeCursor } from '../../platform/paging';
import { isUniqueViolation } from '../../platform/sqlutil';
import { auditedChange } from '../audit/write';
import * as repo from './repo';
import { evaluateAsset } from '../provenance/service';
import { recordObservations, type Observation } from '../provenance/observations';
import { assetInput, assetListQuery, assetPatch, type Asset, type AssetListItem, type AssetListQuery } from './schemas';

const duplicateSerial = () => conflict('serial', 'Another asset in this organisation already has this serial number');
export const COUNT_CAP = 10_000;

export interface AssetPage { items: AssetListItem[]; next: string | null; prev: string | null }

export function parseListQuery(query: unknown): AssetListQuery {
  return parseInput(assetListQuery, query);
}

export async function listAssets(ctx: OrgContext, f: AssetListQuery): Promise<AssetPage> {
  requirePermission(ctx, 'estate:read');
  const sortKey = `${f.sort}:${f.order}`;
  const cursor = decodeCursor(f.cursor, sortKey);
  const rows = await repo.listAssetPage(ctx.db, ctx.orgId, f, cursor);
  const more = rows.length > f.limit;
  let page = rows.slice(0, f.limit);
  if (cursor?.back) page = page.reverse();
  const at = (r: (typeof page)[number], back: boolean) => encodeCursor({ s: sortKey, v: repo.sortValues(r, f.sort), id: r.id, ...(back ? { back } : {}) });
  const first = page[0];
  const last = page[page.length - 1];
  // Going forwards, a next page exists if we over-fetched; going backwards, we came from one.
  const hasNext = cursor?.back ? true : more;
  const hasPrev = cursor ? (cursor.back ? more : true) : false;
  return {
    items: page.map(repo.toListItem),
    next: hasNext && last ? at(last, false) : null,
    prev: hasPrev && first ? at(first, true) : null,
  };
}

export async function countAssets(ctx: OrgContext, f: AssetListQuery): Promise<{ n: number; capped: boolean }> {
  requirePermission(ctx, 'estate:read');
  const n = await repo.countAssets(ctx.db, ctx.orgId, f, COUNT_CAP);
  return { n: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
}

export async function getAsset(ctx: OrgContext, id: string): Promise<Asset> {
  requirePermission(ctx, 'estate:read');
  const row = await repo.findAsset(ctx.db, ctx.orgId, id);
  if (!row) throw notFound('Asset');
  return repo.toAsset(row);
}

async function checkRefs(tx: OrgContext['db'], ctx: OrgContext, a: { siteId: string | null; networkId: string | null; systemId: string | null; serial: string | null }, selfId?: string) {
  const bad = await repo.foreignRefs(tx, ctx.orgId, a);
  if (Object.keys(bad).length) throw new ValidationError(bad);
  if (a.serial) {
    const clash = await repo.findAssetBySerial(tx, ctx.orgId, a.serial);
    if (clash && clash.id !== selfId) throw duplicateSerial();
  }
}

/** Adds an asset; `observed` is what a discovery scan saw of it (kept with it and read by its verdict). */
export async function createAsset(ctx: OrgContext, body: unknown, opts: { observed?: Observation } = {}): Promise<Asset> {
  requirePermission(ctx, 'assets:write');
  const input = parseInput(assetInput, body);
  try {
    return await auditedChange(ctx, async (tx) => {
      await checkRefs(tx, ctx, input);
      const now = nowIso();
      const row = { id: newId(), org_id: ctx.orgId, ...repo.assetColumns(input), created_at: now, updated_at: now };
      await tx.insertInto('assets').values(row).execute();
      if (opts.observed) await recordObservations(tx, ctx.orgId, [{ assetId: row.id, observation: opts.observed }]);
      await evaluateAsset(tx, ctx, row, opts.observed ?? null);
      const asset = repo.toAsset(row);
      return { result: asset, action: 'create', objectType: 'asset', objectId: asset.id, summary: `Added ${describe(asset)}`, after: asset };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicateSerial();
    throw e;
  }
}

export async function updateAsset(ctx: OrgContext, id: string, body: unknown): Promise<Asset> {
  requirePermission(ctx, 'assets:write');
  const patch = parsePatch(assetPatch, body);
  try {
    return await auditedChange(ctx, async (tx) => {
      const existing = await repo.findAsset(tx, ctx.orgId, id);
      if (!existing) throw notFound('Asset');
      const before = repo.toAsset(existing);
      const { id: _i, createdAt: _c, updatedAt: _u, missingSince: _m, ...current } = before;
      const input = parseInput(assetInput, { ...current, ...patch });
      await checkRefs(tx, ctx, input, id);
      const cols = { ...repo.assetColumns(input), updated_at: nowIso() };
      await tx.updateTable('assets').set(cols).where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
      await evaluateAsset(tx, ctx, { ...existing, ...cols });
      const after = repo.toAsset({ ...existing, ...cols });
      return { result: after, action: 'update', objectType: 'asset', objectId: id, summary: `Changed ${describe(after)}`, before, after };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicateSerial();
    throw e;
  }
}

export async function deleteAsset(ctx: OrgContext, id: string): Promise<void> {
  requirePermission(ctx, 'estate:delete');
  await auditedChange(ctx, async (tx) => {
    const existing = await repo.findAsset(tx, ctx.orgId, id);
    if (!existing) throw notFound('Asset');
    await tx.deleteFrom('assets').where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    const before = repo.toAsset(existing);
    return { result: undefined, action: 'delete', objectType: 'asset', objectId: id, summary: `Deleted ${describe(before)}`, before };
  });
}

/** "camera Hikvision DS-2CD2143G2-I (serial X)" – how an asset is named in messages and the audit trail. */
export function describe(a: Pick<Asset, 'kind' | 'manufacturer' | 'model' | 'serial'>): string {
  return [a.kind, a.manufacturer, a.model, a.serial ? `(serial ${a.serial})` : null].filter(Boolean).join(' ');
}

// Assets are written only by this module: discovery and imports record what they saw through these.

/** Pure helpers other modules build asset rows with (the import writes rows in bulk). */
export { searchText, toAsset } from './repo';

/** A scan that finished at `finishedAt` saw these assets: last seen then, no longer missing. In the caller's transaction. */
export async function markAssetsSeen(tx: Tx, orgId: string, assetIds: string[], finishedAt: string) {
  await repo.markSeen(tx, orgId, assetIds, finishedAt);
}

/** A scan that finished at `scanFinishedAt` did not see this asset where it should have been. */
export async function markAssetMissing(tx: Tx, orgId: string, assetId: string, scanFinishedAt: string) {
  await repo.markMissing(tx, orgId, assetId, scanFinishedAt);
}

/** Writes a whole asset row changed elsewhere (an import's merged row); the caller re-evaluates and audits it. */
export async function replaceAssetRow(tx: Tx, row: AssetsTable) {
  await repo.replaceAssetRow(tx, row);
}

/** The stored row of an asset (with when scans last saw it), or undefined when it is not in this organisation. */
export async function findAssetRow(ctx: OrgContext, id: string): Promise<AssetsTable | undefined> {
  requirePermission(ctx, 'estate:read');
  return repo.findAsset(ctx.db, ctx.orgId, id);
}
