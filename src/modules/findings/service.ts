import { requirePermission, type OrgContext, type Tx } from '../../platform/context';
import { AppError, notFound, parseInput } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import type { AssetsTable, FindingsTable } from '../../platform/schema';
import type { Finding } from '../../domain/policy';
import { recordAudit } from '../audit/repo';
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

/** Every open or accepted finding of the organisation, oldest id first. */
export async function unresolvedFindings(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  return (await repo.unresolvedFindings(ctx.db, ctx.orgId)).map(repo.toFinding);
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

function resolutionFor(asset: AssetsTable, rule: string): string {
  if (asset.status === 'removed') return 'The asset is recorded as removed.';
  if (rule === 'uk-nil-core-network') return 'The asset is no longer on a core network.';
  if (rule === 'uk-nil-sensitive-site') return 'The asset is no longer at a sensitive site, or its producer is no longer identified as subject to the PRC National Intelligence Law.';
  return 'Re-evaluated: the rule no longer applies to this asset as recorded.';
}

/**
 * Brings an asset's findings in line with what the policy rules found now: new ones opened, resolved ones that
 * apply again reopened, changed ones updated, ones that no longer apply resolved. Runs in the caller's transaction.
 */
export async function syncAssetFindings(tx: Tx, ctx: Pick<OrgContext, 'orgId' | 'actor'>, asset: AssetsTable, found: Finding[], catalogueVersion: string) {
  let opened = 0;
  let resolved = 0;
  const existing = await repo.findingsOfAsset(tx, ctx.orgId, asset.id);
  const byRule = new Map(existing.map((f) => [f.rule, f]));
  const now = nowIso();
  const audit = (action: string, f: Pick<FindingsTable, 'id'>, summary: string, before?: unknown, after?: unknown) =>
    recordAudit(tx, { orgId: ctx.orgId, actor: ctx.actor, action, objectType: 'finding', objectId: f.id, summary, before, after });

  for (const f of found) {
    const e = byRule.get(f.rule);
    const content = { rule_version: f.ruleVersion, severity: f.severity, params_json: JSON.stringify(f.params), catalogue_version: catalogueVersion };
    if (!e) {
      const row = { id: newId(), org_id: ctx.orgId, asset_id: asset.id, rule: f.rule, status: 'open', ...content, first_seen_at: now, last_seen_at: now,
        resolved_at: null, resolution: null, accepted_reason: null, accepted_by: null, accepted_at: null, review_date: null };
      await repo.insertFinding(tx, row);
      await audit('create', row, `Finding opened: ${f.title}`, undefined, { severity: f.severity, detail: f.detail });
      opened++;
    } else if (e.status === 'resolved') {
      await repo.updateFinding(tx, e.id, { ...content, status: 'open', last_seen_at: now, resolved_at: null, resolution: null, accepted_reason: null, accepted_by: null, accepted_at: null, review_date: null });
      await audit('reopen', e, `Finding reopened: ${f.title}`, { status: 'resolved' }, { status: 'open', detail: f.detail });
      opened++;
    } else if (repo.findingWords(e).detail !== f.detail || e.severity !== f.severity || e.rule_version !== f.ruleVersion || e.catalogue_version !== catalogueVersion) {
      await repo.updateFinding(tx, e.id, { ...content, last_seen_at: now });
      await audit('update', e, `Finding re-evaluated: ${f.title}`, { severity: e.severity, detail: repo.findingWords(e).detail }, { severity: f.severity, detail: f.detail });
    } else {
      await repo.updateFinding(tx, e.id, { last_seen_at: now });
    }
  }
  for (const e of existing) {
    if (e.status === 'resolved' || found.some((f) => f.rule === e.rule)) continue;
    const resolution = resolutionFor(asset, e.rule);
    await repo.updateFinding(tx, e.id, { status: 'resolved', resolved_at: now, resolution });
    await audit('resolve', e, `Finding resolved: ${repo.findingWords(e).title}`, { status: e.status }, { status: 'resolved', resolution });
    resolved++;
  }
  return { opened, resolved };
}
