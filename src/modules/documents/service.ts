import type { Kysely } from 'kysely';
import type { Readable } from 'node:stream';
import { requirePermission, type OrgContext, type Tx } from '../../platform/context';
import { AppError, conflict, notFound, parseInput, parsePatch, ValidationError } from '../../platform/errors';
import { safeFilename, sniffFileType, type FileType } from '../../platform/filetype';
import { newId, nowIso } from '../../platform/ids';
import type { DB } from '../../platform/schema';
import { isUniqueViolation } from '../../platform/sqlutil';
import { BlobNotFoundError, type BlobStorage } from '../../platform/storage';
import { auditedChange } from '../audit/write';
import { recordAudit } from '../audit/repo';
import type { DueItem } from '../reminders/service';
import * as repo from './repo';
import {
  attachInput, documentFields, documentListQuery, documentPatch, versionParam,
  type DocumentCategory, type DocumentDetail, type DocumentSummary, type DocumentTarget, type TargetType,
} from './schemas';

// The documents area's use cases. Other areas link to documents by id and may call getDocument,
// documentExists, listDocuments and uploadDocument (e.g. a maintenance visit storing a photo);
// reminders read listDocumentsDue / documentReviewsDue.

export interface UploadInput {
  /** The name the uploader gave; only a sanitised form of it is kept. */
  filename: string;
  data: Buffer;
  category: DocumentCategory;
  tags?: string[];
  /** Organisation-wide when left out. */
  target?: DocumentTarget;
  /** YYYY-MM-DD: when the document must be reviewed again or expires (feeds reminders). */
  reviewDate?: string | null;
  /** Defaults to the file name without its extension. */
  title?: string | null;
}

const fileField = (message: string, status = 422) => new AppError(status, status === 415 ? 'unsupported_file_type' : 'validation_failed', message, { file: message });

/** The 413 a too-large upload gets, wherever it is detected. */
export function fileTooLarge(maxBytes: number) {
  const limit = maxBytes >= 1024 * 1024 ? `${Math.floor(maxBytes / (1024 * 1024))} MB` : `${Math.ceil(maxBytes / 1024)} KB`;
  const message = `The selected file must be smaller than ${limit}`;
  return new AppError(413, 'file_too_large', message, { file: message });
}

/** Decides what the bytes are (never from the name) and the name they will be offered under. */
async function checkFile(filename: unknown, data: unknown): Promise<{ type: FileType; filename: string }> {
  if (!Buffer.isBuffer(data)) throw fileField('Select a file to upload');
  const sniffed = await sniffFileType(data);
  if (!sniffed.ok) throw fileField(sniffed.reason, data.length === 0 ? 422 : 415);
  return { type: sniffed.type, filename: safeFilename(typeof filename === 'string' ? filename : '', sniffed.type) };
}

async function assertTarget(tx: Tx, ctx: OrgContext, type: TargetType, id: string | null | undefined, field: string): Promise<string> {
  if (type === 'organisation') return ctx.orgId;
  // Another organisation's id gets the same answer as a made-up one.
  if (!id || !(await repo.targetExists(tx, ctx.orgId, type, id))) throw new ValidationError({ [field]: `Choose ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} of this organisation` });
  return id;
}

async function loadDetail(tx: Tx, ctx: OrgContext, id: string): Promise<DocumentDetail> {
  const row = await repo.findDocument(tx, ctx.orgId, id);
  if (!row) throw notFound('Document');
  const [versions, tags, attachments] = await Promise.all([
    repo.versionsOf(tx, ctx.orgId, id), repo.tagsOf(tx, ctx.orgId, [id]), repo.attachmentsOf(tx, ctx.orgId, [id]),
  ]);
  const all = versions.map(repo.toVersion);
  const current = all.find((v) => v.version === Number(row.current_version)) ?? all[0];
  return {
    id: row.id, title: row.title, category: row.category as DocumentCategory, tags: tags.get(id) ?? [], reviewDate: row.review_date,
    currentVersion: current, attachments: attachments.get(id) ?? [], createdBy: row.created_by, createdAt: row.created_at,
    updatedAt: row.updated_at, versions: all,
  };
}

