import type { Kysely } from 'kysely';
import type { Tx } from '../../platform/context';
import type { DB } from '../../platform/schema';
import type { DocumentVersionsTable } from '../../platform/tables/documents';
import type { DocumentAttachment, DocumentCategory, DocumentSummary, DocumentVersion, TargetType } from './schemas';

export function toVersion(r: DocumentVersionsTable): DocumentVersion {
  return {
    version: Number(r.version), filename: r.filename, contentType: r.content_type, size: Number(r.size), sha256: r.sha256,
    uploadedBy: r.uploaded_by, uploadedAt: r.uploaded_at,
  };
}

export async function findDocument(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('documents').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function versionsOf(tx: Tx, orgId: string, documentId: string) {
  return tx.selectFrom('document_versions').selectAll().where('org_id', '=', orgId).where('document_id', '=', documentId)
    .orderBy('version', 'desc').execute();
}

export async function findVersion(tx: Tx, orgId: string, documentId: string, version: number) {
  return tx.selectFrom('document_versions').selectAll().where('org_id', '=', orgId).where('document_id', '=', documentId)
    .where('version', '=', version).executeTakeFirst();
}

/** Whether a site, system or asset with this id belongs to the organisation. */
export async function targetExists(tx: Tx, orgId: string, type: Exclude<TargetType, 'organisation'>, id: string): Promise<boolean> {
  const table = type === 'site' ? 'sites' : type === 'system' ? 'systems' : 'assets';
  const row = await tx.selectFrom(table).select('id').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return !!row;
}

export async function insertLink(tx: Tx, orgId: string, documentId: string, type: TargetType, targetId: string, now: string, id: string) {
  await tx.insertInto('document_links').values({
    id, org_id: orgId, document_id: documentId, target_type: type, target_id: targetId,
    site_id: type === 'site' ? targetId : null, system_id: type === 'system' ? targetId : null, asset_id: type === 'asset' ? targetId : null,
    created_at: now,
  }).execute();
}

export async function replaceTags(tx: Tx, orgId: string, documentId: string, tags: string[]) {
  await tx.deleteFrom('document_tags').where('org_id', '=', orgId).where('document_id', '=', documentId).execute();
  if (tags.length) {
    await tx.insertInto('document_tags').values(tags.map((tag) => ({ org_id: orgId, document_id: documentId, tag, tag_key: tag.toLowerCase() }))).execute();
  }
}

const assetLabel = (r: { manufacturer: string | null; model: string | null; serial: string | null }) =>
  [r.manufacturer ?? 'Unlabelled', r.model, r.serial ? `(${r.serial})` : null].filter(Boolean).join(' ');

/** Each document's attachments, named for people: organisation first, then sites, systems and assets by name. */
export async function attachmentsOf(tx: Tx, orgId: string, documentIds: string[]): Promise<Map<string, DocumentAttachment[]>> {
  const out = new Map<string, DocumentAttachment[]>(documentIds.map((id) => [id, []]));
  if (!documentIds.length) return out;
  const rows = await tx.selectFrom('document_links as l')
    .leftJoin('sites', (j) => j.onRef('sites.id', '=', 'l.site_id').on('sites.org_id', '=', orgId))
    .leftJoin('systems', (j) => j.onRef('systems.id', '=', 'l.system_id').on('systems.org_id', '=', orgId))
    .leftJoin('assets', (j) => j.onRef('assets.id', '=', 'l.asset_id').on('assets.org_id', '=', orgId))
    .select(['l.document_id', 'l.target_type', 'l.target_id', 'sites.name as site_name', 'systems.name as system_name',
      'assets.manufacturer', 'assets.model', 'assets.serial'])
    .where('l.org_id', '=', orgId).where('l.document_id', 'in', documentIds).execute();
  const order: Record<string, number> = { organisation: 0, site: 1, system: 2, asset: 3 };
  for (const r of rows) {
    const label = r.target_type === 'organisation' ? 'Whole organisation'
      : r.target_type === 'site' ? r.site_name ?? 'Site' : r.target_type === 'system' ? r.system_name ?? 'System' : assetLabel(r);
    out.get(r.document_id)?.push({ type: r.target_type as TargetType, id: r.target_id, label });
  }
  for (const list of out.values()) list.sort((a, b) => order[a.type] - order[b.type] || a.label.localeCompare(b.label));
  return out;
}

export async function tagsOf(tx: Tx, orgId: string, documentIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(documentIds.map((id) => [id, []]));
  if (!documentIds.length) return out;
  const rows = await tx.selectFrom('document_tags').select(['document_id', 'tag']).where('org_id', '=', orgId)
    .where('document_id', 'in', documentIds).orderBy('tag_key').execute();
  for (const r of rows) out.get(r.document_id)?.push(r.tag);
  return out;
}

export interface DocumentFilters {
  category?: string; tagKey?: string; targetType?: TargetType; targetId?: string; reviewBefore?: string; before?: string; limit: number;
}

/** Newest first (ids are UUIDv7), each with its current version. */
export async function listDocuments(tx: Tx, orgId: string, f: DocumentFilters) {
  let q = tx.selectFrom('documents as d')
    .innerJoin('document_versions as v', (j) => j.onRef('v.document_id', '=', 'd.id').onRef('v.version', '=', 'd.current_version'))
    .selectAll('d')
    .select(['v.version', 'v.filename', 'v.content_type', 'v.size', 'v.sha256', 'v.uploaded_by', 'v.uploaded_at'])
    .where('d.org_id', '=', orgId);
  if (f.category) q = q.where('d.category', '=', f.category);
  if (f.reviewBefore) q = q.where('d.review_date', 'is not', null).where('d.review_date', '<=', f.reviewBefore);
  if (f.before) q = q.where('d.id', '<', f.before);
  if (f.tagKey) {
    const key = f.tagKey;
    q = q.where((eb) => eb.exists(eb.selectFrom('document_tags as t').select('t.document_id')
      .whereRef('t.document_id', '=', 'd.id').where('t.org_id', '=', orgId).where('t.tag_key', '=', key)));
  }
  if (f.targetType) {
    const { targetType, targetId } = f;
    q = q.where((eb) => {
      let sub = eb.selectFrom('document_links as l').select('l.document_id').whereRef('l.document_id', '=', 'd.id')
        .where('l.org_id', '=', orgId).where('l.target_type', '=', targetType);
      if (targetId) sub = sub.where('l.target_id', '=', targetId);
      return eb.exists(sub);
    });
  }
  return q.orderBy('d.id', 'desc').limit(f.limit + 1).execute();
}

export type DocumentListRow = Awaited<ReturnType<typeof listDocuments>>[number];

export function toSummary(r: DocumentListRow, tags: string[], attachments: DocumentAttachment[]): DocumentSummary {
  return {
    id: r.id, title: r.title, category: r.category as DocumentCategory, tags, reviewDate: r.review_date,
    currentVersion: toVersion({ ...r, id: '', document_id: r.id, version: r.version }),
    attachments, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** The tags used in an organisation, for the list page's filter. */
export async function tagsInUse(tx: Tx, orgId: string) {
  const rows = await tx.selectFrom('document_tags').select(['tag_key', (eb) => eb.fn.min('tag').as('tag')])
    .where('org_id', '=', orgId).groupBy('tag_key').orderBy('tag_key').limit(500).execute();
  return rows.map((r) => String(r.tag));
}

/** Documents whose review or expiry date is on or before a date, soonest first. */
export async function documentsDue(db: Kysely<DB> | Tx, orgId: string, from: string | null, to: string) {
  let q = db.selectFrom('documents').innerJoin('organisations', 'organisations.id', 'documents.org_id')
    .select(['documents.id', 'documents.title', 'documents.category', 'documents.review_date', 'organisations.slug'])
    .where('documents.org_id', '=', orgId).where('documents.review_date', 'is not', null).where('documents.review_date', '<=', to);
  if (from) q = q.where('documents.review_date', '>=', from);
  return q.orderBy('documents.review_date').orderBy('documents.id').execute();
}

/**
 * Whether any version, in any organisation, still stores its bytes under this hash. Blobs are shared across
 * organisations (the same bytes are kept once), so this one question is deliberately not tenant-scoped; it
 * answers only yes or no and never leaves the server.
 */
export async function blobInUse(tx: Tx, sha256: string): Promise<boolean> {
  const row = await tx.selectFrom('document_versions').select('id').where('sha256', '=', sha256).limit(1).executeTakeFirst();
  return !!row;
}

/** A short pick-list of assets for attach forms (large estates attach assets from the asset's own link instead). */
export async function assetChoices(tx: Tx, orgId: string, max: number) {
  const rows = await tx.selectFrom('assets').select(['id', 'manufacturer', 'model', 'serial']).where('org_id', '=', orgId)
    .orderBy('manufacturer_key').orderBy('id').limit(max + 1).execute();
  return { items: rows.slice(0, max).map((r) => ({ id: r.id, label: assetLabel(r) })), more: rows.length > max };
}

export async function assetLabelOf(tx: Tx, orgId: string, id: string) {
  const r = await tx.selectFrom('assets').select(['id', 'manufacturer', 'model', 'serial']).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return r ? assetLabel(r) : null;
}
