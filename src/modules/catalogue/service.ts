import { requirePermission, type OrgContext } from '../../platform/context';
import { conflict, notFound, parseInput, ValidationError } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import { auditedChange } from '../audit/write';
import { catalogueRuntime } from '../../catalog';
import { brandKey } from '../../domain/provenance';
import { textKey } from '../assets/schemas';
import { evaluateAsset, forgetOrgCatalogue } from '../provenance/service';
import { overrideInput } from './schemas';

export async function listOverrides(ctx: OrgContext) {
  requirePermission(ctx, 'estate:read');
  const rows = await ctx.db.selectFrom('catalogue_overrides').selectAll().where('org_id', '=', ctx.orgId).orderBy('brand_key').execute();
  const companies = catalogueRuntime().companies;
  return rows.map((r) => ({ id: r.id, brandName: r.brand_name, company: r.company, companyName: companies.get(r.company)?.name ?? r.company, basis: r.basis, createdBy: r.created_by, createdAt: r.created_at }));
}

/** Re-evaluates the assets labelled with a brand, after the organisation's record of that brand changed. */
async function reevaluateBrand(tx: OrgContext['db'], ctx: OrgContext, brandName: string) {
  forgetOrgCatalogue(ctx.orgId);
  const assets = await tx.selectFrom('assets').selectAll().where('org_id', '=', ctx.orgId).where('manufacturer_key', '=', textKey(brandName)).execute();
  for (const a of assets) await evaluateAsset(tx, ctx, a);
  return assets.length;
}

/** An admin records who really makes a brand, for this organisation only; labelled assets are re-evaluated. */
export async function addOverride(ctx: OrgContext, body: unknown) {
  requirePermission(ctx, 'org:admin');
  const input = parseInput(overrideInput, body);
  if (!catalogueRuntime().companies.has(input.company)) throw new ValidationError({ company: 'Choose a company from the catalogue' });
  const key = brandKey(input.brandName);
  return auditedChange(ctx, async (tx) => {
    const clash = await tx.selectFrom('catalogue_overrides').select('id').where('org_id', '=', ctx.orgId).where('brand_key', '=', key).executeTakeFirst();
    if (clash) throw conflict('brandName', 'This brand already has a record; remove it first to change it');
    const row = { id: newId(), org_id: ctx.orgId, brand_name: input.brandName, brand_key: key, company: input.company, basis: input.basis, created_by: ctx.actor.label, created_at: nowIso() };
    await tx.insertInto('catalogue_overrides').values(row).execute();
    const n = await reevaluateBrand(tx, ctx, input.brandName);
    return { result: { id: row.id, reevaluated: n }, action: 'create', objectType: 'catalogue-override', objectId: row.id,
      summary: `Recorded that ${input.brandName} is made by ${input.company} (${input.basis}); ${n} asset${n === 1 ? '' : 's'} re-evaluated`, after: input };
  }).finally(() => forgetOrgCatalogue(ctx.orgId));
}

export async function removeOverride(ctx: OrgContext, id: string) {
  requirePermission(ctx, 'org:admin');
  return auditedChange(ctx, async (tx) => {
    const row = await tx.selectFrom('catalogue_overrides').selectAll().where('org_id', '=', ctx.orgId).where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Brand record');
    await tx.deleteFrom('catalogue_overrides').where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    const n = await reevaluateBrand(tx, ctx, row.brand_name);
    return { result: { reevaluated: n }, action: 'delete', objectType: 'catalogue-override', objectId: id,
      summary: `Removed the record that ${row.brand_name} is made by ${row.company}; ${n} asset${n === 1 ? '' : 's'} re-evaluated`, before: { brandName: row.brand_name, company: row.company, basis: row.basis } };
  }).finally(() => forgetOrgCatalogue(ctx.orgId));
}
