import { requirePermission, type OrgContext } from '../../platform/context';
import { AppError, notFound, parseInput } from '../../platform/errors';
import { nowIso } from '../../platform/ids';
import { auditedChange } from '../audit/write';
import * as repo from './repo';
import { acceptInput, findingListQuery } from './schemas';
import type { Severity } from '../../domain/policy';

export async function listFindings(ctx: OrgContext, query: unknown) {
  requirePermission(ctx, 'estate:read');
  const q = parseInput(findingListQuery, query);
  const rows = await repo.listFindings(ctx.db, ctx.orgId, { ...q, before: q.cursor });
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => ({
      ...repo.toFinding(r),
      asset: { id: r.asset_id, kind: r.asset_kind, manufacturer: r.asset_manufacturer, model: r.asset_model, serial: r.asset_serial },
      site: r.site_id ? { id: r.site_id, name: r.site_name } : null,
    })),
    next: rows.length > q.limit ? page[page.length - 1].id : null,
  };
}

export async function getFinding(ctx: OrgContext, id: string) {
  requirePermission(ctx, 'estate:read');
  const row = await repo.findFinding(ctx.db, ctx.orgId, id);
  if (!row) throw notFound('Finding');
  return repo.toFinding(row);
}

export async function findingsForAsset(ctx: OrgContext, assetId: string) {
  requirePermission(ctx, 'estate:read');
  return (await repo.findingsOfAsset(ctx.db, ctx.orgId, assetId)).map(repo.toFinding);
}

/** A manager or admin accepts the risk for now; the finding stays visible and is due for review on the date given. */
export async function acceptFinding(ctx: OrgContext, id: string, body: unknown) {
  requirePermission(ctx, 'estate:write');
  const input = parseInput(acceptInput, body);
  return auditedChange(ctx, async (tx) => {
    const row = await repo.findFinding(tx, ctx.orgId, id);
    if (!row) throw notFound('Finding');
    if (row.status === 'resolved') throw new AppError(409, 'resolved', 'This finding is already resolved; there is no risk to accept');
    const now = nowIso();
    const set = { status: 'accepted', accepted_reason: input.reason, accepted_by: ctx.actor.label, accepted_at: now, review_date: input.reviewDate };
    await tx.updateTable('findings').set(set).where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    const after = repo.toFinding({ ...row, ...set });
    return { result: after, action: 'accept', objectType: 'finding', objectId: id, summary: `Risk accepted until review on ${input.reviewDate}: ${after.title}`,
      before: { status: row.status }, after: { status: 'accepted', reason: input.reason, reviewDate: input.reviewDate } };
  });
}

/** Withdraws an accepted risk: the finding is open again. */
export async function reopenFinding(ctx: OrgContext, id: string) {
  requirePermission(ctx, 'estate:write');
  return auditedChange(ctx, async (tx) => {
    const row = await repo.findFinding(tx, ctx.orgId, id);
    if (!row) throw notFound('Finding');
    if (row.status !== 'accepted') throw new AppError(409, 'not_accepted', 'Only a finding whose risk was accepted can be reopened');
    const set = { status: 'open', accepted_reason: null, accepted_by: null, accepted_at: null, review_date: null };
    await tx.updateTable('findings').set(set).where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    const after = repo.toFinding({ ...row, ...set });
    return { result: after, action: 'reopen', objectType: 'finding', objectId: id, summary: `Accepted risk withdrawn: ${after.title}`,
      before: { status: 'accepted', reason: row.accepted_reason }, after: { status: 'open' } };
  });
}

/** Accepted risks whose review date has come: the decision must be looked at again. */
export async function acceptedRisksDue(ctx: OrgContext, today: string) {
  requirePermission(ctx, 'estate:read');
  return (await repo.acceptedPastReview(ctx.db, ctx.orgId, today)).map((r) => ({
    id: r.id, title: r.title, severity: r.severity as Severity, reviewDate: r.review_date!, device: [r.asset_manufacturer ?? 'Unlabelled', r.asset_model].filter(Boolean).join(' '),
  }));
}

/** Findings counted by severity and status (open and accepted apart). */
export async function findingCounts(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  return repo.severityCounts(ctx.db, ctx.orgId);
}