/** The fields of a document that its audit entries record. */
const auditView = (d: DocumentDetail) => ({
  title: d.title, category: d.category, tags: d.tags, reviewDate: d.reviewDate,
  attachedTo: d.attachments.map((a) => `${a.type}: ${a.label}`), version: d.currentVersion.version, filename: d.currentVersion.filename,
});

export async function getDocument(ctx: OrgContext, id: string): Promise<DocumentDetail> {
  requirePermission(ctx, 'estate:read');
  return loadDetail(ctx.db, ctx, id);
}

export async function documentExists(ctx: OrgContext, id: string): Promise<boolean> {
  requirePermission(ctx, 'estate:read');
  return !!(await repo.findDocument(ctx.db, ctx.orgId, id));
}

export async function listDocuments(ctx: OrgContext, query: unknown): Promise<{ items: DocumentSummary[]; next: string | null }> {
  requirePermission(ctx, 'estate:read');
  const q = parseInput(documentListQuery, query);
  if (q.targetId && !q.targetType) throw new ValidationError({ targetType: 'Say what kind of thing targetId is: site, system or asset' });
  const rows = await repo.listDocuments(ctx.db, ctx.orgId, {
    category: q.category, tagKey: q.tag?.toLowerCase(), targetType: q.targetType,
    targetId: q.targetType === 'organisation' ? ctx.orgId : q.targetId, reviewBefore: q.reviewBefore, before: q.cursor, limit: q.limit,
  });
  const page = rows.slice(0, q.limit);
  const ids = page.map((r) => r.id);
  const [tags, attachments] = await Promise.all([repo.tagsOf(ctx.db, ctx.orgId, ids), repo.attachmentsOf(ctx.db, ctx.orgId, ids)]);
  return {
    items: page.map((r) => repo.toSummary(r, tags.get(r.id) ?? [], attachments.get(r.id) ?? [])),
    next: rows.length > q.limit ? page[page.length - 1].id : null,
  };
}

/**
 * Stores a new document (version 1). The bytes are checked for what they really are before anything is kept,
 * and stored under their SHA-256 before the database rows are written, so a saved version always has its file.
 */
export async function uploadDocument(ctx: OrgContext, storage: BlobStorage, input: UploadInput): Promise<DocumentDetail> {
  requirePermission(ctx, 'assets:write');
  const fields = parseInput(documentFields, {
    title: input.title ?? undefined, category: input.category, tags: input.tags ?? [], target: input.target ?? { type: 'organisation' },
    reviewDate: input.reviewDate ?? undefined,
  });
  const file = await checkFile(input.filename, input.data);
  // Checked before the bytes are stored too, so a bad target stores nothing.
  await assertTarget(ctx.db, ctx, fields.target.type, fields.target.id, 'target.id');
  const blob = await storage.put(input.data);
  return auditedChange(ctx, async (tx) => {
    const targetId = await assertTarget(tx, ctx, fields.target.type, fields.target.id, 'target.id');
    const now = nowIso();
    const id = newId();
    const title = fields.title ?? file.filename.replace(/\.[^.]+$/, '');
    await tx.insertInto('documents').values({
      id, org_id: ctx.orgId, title, category: fields.category, review_date: fields.reviewDate, current_version: 1,
      created_by: ctx.actor.label, created_at: now, updated_at: now,
    }).execute();
    await tx.insertInto('document_versions').values({
      id: newId(), org_id: ctx.orgId, document_id: id, version: 1, sha256: blob.sha256, size: blob.size, content_type: file.type.mime,
      filename: file.filename, uploaded_by: ctx.actor.label, uploaded_at: now,
    }).execute();
    await repo.insertLink(tx, ctx.orgId, id, fields.target.type, targetId, now, newId());
    await repo.replaceTags(tx, ctx.orgId, id, fields.tags);
    const doc = await loadDetail(tx, ctx, id);
    return { result: doc, action: 'create', objectType: 'document', objectId: id, summary: `Uploaded document ${title} (${file.type.label})`, after: auditView(doc) };
  });
}

