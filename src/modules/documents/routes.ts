import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { can, type OrgContext } from '../../platform/context';
import { AppError, ValidationError, zodFields } from '../../platform/errors';
import { attachmentDisposition } from '../../platform/filetype';
import { apiRoute, jsonBody, orgPage, type AppDeps, type RouteRequest, type PageCtx } from '../../web/http';
import { dateFields, dateParts, text, type FormBody } from '../../web/forms';
import { objectHistory } from '../audit/service';
import { allSites } from '../sites/service';
import { allSystems } from '../systems/service';
import * as repo from './repo';
import {
  CATEGORY_LABELS, DOCUMENT_CATEGORIES, documentFields, documentListQuery, documentOut, documentPatch, documentSummaryOut, TARGET_TYPES,
  type DocumentDetail, type DocumentSummary, type DocumentTarget,
} from './schemas';
import * as docs from './service';
import { registerUploads, requireUpload } from './upload';

const TAG = 'Documents';
const idOf = (req: RouteRequest<'/:id'>) => req.params.id;
/** Up to this many assets are offered in the attach pick-lists; bigger estates attach from a link carrying the asset. */
const ASSET_CHOICES = 300;

// ---- downloads --------------------------------------------------------------------------------------------

/**
 * Sends a stored version so that a browser can only save it: attachment with the sanitised name, the type
 * decided from the content, no sniffing, and a sandbox policy in case it is ever rendered anyway.
 */
async function sendDownload(req: FastifyRequest, reply: FastifyReply, opened: docs.OpenedVersion) {
  const etag = `"${opened.sha256}"`;
  reply.header('content-security-policy', 'sandbox')
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-cache')
    .header('etag', etag);
  if (req.headers['if-none-match'] === etag) {
    opened.stream.destroy();
    return reply.code(304).send();
  }
  const type = opened.contentType.startsWith('text/') ? `${opened.contentType}; charset=utf-8` : opened.contentType;
  return reply.header('content-type', type)
    .header('content-disposition', attachmentDisposition(opened.filename))
    .header('content-length', opened.size)
    .send(opened.stream);
}

// ---- API --------------------------------------------------------------------------------------------------

/** Multipart fields of an API upload, in the shape the service takes. */
function metaFromFields(body: FormBody) {
  const targetType = text(body.targetType);
  return {
    title: text(body.title), category: text(body.category) ?? undefined, tags: ([] as unknown[]).concat(body.tags ?? []).map(String).join(','),
    target: targetType ? { type: targetType, id: text(body.targetId) } : undefined, reviewDate: text(body.reviewDate),
  };
}

/** The API names fields as they were sent (targetType, targetId), not as the service nests them. */
function apiFieldNames(e: unknown): never {
  if (e instanceof AppError && e.fields) {
    e.fields = Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k === 'target.id' ? 'targetId' : k.startsWith('target') ? 'targetType' : k, v]));
  }
  throw e;
}

const uploadDescription = 'Send multipart/form-data: `file` (the file; its type is decided from its content: PDF, PNG, JPEG, GIF, WebP, '
  + 'DOCX, XLSX, ODT, plain text or CSV), `category` (' + DOCUMENT_CATEGORIES.join(', ') + '), and optionally `title`, `tags` '
  + '(comma-separated or repeated), `targetType` (organisation, site, system, asset) with `targetId`, `reviewDate` (YYYY-MM-DD). '
  + 'Too large: 413; refused type: 415.';

