import { requirePermission, type OrgContext } from '../../platform/context';
import { notFound, parseInput, parsePatch, ValidationError } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import { auditedChange } from '../audit/write';
import * as repo from './repo';
import { addDays } from './deadlines';
import { signInput, signListQuery, signPatch, today, type Sign } from './schemas';

// The signage register (Code principle 3): each sign at a site, whether its wording names the operator, the
// purpose and a contact point, a photo (a document), and when it was last checked and in what state.

export function toSign(r: repo.SignRow, on = today()): Sign {
  const showsOperator = !!Number(r.shows_operator), showsPurpose = !!Number(r.shows_purpose), showsContact = !!Number(r.shows_contact);
  return {
    id: r.id, siteId: r.site_id, siteName: r.site_name, location: r.location, showsOperator, showsPurpose, showsContact,
    wording: r.wording, photoDocumentId: r.photo_document_id, lastChecked: r.last_checked, condition: r.condition as Sign['condition'], notes: r.notes,
    adequate: showsOperator && showsPurpose && showsContact && (r.condition === 'good' || r.condition === 'worn'),
    // Signage is part of the yearly maintenance check.
    checkDue: !r.last_checked || r.last_checked < addDays(on, -365),
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

const signName = (s: { location: string; siteName: string }) => `${s.location} at ${s.siteName}`;

export async function listSigns(ctx: OrgContext, query: unknown) {
  requirePermission(ctx, 'estate:read');
  const q = parseInput(signListQuery, query);
  const rows = await repo.listSigns(ctx.db, ctx.orgId, { siteId: q.site, after: q.cursor, limit: q.limit });
  const page = rows.slice(0, q.limit);
  return { items: page.map((r) => toSign(r)), next: rows.length > q.limit ? page[page.length - 1].id : null };
}

/** Every sign, by site then location, for the register page (an estate has hundreds at most). */
export async function allSigns(ctx: OrgContext, siteId?: string): Promise<Sign[]> {
  requirePermission(ctx, 'estate:read');
  return (await repo.listSigns(ctx.db, ctx.orgId, { siteId, limit: 5000, bySite: true })).slice(0, 5000).map((r) => toSign(r));
}

export async function getSign(ctx: OrgContext, id: string): Promise<Sign> {
  requirePermission(ctx, 'estate:read');
  const row = await repo.findSign(ctx.db, ctx.orgId, id);
  if (!row) throw notFound('Sign');
  return toSign(row);
}

/** The photo must be one of this organisation's documents, once the documents area exists to say so. */
async function checkPhoto(ctx: OrgContext, documentId: string | null) {
  if (documentId && (await repo.documentStatus(ctx.db, ctx.orgId, documentId)) === 'missing') {
    throw new ValidationError({ photoDocumentId: 'Choose a photo from this organisation’s documents' });
  }
}

async function checkSite(tx: OrgContext['db'], ctx: OrgContext, siteId: string) {
  const name = await repo.siteName(tx, ctx.orgId, siteId);
  if (!name) throw new ValidationError({ siteId: 'Choose a site from this organisation' });
  return name;
}

const columns = (s: ReturnType<typeof signInput.parse>) => ({
  site_id: s.siteId, location: s.location, shows_operator: s.showsOperator ? 1 : 0, shows_purpose: s.showsPurpose ? 1 : 0, shows_contact: s.showsContact ? 1 : 0,
  wording: s.wording, photo_document_id: s.photoDocumentId, last_checked: s.lastChecked, condition: s.condition, notes: s.notes,
});

export async function createSign(ctx: OrgContext, body: unknown): Promise<Sign> {
  requirePermission(ctx, 'estate:write');
  const input = parseInput(signInput, body);
  await checkPhoto(ctx, input.photoDocumentId);
  return auditedChange(ctx, async (tx) => {
    const site_name = await checkSite(tx, ctx, input.siteId);
    const now = nowIso();
    const row = { id: newId(), org_id: ctx.orgId, ...columns(input), created_at: now, updated_at: now };
    await tx.insertInto('signage_signs').values(row).execute();
    const sign = toSign({ ...row, site_name });
    return { result: sign, action: 'create', objectType: 'sign', objectId: sign.id, summary: `Added sign ${signName(sign)}`, after: sign };
  });
}

export async function updateSign(ctx: OrgContext, id: string, body: unknown): Promise<Sign> {
  requirePermission(ctx, 'estate:write');
  const patch = parsePatch(signPatch, body);
  if (patch.photoDocumentId) await checkPhoto(ctx, patch.photoDocumentId);
  return auditedChange(ctx, async (tx) => {
    const existing = await repo.findSign(tx, ctx.orgId, id);
    if (!existing) throw notFound('Sign');
    const before = toSign(existing);
    const { id: _i, siteName: _s, adequate: _a, checkDue: _d, createdAt: _c, updatedAt: _u, ...current } = before;
    const input = parseInput(signInput, { ...current, ...patch });
    const site_name = await checkSite(tx, ctx, input.siteId);
    const cols = { ...columns(input), updated_at: nowIso() };
    await tx.updateTable('signage_signs').set(cols).where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    const after = toSign({ ...existing, ...cols, site_name });
    return { result: after, action: 'update', objectType: 'sign', objectId: id, summary: `Changed sign ${signName(after)}`, before, after };
  });
}

export async function deleteSign(ctx: OrgContext, id: string): Promise<void> {
  requirePermission(ctx, 'estate:delete');
  await auditedChange(ctx, async (tx) => {
    const existing = await repo.findSign(tx, ctx.orgId, id);
    if (!existing) throw notFound('Sign');
    await tx.deleteFrom('signage_signs').where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    const before = toSign(existing);
    return { result: undefined, action: 'delete', objectType: 'sign', objectId: id, summary: `Deleted sign ${signName(before)}`, before };
  });
}
