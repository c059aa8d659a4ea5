import { requirePermission, type OrgContext } from '../../platform/context';
import * as repo from './repo';
import { parseInput } from '../../platform/errors';
import { nowIso } from '../../platform/ids';
import { auditedChange } from '../audit/write';
import { replacementPriority, type Severity } from '../../domain/policy';
import { catalogueRuntime } from '../../catalog';
import { ASSET_KINDS } from '../assets/schemas';
import { costsInput, DEFAULT_UNIT_COST_PENCE, planQuery } from './schemas';

export const TIERS: Record<number, string> = {
  1: 'Sensitive sites: remove and replace now',
  2: 'Core networks: disconnect, then replace',
  3: 'Unknown provenance where it matters: establish provenance first',
  4: 'Other sites: extend the mitigation',
};

export async function unitCosts(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  const rows = await repo.unitCostRows(ctx.db, ctx.orgId);
  const set = new Map(rows.map((r) => [r.kind, Number(r.unit_cost_pence)]));
  return ASSET_KINDS.map((kind) => ({ kind, pence: set.get(kind) ?? DEFAULT_UNIT_COST_PENCE[kind], isDefault: !set.has(kind) }));
}

export async function setUnitCosts(ctx: OrgContext, body: unknown) {
  requirePermission(ctx, 'estate:write');
  const input = parseInput(costsInput, body) as Record<string, number | undefined>;
  return auditedChange(ctx, async (tx) => {
    const before = Object.fromEntries((await repo.unitCostRows(tx, ctx.orgId)).map((r) => [r.kind, Number(r.unit_cost_pence) / 100]));
    const now = nowIso();
    for (const [kind, value] of Object.entries(input)) {
      if (value === undefined) continue;
      const pence = Math.round(value * 100);
      await repo.upsertUnitCost(tx, ctx.orgId, kind, pence, now);
    }
    return { result: undefined, action: 'update', objectType: 'replacement-costs', objectId: null, summary: 'Changed replacement unit costs', before, after: input };
  });
}

export interface PlanLine {
  order: number; tier: number; tierLabel: string; assetId: string; kind: string; manufacturer: string | null; model: string | null;
  serial: string | null; origin: string | null; originName: string | null; site: string | null; network: string | null; worstSeverity: Severity; rules: string[];
  unitPence: number; cumulativePence: number; withinBudget: boolean | null;
  /** Every finding on the device is an accepted risk: listed after the open ones, apart. */
  accepted: boolean;
}

/** The UK rules whose devices belong in the replacement programme. */
const PLAN_RULES = ['uk-nil-sensitive-site', 'uk-nil-core-network', 'uk-nil-other-site', 'unknown-provenance-exposed'];

const SEV_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/**
 * The replacement programme: every device with an open or accepted UK finding, most urgent first (sensitive
 * sites, then core networks, then unknowns where they matter, then other sites; devices whose findings are all
 * accepted risks come after the open ones), each with its cost and the
 * running total, and — given a budget — which replacements it pays for.
 */
export async function remediationPlan(ctx: OrgContext, query: unknown = {}) {
  requirePermission(ctx, 'estate:read');
  const q = parseInput(planQuery, query);
  const rows = await repo.planFindingRows(ctx.db, ctx.orgId, PLAN_RULES);
  const costs = new Map<string, number>((await unitCosts(ctx)).map((c) => [c.kind, c.pence]));
  const byAsset = new Map<string, { rows: typeof rows }>();
  for (const r of rows) {
    const e = byAsset.get(r.asset_id) ?? { rows: [] };
    e.rows.push(r);
    byAsset.set(r.asset_id, e);
  }
  const lines = [...byAsset.values()].map(({ rows: rs }) => {
    const a = rs[0];
    const findings = rs.map((r) => ({ rule: r.rule, severity: r.severity as Severity }));
    const worst = findings.map((f) => f.severity).sort((x, y) => SEV_RANK[x] - SEV_RANK[y])[0];
    const tier = replacementPriority(findings);
    return { tier, a, worst, rules: findings.map((f) => f.rule).sort(), accepted: rs.every((r) => r.status === 'accepted') };
  }).sort((x, y) => Number(x.accepted) - Number(y.accepted) || x.tier - y.tier || SEV_RANK[x.worst] - SEV_RANK[y.worst] || (x.a.site_name ?? '~').localeCompare(y.a.site_name ?? '~') || x.a.asset_id.localeCompare(y.a.asset_id));

  const { companies } = catalogueRuntime();
  let cumulative = 0;
  const budgetPence = q.budget === undefined ? null : Math.round(q.budget * 100);
  const out: PlanLine[] = lines.map((l, i) => {
    const unit = costs.get(l.a.kind) ?? 0;
    cumulative += unit;
    return {
      order: i + 1, tier: l.tier, tierLabel: TIERS[l.tier], assetId: l.a.asset_id, kind: l.a.kind, manufacturer: l.a.manufacturer, model: l.a.model,
      serial: l.a.serial, origin: l.a.origin, originName: l.a.origin ? companies.get(l.a.origin)?.name ?? l.a.origin : null, site: l.a.site_name, network: l.a.network_name, worstSeverity: l.worst, rules: l.rules,
      unitPence: unit, cumulativePence: cumulative, withinBudget: budgetPence === null ? null : cumulative <= budgetPence, accepted: l.accepted,
    };
  });
  const tiers = Object.entries(TIERS).map(([t, label]) => {
    const ls = out.filter((l) => l.tier === Number(t));
    return { tier: Number(t), label, devices: ls.length, pence: ls.reduce((s, l) => s + l.unitPence, 0) };
  });
  return {
    lines: out, tiers, totalPence: cumulative, budgetPence,
    coveredDevices: budgetPence === null ? null : out.filter((l) => l.withinBudget).length,
    costs: await unitCosts(ctx),
  };
}