function registerApi(scope: FastifyInstance, deps: AppDeps) {
  const max = deps.config.storage.maxUploadBytes;
  const write = 'assets:write' as const;
  apiRoute(scope, deps, 'GET', '/documents', { summary: 'List documents, newest first', tag: TAG, query: documentListQuery, response: z.object({ items: z.array(documentSummaryOut), next: z.string().nullable() }) },
    async (req, ctx) => docs.listDocuments(ctx, req.query));
  apiRoute(scope, deps, 'POST', '/documents', { summary: 'Upload a document (multipart/form-data)', description: uploadDescription, tag: TAG, status: 201, response: documentOut, permission: write },
    async (req, ctx) => {
      const meta = metaFromFields((req.body ?? {}) as FormBody);
      const file = requireUpload(req, max);
      // Untyped form values: the service validates every field and names the ones at fault.
      return docs.uploadDocument(ctx, deps.storage, { ...meta, ...file } as unknown as docs.UploadInput).catch(apiFieldNames);
    });
  apiRoute(scope, deps, 'GET', '/documents/:id', { summary: 'Get a document with its versions and attachments', tag: TAG, response: documentOut },
    async (req, ctx) => docs.getDocument(ctx, idOf(req)));
  apiRoute(scope, deps, 'PATCH', '/documents/:id', { summary: 'Change a document’s title, category, tags or review date (only the fields sent)', tag: TAG, body: documentPatch, response: documentOut, permission: write },
    async (req, ctx) => docs.updateDocument(ctx, idOf(req), jsonBody(req)));
  apiRoute(scope, deps, 'DELETE', '/documents/:id', { summary: 'Delete a document and all its versions', tag: TAG, permission: 'estate:delete' },
    async (req, ctx) => { await docs.deleteDocument(ctx, deps.storage, idOf(req)); });
  apiRoute(scope, deps, 'POST', '/documents/:id/versions', { summary: 'Upload a new version (multipart/form-data, field `file`); earlier versions stay downloadable', tag: TAG, status: 201, response: documentOut, permission: write },
    async (req, ctx) => {
      await docs.getDocument(ctx, idOf(req)); // 404 before anything about the body
      return docs.addVersion(ctx, deps.storage, idOf(req), requireUpload(req, max));
    });
  const attachBody = z.object({ targetType: z.enum(TARGET_TYPES), targetId: z.string().nullish().describe('The site, system or asset id (not for organisation)') });
  apiRoute(scope, deps, 'POST', '/documents/:id/attach', { summary: 'Attach the document to the organisation, a site, a system or an asset', tag: TAG, body: attachBody, response: documentOut, permission: write },
    async (req, ctx) => docs.attachDocument(ctx, idOf(req), jsonBody(req)));
  apiRoute(scope, deps, 'POST', '/documents/:id/detach', { summary: 'Detach the document from something it is attached to', tag: TAG, body: attachBody, response: documentOut, permission: write },
    async (req, ctx) => docs.detachDocument(ctx, idOf(req), jsonBody(req)));
  apiRoute(scope, deps, 'GET', '/documents/:id/versions/:version/download', { summary: 'Download a version (a number, or "latest") as an attachment', tag: TAG },
    async (req, ctx, reply) => sendDownload(req, reply, await docs.openVersion(ctx, deps.storage, idOf(req), req.params.version)));
}

// ---- pages ------------------------------------------------------------------------------------------------

/** "site:<id>" and the like, as the pick-lists send them. */
function parseTarget(v: string | null): DocumentTarget | { type: string; id: string | null } {
  if (!v || v === 'organisation') return { type: 'organisation' };
  const [type, id] = v.split(':', 2);
  return { type, id: id ?? null };
}
const targetValue = (t: { type: string; id?: string | null }) => (t.type === 'organisation' ? 'organisation' : `${t.type}:${t.id}`);

/** One message per form field (nested paths such as target.id belong to the field "target"). */
function formErrors(fields: Record<string, string> | undefined, rename: Record<string, string> = {}) {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields ?? {})) {
    const key = rename[k.split('.')[0]] ?? k.split('.')[0];
    out[key] ??= v;
  }
  return out;
}

const isFormError = (e: unknown): e is AppError => e instanceof AppError && !!e.fields && [409, 413, 415, 422].includes(e.status);

const categoryItems = (selected?: string | null, blank?: string) => [
  ...(blank ? [{ value: '', text: blank, selected: !selected }] : []),
  ...DOCUMENT_CATEGORIES.map((c) => ({ value: c, text: CATEGORY_LABELS[c], selected: c === selected })),
];

