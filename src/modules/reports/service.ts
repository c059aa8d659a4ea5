import { requirePermission, type OrgContext } from '../../platform/context';
import { parseInput } from '../../platform/errors';
import { nowIso } from '../../platform/ids';
import { auditedChange } from '../audit/write';
import { catalogueRuntime } from '../../catalog';
import * as repo from './repo';
import { profileInput } from './schemas';

export interface Profile { maintainer: string | null; contractStart: string | null; contractEnd: string | null; annualSpendPence: number | null; foiContact: string | null }

export async function getProfile(ctx: OrgContext): Promise<Profile> {
  requirePermission(ctx, 'estate:read');
  const r = await repo.profileRow(ctx.db, ctx.orgId);
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
    await repo.upsertProfile(tx, ctx.orgId, row);
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
  const byKind = await repo.countDevicesByKind(ctx.db, ctx.orgId);
  const byLabel = await repo.countCamerasByLabel(ctx.db, ctx.orgId);
  const byOrigin = await repo.countCamerasByOrigin(ctx.db, ctx.orgId);
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
