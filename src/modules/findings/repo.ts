import { sql } from 'kysely';
import type { Tx } from '../../platform/context';
import type { FindingsTable } from '../../platform/schema';
import { renderFinding, type Citation, type Severity } from '../../domain/policy';

export interface StoredFinding {
  id: string; assetId: string; rule: string; ruleVersion: number; severity: Severity; status: 'open' | 'accepted' | 'resolved';
  title: string; action: string; detail: string; citation: Citation; catalogueVersion: string;
  firstSeenAt: string; lastSeenAt: string; resolvedAt: string | null; resolution: string | null;
  acceptedReason: string | null; acceptedBy: string | null; acceptedAt: string | null; reviewDate: string | null;
}

/** A finding's words, rendered from its rule version and stored parameters. */
export const findingWords = (r: Pick<FindingsTable, 'rule' | 'rule_version' | 'params_json'>) => renderFinding(r.rule, Number(r.rule_version), JSON.parse(r.params_json));

export function toFinding(r: FindingsTable): StoredFinding {
  const words = findingWords(r);
  return {
    id: r.id, assetId: r.asset_id, rule: r.rule, ruleVersion: Number(r.rule_version), severity: r.severity as Severity,
    status: r.status as StoredFinding['status'], title: words.title, action: words.action, detail: words.detail,
    citation: words.citation, catalogueVersion: r.catalogue_version, firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at, resolvedAt: r.resolved_at, resolution: r.resolution, acceptedReason: r.accepted_reason,
    acceptedBy: r.accepted_by, acceptedAt: r.accepted_at, reviewDate: r.review_date,
  };
}

export async function findingsOfAsset(tx: Tx, orgId: string, assetId: string) {
  return tx.selectFrom('findings').selectAll().where('org_id', '=', orgId).where('asset_id', '=', assetId).execute();
}

export async function insertFinding(tx: Tx, row: FindingsTable) {
  await tx.insertInto('findings').values(row).execute();
}

export async function updateFinding(tx: Tx, id: string, set: Partial<Omit<FindingsTable, 'id' | 'org_id' | 'asset_id'>>) {
  await tx.updateTable('findings').set(set).where('id', '=', id).execute();
}

export async function unresolvedFindings(tx: Tx, orgId: string) {
  return tx.selectFrom('findings').selectAll().where('org_id', '=', orgId).where('status', '!=', 'resolved').orderBy('id').execute();
}

export async function findFinding(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('findings').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export interface FindingFilters { status?: string; severity?: string; rule?: string; site?: string; asset?: string; before?: string; sort?: 'newest' | 'severity'; limit: number }

// Severity as a number, critical first, so the list can be ordered and paged by it on both engines.
const severityRank = sql<number>`case findings.severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 when 'low' then 3 else 4 end`;

/** Newest first by id (UUIDv7), or most severe first, with the asset's label and site for the list. */
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

export async function listFindings(tx: Tx, orgId: string, f: FindingFilters) {
  let q = tx.selectFrom('findings').innerJoin('assets', 'assets.id', 'findings.asset_id')
    .leftJoin('sites', 'sites.id', 'assets.site_id')
    .selectAll('findings')
    .select(['assets.manufacturer as asset_manufacturer', 'assets.model as asset_model', 'assets.serial as asset_serial', 'assets.kind as asset_kind', 'sites.name as site_name', 'sites.id as site_id'])
    .where('findings.org_id', '=', orgId);
  if (f.status) q = q.where('findings.status', '=', f.status);
  if (f.severity) q = q.where('findings.severity', '=', f.severity);
  if (f.rule) q = q.where('findings.rule', '=', f.rule);
  if (f.asset) q = q.where('findings.asset_id', '=', f.asset);
  if (f.site) q = q.where('assets.site_id', '=', f.site);
  if (f.sort === 'severity') {
    // Keyset paging on (rank, id): the cursor finding's own rank says where the next page starts.
    if (f.before) {
      const cursor = await tx.selectFrom('findings').select('severity').where('org_id', '=', orgId).where('id', '=', f.before).executeTakeFirst();
      const rank = SEVERITY_RANK[cursor?.severity ?? 'info'] ?? 4;
      q = q.where((eb) => eb.or([eb(severityRank, '>', rank), eb.and([eb(severityRank, '=', rank), eb('findings.id', '<', f.before!)])]));
    }
    return q.orderBy(severityRank).orderBy('findings.id', 'desc').limit(f.limit + 1).execute();
  }
  if (f.before) q = q.where('findings.id', '<', f.before);
  return q.orderBy('findings.id', 'desc').limit(f.limit + 1).execute();
}

export async function severityCounts(tx: Tx, orgId: string) {
  const rows = await tx.selectFrom('findings').select(['severity', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId).groupBy(['severity', 'status']).execute();
  return rows.map((r) => ({ severity: r.severity as Severity, status: r.status, n: Number(r.n) }));
}

/** Accepted risks whose review date has come (on or before `today`), oldest review first. */
export async function acceptedPastReview(tx: Tx, orgId: string, today: string) {
  const rows = await tx.selectFrom('findings').innerJoin('assets', 'assets.id', 'findings.asset_id')
    .select(['findings.id', 'findings.rule', 'findings.rule_version', 'findings.params_json', 'findings.severity', 'findings.review_date', 'assets.manufacturer as asset_manufacturer', 'assets.model as asset_model'])
    .where('findings.org_id', '=', orgId).where('findings.status', '=', 'accepted').where('findings.review_date', '<=', today)
    .orderBy('findings.review_date').orderBy('findings.id').execute();
  // Titles are rendered from the rule (derived text is not stored).
  return rows.map(({ rule, rule_version, params_json, ...r }) => ({ ...r, title: findingWords({ rule, rule_version, params_json }).title }));
}