/** What a document can be attached to: the organisation, its sites and systems, and (in smaller estates) its assets. */
async function targetChoices(ctx: OrgContext, extraAsset?: string | null) {
  const [sites, systems, assets] = await Promise.all([allSites(ctx), allSystems(ctx), repo.assetChoices(ctx.db, ctx.orgId, ASSET_CHOICES)]);
  const items = [
    { value: 'organisation', text: 'Whole organisation' },
    ...sites.map((s) => ({ value: `site:${s.id}`, text: `Site: ${s.name}` })),
    ...systems.map((s) => ({ value: `system:${s.id}`, text: `System: ${s.name}` })),
    ...assets.items.map((a) => ({ value: `asset:${a.id}`, text: `Asset: ${a.label}` })),
  ];
  if (extraAsset && !assets.items.some((a) => a.id === extraAsset)) {
    const label = await repo.assetLabelOf(ctx.db, ctx.orgId, extraAsset);
    if (label) items.push({ value: `asset:${extraAsset}`, text: `Asset: ${label}` });
  }
  return items;
}

const select = (items: { value: string; text: string }[], selected: string | null) => items.map((i) => ({ ...i, selected: i.value === selected }));

function humanSize(bytes: number) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const today = () => new Date().toISOString().slice(0, 10);

function withDisplay<T extends DocumentSummary>(d: T) {
  return { ...d, categoryLabel: CATEGORY_LABELS[d.category], sizeText: humanSize(d.currentVersion.size), reviewOverdue: !!d.reviewDate && d.reviewDate < today() };
}

interface UploadFormState { values: Record<string, unknown>; body: FormBody | null; errors: Record<string, string> }

async function renderUploadForm(p: PageCtx, deps: AppDeps, s: UploadFormState, status = 200) {
  const target = (s.values.target as string | undefined) ?? 'organisation';
  const preselectedAsset = target.startsWith('asset:') ? target.slice(6) : null;
  return p.render('documents/views/form.njk', {
    title: 'Upload a document', errors: s.errors, values: s.values,
    categoryItems: categoryItems(s.values.category as string, 'Choose a category'),
    targetItems: select(await targetChoices(p.ctx, preselectedAsset), target),
    reviewDate: dateFields(s.body, 'reviewDate', null),
    maxText: humanSize(deps.config.storage.maxUploadBytes),
  }, status);
}

async function renderShow(p: PageCtx, deps: AppDeps, doc: DocumentDetail, opts: { errors?: Record<string, string>; attachValue?: string | null; status?: number } = {}) {
  const history = await objectHistory(p.ctx, 'document', doc.id);
  const canWrite = can(p.ctx.role, 'assets:write');
  const attached = new Set(doc.attachments.map((a) => targetValue(a)));
  return p.render('documents/views/show.njk', {
    title: doc.title, doc: withDisplay(doc), history, canWrite, canDelete: can(p.ctx.role, 'estate:delete'),
    versions: doc.versions.map((v) => ({ ...v, sizeText: humanSize(v.size) })),
    attachItems: canWrite ? select((await targetChoices(p.ctx)).filter((i) => !attached.has(i.value)), opts.attachValue ?? null) : [],
    errors: opts.errors ?? {}, maxText: humanSize(deps.config.storage.maxUploadBytes),
  }, opts.status ?? 200);
}