/** Uploads a new version; earlier versions stay downloadable. */
export async function addVersion(ctx: OrgContext, storage: BlobStorage, id: string, input: { filename: string; data: Buffer }): Promise<DocumentDetail> {
  requirePermission(ctx, 'assets:write');
  if (!(await repo.findDocument(ctx.db, ctx.orgId, id))) throw notFound('Document');
  const file = await checkFile(input.filename, input.data);
  const blob = await storage.put(input.data);
  try {
    return await auditedChange(ctx, async (tx) => {
      const before = await loadDetail(tx, ctx, id);
      const version = before.currentVersion.version + 1;
      const now = nowIso();
      await tx.insertInto('document_versions').values({
        id: newId(), org_id: ctx.orgId, document_id: id, version, sha256: blob.sha256, size: blob.size, content_type: file.type.mime,
        filename: file.filename, uploaded_by: ctx.actor.label, uploaded_at: now,
      }).execute();
      await tx.updateTable('documents').set({ current_version: version, updated_at: now }).where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
      const after = await loadDetail(tx, ctx, id);
      return { result: after, action: 'version', objectType: 'document', objectId: id, summary: `Uploaded version ${version} of ${before.title} (${file.filename})`,
        before: auditView(before), after: auditView(after) };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError(409, 'conflict', 'Someone else uploaded a version of this document at the same moment. Reload the page and try again.');
    throw e;
  }
}

export async function updateDocument(ctx: OrgContext, id: string, body: unknown): Promise<DocumentDetail> {
  requirePermission(ctx, 'assets:write');
  const patch = parsePatch(documentPatch, body);
  return auditedChange(ctx, async (tx) => {
    const before = await loadDetail(tx, ctx, id);
    const set: Record<string, unknown> = { updated_at: nowIso() };
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.category !== undefined) set.category = patch.category;
    if (patch.reviewDate !== undefined) set.review_date = patch.reviewDate;
    await tx.updateTable('documents').set(set).where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    if (patch.tags !== undefined) await repo.replaceTags(tx, ctx.orgId, id, patch.tags);
    const after = await loadDetail(tx, ctx, id);
    return { result: after, action: 'update', objectType: 'document', objectId: id, summary: `Changed document ${after.title}`, before: auditView(before), after: auditView(after) };
  });
}

export async function attachDocument(ctx: OrgContext, id: string, body: unknown): Promise<DocumentDetail> {
  requirePermission(ctx, 'assets:write');
  return auditedChange(ctx, async (tx) => {
    const before = await loadDetail(tx, ctx, id);
    const input = parseInput(attachInput, body);
    const targetId = await assertTarget(tx, ctx, input.targetType, input.targetId, 'targetId');
    if (before.attachments.some((a) => a.type === input.targetType && a.id === targetId)) throw conflict('targetId', 'The document is already attached to that');
    await repo.insertLink(tx, ctx.orgId, id, input.targetType, targetId, nowIso(), newId());
    const after = await loadDetail(tx, ctx, id);
    const label = after.attachments.find((a) => a.type === input.targetType && a.id === targetId)?.label;
    return { result: after, action: 'attach', objectType: 'document', objectId: id, summary: `Attached ${after.title} to ${input.targetType} ${label}`, before: auditView(before), after: auditView(after) };
  });
}

export async function detachDocument(ctx: OrgContext, id: string, body: unknown): Promise<DocumentDetail> {
  requirePermission(ctx, 'assets:write');
  return auditedChange(ctx, async (tx) => {
    const before = await loadDetail(tx, ctx, id);
    const input = parseInput(attachInput, body);
    const targetId = input.targetType === 'organisation' ? ctx.orgId : input.targetId;
    const link = before.attachments.find((a) => a.type === input.targetType && a.id === targetId);
    if (!link) throw notFound('Attachment');
    await tx.deleteFrom('document_links').where('org_id', '=', ctx.orgId).where('document_id', '=', id)
      .where('target_type', '=', input.targetType).where('target_id', '=', link.id).execute();
    const after = await loadDetail(tx, ctx, id);
    return { result: after, action: 'detach', objectType: 'document', objectId: id, summary: `Detached ${after.title} from ${link.type} ${link.label}`, before: auditView(before), after: auditView(after) };
  });
}

/** Deletes a document and its versions; a stored file goes too once no version anywhere uses it. */
export async function deleteDocument(ctx: OrgContext, storage: BlobStorage, id: string): Promise<void> {
  requirePermission(ctx, 'estate:delete');
  const hashes = await auditedChange(ctx, async (tx) => {
    const before = await loadDetail(tx, ctx, id);
    await tx.deleteFrom('documents').where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    return { result: [...new Set(before.versions.map((v) => v.sha256))], action: 'delete', objectType: 'document', objectId: id,
      summary: `Deleted document ${before.title} and its ${before.versions.length} version${before.versions.length === 1 ? '' : 's'}`, before: auditView(before) };
  });
  for (const sha of hashes) {
    // Best effort: a blob left behind costs disk space, not correctness.
    if (!(await repo.blobInUse(ctx.db, sha))) await storage.remove(sha).catch(() => undefined);
  }
}

export interface OpenedVersion { stream: Readable; filename: string; contentType: string; size: number; sha256: string; version: number }

/** A version's bytes for download, to members of the organisation only. */
export async function openVersion(ctx: OrgContext, storage: BlobStorage, id: string, version: unknown): Promise<OpenedVersion> {
  requirePermission(ctx, 'estate:read');
  const doc = await repo.findDocument(ctx.db, ctx.orgId, id);
  if (!doc) throw notFound('Document');
  const v = versionParam.safeParse(version);
  if (!v.success) throw notFound('Version');
  const n = v.data === 'latest' ? Number(doc.current_version) : v.data;
  const row = await repo.findVersion(ctx.db, ctx.orgId, id, n);
  if (!row) throw notFound(`Version ${n} of this document`);
  try {
    const stream = await storage.getStream(row.sha256);
    // Who fetched a DPIA or a contract, and when, is part of the record (downloads are rare next to page views).
    try {
      await recordAudit(ctx.db, { orgId: ctx.orgId, actor: ctx.actor, action: 'download', objectType: 'document', objectId: id,
        summary: `Downloaded version ${n} of ${doc.title} (${row.filename})` });
    } catch (e) {
      stream.destroy(); // not sent, so not left open
      throw e;
    }
    return { stream, filename: row.filename, contentType: row.content_type, size: Number(row.size), sha256: row.sha256, version: n };
  } catch (e) {
    if (e instanceof BlobNotFoundError) throw new AppError(410, 'file_missing', 'The stored file for this version is missing. Upload it again as a new version.');
    throw e;
  }
}

// ---- for reminders and other areas -------------------------------------------------------------------------

export interface DueDocument { id: string; title: string; category: DocumentCategory; reviewDate: string; path: string }

/** Documents of an organisation whose review or expiry date is on or before `beforeDate` (YYYY-MM-DD), soonest first. */
export async function listDocumentsDue(db: Kysely<DB>, orgId: string, beforeDate: string): Promise<DueDocument[]> {
  const rows = await repo.documentsDue(db, orgId, null, beforeDate);
  return rows.map((r) => ({ id: r.id, title: r.title, category: r.category as DocumentCategory, reviewDate: r.review_date!, path: `/o/${r.slug}/documents/${r.id}` }));
}

/** Document reviews as reminder items (the shape of reminders' DueSource). */
export async function documentReviewsDue(db: Kysely<DB>, q: { orgId: string; from: string; to: string }): Promise<DueItem[]> {
  const rows = await repo.documentsDue(db, q.orgId, q.from, q.to);
  return rows.map((r) => ({
    key: `document:${r.id}:${r.review_date}`, orgId: q.orgId, title: `Review of document “${r.title}”`, dueDate: r.review_date!,
    leadDays: 30, assigneeUserId: null, where: null, path: `/o/${r.slug}/documents/${r.id}`,
  }));
}
