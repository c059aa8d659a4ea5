import { requirePermission, type OrgContext } from '../../platform/context';
import { parseInput } from '../../platform/errors';
import { nowIso } from '../../platform/ids';
import { auditedChange } from '../audit/write';
import { catalogueRuntime } from '../../catalog';
import { profileInput } from './schemas';

export interface Profile { maintainer: string | null; contractStart: string | null; contractEnd: string | null; annualSpendPence: number | null; foiContact: string | null }

export async function getProfile(ctx: OrgContext): Promise<Profile> {
  requirePermission(ctx, 'estate:read');
  const r = await ctx.db.selectFrom('organisation_profiles').selectAll().where('org_id', '=', ctx.orgId).executeTakeFirst();
  return {
    maintainer: r?.maintainer ?? null, contractStart: r?.contract_start ?? null, contractEnd: r?.contract_end ?? null,
    annualSpendPence: r?.annual_spend_pence === null || r?.annual_spend_pence === undefined ? null : Number(r.annual_spend_pence), foiContact: r?.foi_contact ?? null,
  };
}

export async function setProfile(ctx: OrgContext, body: unknown): Promise<Profile> {
  requirePermission(ctx, 'estate:write');
  const input = parseInput(profileInput, body);
  const before = await getProfile(ctx);
  return auditedChange(ctx, async (tx) => {
    const row = {
      maintainer: input.maintainer, contract_start: input.contractStart, contract_end: input.contractEnd,
      annual_spend_pence: input.annualSpend === null ? null : Math.round(input.annualSpend * 100), foi_contact: input.foiContact, updated_at: nowIso(),
    };
    await tx.insertInto('organisation_profiles').values({ org_id: ctx.orgId, ...row }).onConflict((oc) => oc.column('org_id').doUpdateSet(row)).execute();
    const after: Profile = { maintainer: row.maintainer, contractStart: row.contract_start, contractEnd: row.contract_end, annualSpendPence: row.annual_spend_pence, foiContact: row.foi_contact };
    return { result: after, action: 'update', objectType: 'organisation-profile', objectId: ctx.orgId, summary: 'Changed the CCTV contract and FOI details', before, after };
  });
}

/**
 * The numbers CCTV FOI requests ask for, from the register: camera count, brands as labelled and by real
 * producer, the maintainer, contract dates and spend, and a contact.
 */
export async function foiAnswer(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  const db = ctx.db;
  const byKind = await db.selectFrom('assets').select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', ctx.orgId).where('status', '!=', 'removed').groupBy('kind').execute();
  const byLabel = await db.selectFrom('assets').select(['manufacturer_key', (eb) => eb.fn.min('manufacturer').as('label'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', ctx.orgId).where('status', '!=', 'removed').where('kind', '=', 'camera').groupBy('manufacturer_key').orderBy('n', 'desc').execute();
  const byOrigin = await db.selectFrom('assets').leftJoin('asset_provenance', 'asset_provenance.asset_id', 'assets.id')
    .select(['asset_provenance.origin as origin', 'asset_provenance.nil_subject as nil', (eb) => eb.fn.countAll<number>().as('n')])
    .where('assets.org_id', '=', ctx.orgId).where('assets.status', '!=', 'removed').where('assets.kind', '=', 'camera')
    .groupBy(['asset_provenance.origin', 'asset_provenance.nil_subject']).orderBy('n', 'desc').execute();
  const companies = catalogueRuntime().companies;
  return {
    asOf: new Date().toISOString().slice(0, 10),
    cameras: Number(byKind.find((r) => r.kind === 'camera')?.n ?? 0),
    devices: byKind.reduce((s, r) => s + Number(r.n), 0),
    byKind: byKind.map((r) => ({ kind: r.kind, n: Number(r.n) })),
    byLabel: byLabel.map((r) => ({ label: r.manufacturer_key ? String(r.label) : 'Not recorded', n: Number(r.n) })),
    byOrigin: byOrigin.map((r) => ({ origin: r.origin ? companies.get(r.origin)?.name ?? r.origin : 'Not known', nilSubject: r.nil === null ? null : !!Number(r.nil), n: Number(r.n) })),
    profile: await getProfile(ctx),
  };
}