function registerPages(scope: FastifyInstance, deps: AppDeps) {
  const max = deps.config.storage.maxUploadBytes;

  orgPage(scope, deps, 'GET', '/documents', 'estate:read', async (req, _reply, p) => {
    const raw = (req.query ?? {}) as Record<string, unknown>;
    const q = { category: text(raw.category), tag: text(raw.tag), attached: text(raw.attached), review: text(raw.review), cursor: text(raw.cursor) };
    const target = q.attached ? parseTarget(q.attached) : null;
    const reviewBefore = q.review === 'overdue' ? new Date(Date.now() - 86400_000).toISOString().slice(0, 10)
      : q.review === '30' || q.review === '90' ? new Date(Date.now() + Number(q.review) * 86400_000).toISOString().slice(0, 10) : undefined;
    const query = {
      category: q.category ?? undefined, tag: q.tag ?? undefined, targetType: target?.type, targetId: target?.type === 'organisation' ? undefined : target?.id ?? undefined,
      reviewBefore, cursor: q.cursor ?? undefined, limit: 100,
    };
    let page: Awaited<ReturnType<typeof docs.listDocuments>>;
    let filterError: string | null = null;
    try { page = await docs.listDocuments(p.ctx, query); } catch (e) {
      // A filter from an old link (a deleted site, a mistyped category) shows everything rather than an error page.
      if (!(e instanceof ValidationError)) throw e;
      filterError = 'Some filters were not valid and have been ignored';
      page = await docs.listDocuments(p.ctx, { limit: 100 });
    }
    const keep = (extra: Record<string, string>) => new URLSearchParams({ ...Object.fromEntries(Object.entries(q).filter(([k, v]) => v && k !== 'cursor')) as Record<string, string>, ...extra }).toString();
    const tags = await repo.tagsInUse(p.ctx.db, p.ctx.orgId);
    return p.render('documents/views/list.njk', {
      title: 'Documents', items: page.items.map(withDisplay), q, filterError, canWrite: can(p.ctx.role, 'assets:write'),
      categoryItems: categoryItems(q.category, 'Any category'),
      tagItems: [{ value: '', text: 'Any tag' }, ...tags.map((t) => ({ value: t, text: t, selected: t.toLowerCase() === q.tag?.toLowerCase() }))],
      attachedItems: select([{ value: '', text: 'Anything' }, ...(await targetChoices(p.ctx, target?.type === 'asset' ? target.id : null))], q.attached ?? ''),
      reviewItems: [
        { value: '', text: 'Any review date' }, { value: 'overdue', text: 'Overdue for review' },
        { value: '30', text: 'Due within 30 days' }, { value: '90', text: 'Due within 90 days' },
      ].map((i) => ({ ...i, selected: i.value === (q.review ?? '') })),
      nextHref: page.next ? `${p.base}/documents?${keep({ cursor: page.next })}` : null,
    });
  });

  orgPage(scope, deps, 'GET', '/documents/new', 'assets:write', async (req, _reply, p) => {
    const preset = text(req.query.target);
    return renderUploadForm(p, deps, { values: { target: preset ?? 'organisation' }, body: null, errors: {} });
  });

  orgPage(scope, deps, 'POST', '/documents', 'assets:write', async (req, _reply, p) => {
    const body = (req.body ?? {}) as FormBody;
    const values = { title: text(body.title), category: text(body.category), tags: text(body.tags), target: text(body.target) ?? 'organisation' };
    const input = { title: values.title, category: values.category ?? undefined, tags: values.tags ?? '', target: parseTarget(values.target), reviewDate: dateParts(body, 'reviewDate') };
    // Every field is checked at once, so one round trip shows every problem.
    const errors: Record<string, string> = {};
    const checked = documentFields.safeParse(input);
    if (!checked.success) Object.assign(errors, formErrors(zodFields(checked.error)));
    let file: { filename: string; data: Buffer } | null = null;
    let status = 422;
    try { file = requireUpload(req, max); } catch (e) {
      if (!isFormError(e)) throw e;
      Object.assign(errors, formErrors(e.fields));
      status = e.status === 413 ? 413 : status;
    }
    try {
      if (Object.keys(errors).length || !file) throw new AppError(status, 'validation_failed', 'Some fields need correcting', errors);
      const doc = await docs.uploadDocument(p.ctx, deps.storage, { ...input, filename: file.filename, data: file.data } as unknown as docs.UploadInput);
      return p.redirect(`${p.base}/documents/${doc.id}`, `Document “${doc.title}” uploaded`);
    } catch (e) {
      if (!isFormError(e)) throw e;
      return renderUploadForm(p, deps, { values, body, errors: formErrors(e.fields) }, e.status);
    }
  });

  orgPage(scope, deps, 'GET', '/documents/:id', 'estate:read', async (req, _reply, p) => renderShow(p, deps, await docs.getDocument(p.ctx, idOf(req))));

  orgPage(scope, deps, 'GET', '/documents/:id/versions/:version/download', 'estate:read', async (req, reply, p) =>
    sendDownload(req, reply, await docs.openVersion(p.ctx, deps.storage, idOf(req), req.params.version)));

  orgPage(scope, deps, 'POST', '/documents/:id/versions', 'assets:write', async (req, _reply, p) => {
    const doc = await docs.getDocument(p.ctx, idOf(req));
    try {
      const saved = await docs.addVersion(p.ctx, deps.storage, doc.id, requireUpload(req, max));
      return p.redirect(`${p.base}/documents/${doc.id}`, `Version ${saved.currentVersion.version} uploaded`);
    } catch (e) {
      if (!isFormError(e)) throw e;
      return renderShow(p, deps, doc, { errors: formErrors(e.fields), status: e.status });
    }
  });

  orgPage(scope, deps, 'POST', '/documents/:id/attach', 'assets:write', async (req, _reply, p) => {
    const doc = await docs.getDocument(p.ctx, idOf(req));
    const value = text((req.body as FormBody)?.target);
    const t = parseTarget(value);
    try {
      const saved = await docs.attachDocument(p.ctx, doc.id, { targetType: t.type, targetId: t.id ?? null });
      const label = saved.attachments.find((a) => targetValue(a) === targetValue({ type: t.type, id: t.type === 'organisation' ? p.ctx.orgId : t.id }))?.label;
      return p.redirect(`${p.base}/documents/${doc.id}`, `Attached to ${label ?? t.type}`);
    } catch (e) {
      if (!isFormError(e)) throw e;
      return renderShow(p, deps, doc, { errors: formErrors(e.fields, { targetType: 'target', targetId: 'target' }), attachValue: value, status: e.status });
    }
  });

  orgPage(scope, deps, 'POST', '/documents/:id/detach', 'assets:write', async (req, _reply, p) => {
    const doc = await docs.getDocument(p.ctx, idOf(req));
    const body = (req.body ?? {}) as FormBody;
    const saved = await docs.detachDocument(p.ctx, doc.id, { targetType: text(body.targetType), targetId: text(body.targetId) });
    return p.redirect(`${p.base}/documents/${saved.id}`, 'Attachment removed');
  });

  const renderEdit = (p: PageCtx, doc: DocumentDetail, values: Record<string, unknown>, body: FormBody | null, errors: Record<string, string>, status = 200) =>
    p.render('documents/views/edit.njk', {
      title: `Change ${doc.title}`, doc, values, errors, categoryItems: categoryItems(values.category as string),
      reviewDate: dateFields(body, 'reviewDate', doc.reviewDate),
    }, status);

  orgPage(scope, deps, 'GET', '/documents/:id/edit', 'assets:write', async (req, _reply, p) => {
    const doc = await docs.getDocument(p.ctx, idOf(req));
    return renderEdit(p, doc, { title: doc.title, category: doc.category, tags: doc.tags.join(', ') }, null, {});
  });

  orgPage(scope, deps, 'POST', '/documents/:id', 'assets:write', async (req, _reply, p) => {
    const doc = await docs.getDocument(p.ctx, idOf(req));
    const body = (req.body ?? {}) as FormBody;
    const values = { title: text(body.title) ?? '', category: text(body.category) ?? '', tags: text(body.tags) ?? '' };
    try {
      const saved = await docs.updateDocument(p.ctx, doc.id, { ...values, reviewDate: dateParts(body, 'reviewDate') });
      return p.redirect(`${p.base}/documents/${doc.id}`, `Document “${saved.title}” saved`);
    } catch (e) {
      if (!isFormError(e)) throw e;
      return renderEdit(p, doc, values, body, formErrors(e.fields), e.status);
    }
  });

  orgPage(scope, deps, 'GET', '/documents/:id/delete', 'estate:delete', async (req, _reply, p) => {
    const doc = await docs.getDocument(p.ctx, idOf(req));
    return p.render('confirm-delete.njk', {
      title: `Delete ${doc.title}`, thing: 'document', name: doc.title,
      action: `${p.base}/documents/${doc.id}/delete`, back: `${p.base}/documents/${doc.id}`,
    });
  });

  orgPage(scope, deps, 'POST', '/documents/:id/delete', 'estate:delete', async (req, _reply, p) => {
    const doc = await docs.getDocument(p.ctx, idOf(req));
    await docs.deleteDocument(p.ctx, deps.storage, doc.id);
    return p.redirect(`${p.base}/documents`, `Document “${doc.title}” deleted`);
  });
}

export function registerDocumentsRoutes(app: FastifyInstance, deps: AppDeps): void {
  // An encapsulated scope, so multipart parsing applies to the documents routes only.
  app.register(async (scope) => {
    await registerUploads(scope, deps);
    registerApi(scope, deps);
    registerPages(scope, deps);
  });
}
