import type { DeviceEvidence, Verdict } from '../../domain/provenance-types';
import { identify } from '../../domain/provenance';
import { normaliseMac } from '../../domain/netaddr';
import { requirePermission, type OrgContext } from '../../platform/context';
import { AppError, conflict, notFound, parseInput, ValidationError } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import { isUniqueViolation } from '../../platform/sqlutil';
import { auditedChange } from '../audit/write';
import { ScopeGuard } from '../../discovery/scope';
import { createAsset, describe, findAssetRow, markAssetMissing, markAssetsSeen, updateAsset } from '../assets/service';
import { compiledForOrg, evaluateAsset } from '../provenance/service';
import { networkEvidence, recordObservations, type Observation } from '../provenance/observations';
import * as repo from './repo';
import { companyName, evidenceFields, reconcile, scannedTest, type FieldChange, type SeenDevice } from './reconcile';
import { isPublicRange, orgScope, readTarget } from './scope';
import { ITEM_KINDS, itemListQuery, rangeInput, runListQuery, scanReport, type DeviceInput } from './schemas';
import type { DiscoveryItemsTable, DiscoveryRunsTable, ReconciliationKind } from '../../platform/tables/discovery';

// ---------------------------------------------------------------- allowed ranges

export interface AllowedRange { id: string; cidr: string; label: string | null; publicSpace: boolean; createdAt: string; createdBy: string }

const toRange = (r: Awaited<ReturnType<typeof repo.listRanges>>[number]): AllowedRange => ({
  id: r.id, cidr: r.cidr, label: r.label, publicSpace: !!r.public_space, createdAt: r.created_at, createdBy: r.created_by,
});

export async function listRanges(ctx: OrgContext): Promise<AllowedRange[]> {
  requirePermission(ctx, 'estate:read');
  return (await repo.listRanges(ctx.db, ctx.orgId)).map(toRange);
}

export const PUBLIC_WARNING = 'This range includes public (internet) address space. Scan it only if it is your organisation’s own network.';

/** Adds an allowed range. Public address space needs an explicit confirmation (confirmPublic) and stays flagged. */
export async function addRange(ctx: OrgContext, body: unknown): Promise<AllowedRange & { warning: string | null }> {
  requirePermission(ctx, 'org:admin');
  const input = parseInput(rangeInput, body);
  const publicSpace = isPublicRange(input.cidr);
  if (publicSpace && input.confirmPublic !== true) {
    throw new ValidationError({ confirmPublic: `${input.cidr} includes public (internet) address space: confirm it is your organisation’s own network to allow it` });
  }
  try {
    const range = await auditedChange(ctx, async (tx) => {
      const row = { id: newId(), org_id: ctx.orgId, cidr: input.cidr, label: input.label, public_space: publicSpace ? 1 : 0, created_at: nowIso(), created_by: ctx.actor.label };
      await tx.insertInto('discovery_ranges').values(row).execute();
      const r = toRange(row);
      return { result: r, action: 'create', objectType: 'discovery-range', objectId: r.id, summary: `Allowed discovery in ${r.cidr}${publicSpace ? ' (public address space)' : ''}`, after: r };
    });
    return { ...range, warning: publicSpace ? PUBLIC_WARNING : null };
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('cidr', `${input.cidr} is already an allowed range`);
    throw e;
  }
}

export async function removeRange(ctx: OrgContext, id: string): Promise<void> {
  requirePermission(ctx, 'org:admin');
  await auditedChange(ctx, async (tx) => {
    const row = await repo.findRange(tx, ctx.orgId, id);
    if (!row) throw notFound('Allowed range');
    await tx.deleteFrom('discovery_ranges').where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    return { result: undefined, action: 'delete', objectType: 'discovery-range', objectId: id, summary: `Discovery no longer allowed in ${row.cidr}`, before: toRange(row) };
  });
}

// ---------------------------------------------------------------- scan runs

export interface RunSummary { new: number; missing: number; changed: number; provenance: number }
export interface Refusal { address: string; reason: string }

export interface RunView {
  id: string; source: 'upload' | 'schedule'; scheduleId: string | null; actor: string; status: string; error: string | null;
  startedAt: string; finishedAt: string; targets: string[]; ports: number[]; hostsScanned: number; interrupted: boolean;
  deviceCount: number; refused: Refusal[]; summary: RunSummary; createdAt: string;
}

export function toRun(r: DiscoveryRunsTable): RunView {
  return {
    id: r.id, source: r.source, scheduleId: r.schedule_id, actor: r.actor_label, status: r.status, error: r.error,
    startedAt: r.started_at, finishedAt: r.finished_at, targets: JSON.parse(r.targets_json), ports: JSON.parse(r.ports_json),
    hostsScanned: Number(r.hosts_scanned), interrupted: !!r.interrupted, deviceCount: Number(r.device_count),
    refused: JSON.parse(r.refused_json), summary: JSON.parse(r.summary_json), createdAt: r.created_at,
  };
}

/** The device's evidence in the provenance engine's terms: every field `sightline identify` reads. */
function evidenceOf(d: DeviceInput): DeviceEvidence {
  return { brand: d.brand, model: d.model, firmware: d.firmware, serial: d.serial, mac: d.mac, ...networkEvidence(d) };
}

export interface RunSource { kind: 'upload' | 'schedule'; scheduleId?: string | null }

/**
 * Stores a scan report as a run: devices outside the organisation's allowed ranges are refused (and listed),
 * every accepted device is identified again here with the organisation's own catalogue (an uploaded verdict is
 * not trusted), and the run is reconciled with the register. One transaction, one audit record.
 */
export async function ingestReport(ctx: OrgContext, body: unknown, source: RunSource = { kind: 'upload' }): Promise<RunView> {
  requirePermission(ctx, 'assets:write');
  const report = parseInput(scanReport, body);
  const allowed = await orgScope(ctx.db, ctx.orgId);
  if (!allowed.ranges.length) {
    throw new AppError(409, 'no_allowed_ranges', 'This organisation has no allowed ranges for discovery yet: an admin adds them on the Discovery settings page');
  }
  const refused: Refusal[] = [];
  const accepted: DeviceInput[] = [];
  const seen = new Set<string>();
  for (const d of report.devices) {
    if (!allowed.allows(d.address)) refused.push({ address: d.address, reason: `${d.address} is outside the organisation’s allowed ranges (${allowed.ranges.join(', ')})` });
    else if (seen.has(d.address)) refused.push({ address: d.address, reason: `${d.address} is listed more than once in the report; the first record is kept` });
    else { seen.add(d.address); accepted.push(d); }
  }
  const compiled = await compiledForOrg(ctx.db, ctx.orgId);
  const runId = newId();
  const devices: (SeenDevice & { input: DeviceInput; observed: Observation })[] = accepted.map((d) => {
    const evidence = evidenceOf(d);
    const verdict: Verdict = identify(compiled, evidence);
    const model = d.onvif?.model ?? d.model ?? null;
    return {
      id: newId(), input: d, address: d.address, verdict,
      mac: d.mac ? normaliseMac(d.mac) : null, serial: d.onvif?.serialNumber ?? d.serial ?? null, model,
      firmware: d.onvif?.firmwareVersion ?? d.firmware ?? null, brand: d.brand ?? d.onvif?.manufacturer ?? null,
      hints: [...(d.wsDiscovery?.types ?? []), d.httpTitle ?? ''].filter(Boolean),
      observed: { evidence: networkEvidence(evidence), seenAt: report.finishedAt, address: d.address, runId },
    };
  });
  const targetRanges = report.targets.map(readTarget).filter((t) => t !== null).map((t) => t.text);
  const scanned = scannedTest(new ScopeGuard(targetRanges), allowed);

  return auditedChange(ctx, async (tx) => {
    const { items, seenAssetIds, matched } = await reconcile(tx, ctx.orgId, devices, scanned, report.interrupted);
    // Seen: last seen now, and an asset someone marked missing after an earlier scan is back on the network.
    await markAssetsSeen(tx, ctx.orgId, seenAssetIds, report.finishedAt);
    const summary: RunSummary = { new: 0, missing: 0, changed: 0, provenance: 0 };
    for (const i of items) summary[i.kind]++;
    const now = nowIso();
    const run: DiscoveryRunsTable = {
      id: runId, org_id: ctx.orgId, source: source.kind, schedule_id: source.scheduleId ?? null, actor_label: ctx.actor.label,
      status: 'stored', error: null, started_at: report.startedAt, finished_at: report.finishedAt,
      targets_json: JSON.stringify(report.targets), ports_json: JSON.stringify(report.ports), hosts_scanned: report.hostsScanned,
      interrupted: report.interrupted ? 1 : 0, device_count: devices.length, refused_json: JSON.stringify(refused),
      summary_json: JSON.stringify(summary), created_at: now,
    };
    await repo.insertRun(tx, run);
    // What the network said is kept with each matched asset, and an asset it tells something new about is
    // re-evaluated at once, so its "Who made it" panel and findings read it (after the comparison above, which
    // is with the register's verdict as it stood before this scan).
    const byId = new Map(devices.map((d) => [d.id, d]));
    const observations = matched.map((m) => ({ assetId: m.assetId, observation: byId.get(m.deviceId)!.observed }));
    // (Two devices matched to one asset: it is evaluated with the observation that was kept, not the last one seen.)
    const changed = await recordObservations(tx, ctx.orgId, observations);
    for (const a of await repo.assetRows(tx, ctx.orgId, [...changed.keys()])) await evaluateAsset(tx, ctx, a, changed.get(a.id)!);
    await repo.insertDevices(tx, devices.map((d) => ({
      id: d.id, org_id: ctx.orgId, run_id: runId, address: d.address, mac: d.mac, brand: d.brand, model: d.model, firmware: d.firmware, serial: d.serial,
      origin: d.verdict.origin, nil_subject: d.verdict.nilSubject === null ? null : d.verdict.nilSubject ? 1 : 0, confidence: d.verdict.confidence,
      verdict_json: JSON.stringify(d.verdict), device_json: JSON.stringify(d.input), seen_at: d.input.seenAt,
    })));
    await repo.insertItems(tx, items.map((i) => ({
      id: newId(), org_id: ctx.orgId, run_id: runId, kind: i.kind, device_id: i.deviceId, asset_id: i.assetId, detail_json: JSON.stringify(i.detail),
      outcome: null, outcome_summary: null, outcome_asset_id: null, actioned_at: null, actioned_by: null,
    })));
    const view = toRun(run);
    return {
      result: view, action: 'create', objectType: 'discovery-run', objectId: runId,
      summary: `Scan ${source.kind === 'schedule' ? 'run on schedule' : 'uploaded'}: ${devices.length} device${devices.length === 1 ? '' : 's'} found, ${summary.new} new, ${summary.missing} not seen, ${summary.changed} changed, ${summary.provenance} with a different maker${refused.length ? `; ${refused.length} refused` : ''}`,
      after: { targets: report.targets, hostsScanned: report.hostsScanned, interrupted: report.interrupted, devices: devices.length, summary, refused: refused.length },
    };
  });
}

/** A scheduled scan that never ran (refused by the scope guard, or failed): kept as a run so people see why. */
export async function recordUnrunScan(ctx: OrgContext, scheduleId: string, status: 'refused' | 'failed', error: string, targets: string[], ports: number[]): Promise<RunView> {
  return auditedChange(ctx, async (tx) => {
    const now = nowIso();
    const run: DiscoveryRunsTable = {
      id: newId(), org_id: ctx.orgId, source: 'schedule', schedule_id: scheduleId, actor_label: ctx.actor.label, status, error: error.slice(0, 2000),
      started_at: now, finished_at: now, targets_json: JSON.stringify(targets), ports_json: JSON.stringify(ports), hosts_scanned: 0, interrupted: 0,
      device_count: 0, refused_json: '[]', summary_json: JSON.stringify({ new: 0, missing: 0, changed: 0, provenance: 0 }), created_at: now,
    };
    await repo.insertRun(tx, run);
    return { result: toRun(run), action: status === 'refused' ? 'refuse' : 'fail', objectType: 'discovery-run', objectId: run.id, summary: `Scheduled scan ${status === 'refused' ? 'refused' : 'failed'}: ${run.error}` };
  });
}

export async function listRuns(ctx: OrgContext, query: unknown) {
  requirePermission(ctx, 'estate:read');
  const q = parseInput(runListQuery, query);
  const rows = await repo.listRuns(ctx.db, ctx.orgId, { before: q.cursor, limit: q.limit });
  const page = rows.slice(0, q.limit);
  return { items: page.map(toRun), next: rows.length > q.limit ? page[page.length - 1].id : null };
}

export async function getRun(ctx: OrgContext, id: string): Promise<RunView> {
  requirePermission(ctx, 'estate:read');
  const row = await repo.findRun(ctx.db, ctx.orgId, id);
  if (!row) throw notFound('Scan run');
  return toRun(row);
}

export interface ItemView {
  id: string; runId: string; kind: ReconciliationKind; detail: Record<string, any>;
  device: { id: string; address: string; mac: string | null; brand: string | null; model: string | null; firmware: string | null; serial: string | null;
    origin: string | null; originName: string | null; nilSubject: boolean | null; confidence: number } | null;
  asset: { id: string; kind: string; manufacturer: string | null; model: string | null; serial: string | null; ip: string | null } | null;
  outcome: string | null; outcomeSummary: string | null; outcomeAssetId: string | null; actionedAt: string | null; actionedBy: string | null;
  /** What the one-click action does, in words (null once done). */
  action: string | null;
}

const ACTION_WORDS: Record<ReconciliationKind, string> = { new: 'Add to register', changed: 'Update the asset', provenance: 'Apply the evidence', missing: 'Mark missing' };

function toItem(r: repo.ItemRow): ItemView {
  const done = r.outcome !== null && r.outcome !== 'working';
  return {
    id: r.id, runId: r.run_id, kind: r.kind, detail: JSON.parse(r.detail_json),
    device: r.device_id && r.d_address ? {
      id: r.device_id, address: r.d_address, mac: r.d_mac, brand: r.d_brand, model: r.d_model, firmware: r.d_firmware, serial: r.d_serial,
      origin: r.d_origin, originName: companyName(r.d_origin), nilSubject: r.d_nil === null ? null : !!Number(r.d_nil), confidence: Number(r.d_confidence),
    } : null,
    asset: r.asset_id && r.a_kind ? { id: r.asset_id, kind: r.a_kind, manufacturer: r.a_manufacturer, model: r.a_model, serial: r.a_serial, ip: r.a_ip } : null,
    outcome: done ? r.outcome : null, outcomeSummary: done ? r.outcome_summary : null, outcomeAssetId: done ? r.outcome_asset_id : null,
    actionedAt: done ? r.actioned_at : null, actionedBy: done ? r.actioned_by : null, action: done ? null : ACTION_WORDS[r.kind],
  };
}

export async function listItems(ctx: OrgContext, runId: string, query: unknown) {
  requirePermission(ctx, 'estate:read');
  const q = parseInput(itemListQuery, query);
  await getRun(ctx, runId);
  const rows = await repo.listItems(ctx.db, ctx.orgId, runId, { kind: q.kind, open: q.open === undefined ? undefined : q.open === 'true', after: q.cursor, limit: q.limit });
  const page = rows.slice(0, q.limit);
  return { items: page.map(toItem), next: rows.length > q.limit ? page[page.length - 1].id : null };
}

/** A run's items grouped by kind for its page: up to `perKind` of each, with each kind's totals. */
export async function itemsByKind(ctx: OrgContext, runId: string, perKind = 200) {
  requirePermission(ctx, 'estate:read');
  const counts = await repo.itemCounts(ctx.db, ctx.orgId, runId);
  return Promise.all(ITEM_KINDS.map(async (kind) => {
    const rows = await repo.listItems(ctx.db, ctx.orgId, runId, { kind, limit: perKind });
    const mine = counts.filter((c) => c.kind === kind);
    return {
      kind, items: rows.slice(0, perKind).map(toItem),
      total: mine.reduce((s, c) => s + c.n, 0), done: mine.filter((c) => c.actioned).reduce((s, c) => s + c.n, 0),
    };
  }));
}

async function getItem(ctx: OrgContext, runId: string, itemId: string): Promise<ItemView> {
  const row = await repo.findItemView(ctx.db, ctx.orgId, runId, itemId);
  if (!row) throw notFound('Reconciliation item');
  return toItem(row);
}

// ---------------------------------------------------------------- one-click actions

/** How long an action may hold an item before another request may take it over (its request died). */
const HOLD_MS = 2 * 60_000;

interface Outcome { outcome: 'added' | 'linked' | 'updated' | 'marked-missing'; summary: string; assetId: string | null; scanFinishedAt?: string }

/**
 * Settles one reconciliation item with its kind's action, through the assets service (so provenance and findings
 * are evaluated and the change is audited there). Idempotent: an item already settled is returned as it is, and
 * two clicks at once do the work once.
 */
export async function actOnItem(ctx: OrgContext, runId: string, itemId: string): Promise<ItemView> {
  requirePermission(ctx, 'assets:write');
  await getRun(ctx, runId);
  const item = await repo.findItem(ctx.db, ctx.orgId, runId, itemId);
  if (!item) throw notFound('Reconciliation item');
  if (item.outcome !== null && item.outcome !== 'working') return getItem(ctx, runId, itemId);
  const now = nowIso();
  if (!await repo.claimItem(ctx.db, ctx.orgId, itemId, now, new Date(Date.now() - HOLD_MS).toISOString(), ctx.actor.label)) {
    const again = await repo.findItem(ctx.db, ctx.orgId, runId, itemId);
    if (again && again.outcome !== 'working') return getItem(ctx, runId, itemId);
    throw new AppError(409, 'in_progress', 'Someone is acting on this item right now; reload the page in a moment');
  }
  let result: Outcome;
  try {
    result = await perform(ctx, runId, item);
  } catch (e) {
    await repo.releaseItem(ctx.db, ctx.orgId, itemId);
    throw e;
  }
  await auditedChange(ctx, async (tx) => {
    await repo.finishItem(tx, ctx.orgId, itemId, { outcome: result.outcome, outcome_summary: result.summary, outcome_asset_id: result.assetId, actioned_at: nowIso(), actioned_by: ctx.actor.label });
    // Marking missing sets the asset's "missing since" marker (not its status: not answering is not removed), and
    // the asset's own history carries the record; the other actions are recorded against the run (the asset change
    // is audited by assets).
    const onAsset = item.kind === 'missing' && item.asset_id;
    if (onAsset) await markAssetMissing(tx, ctx.orgId, item.asset_id!, result.scanFinishedAt!);
    return {
      result: undefined, action: item.kind === 'missing' ? 'mark-missing' : 'reconcile',
      objectType: onAsset ? 'asset' : 'discovery-run', objectId: onAsset ? item.asset_id : runId,
      summary: result.summary, after: { run: runId, item: itemId, kind: item.kind, outcome: result.outcome, asset: result.assetId },
    };
  });
  return getItem(ctx, runId, itemId);
}

const gone = () => new AppError(409, 'asset_gone', 'The asset has been deleted since this scan; there is nothing to update');

async function perform(ctx: OrgContext, runId: string, item: DiscoveryItemsTable): Promise<Outcome> {
  const detail = JSON.parse(item.detail_json) as Record<string, any>;
  const run = await getRun(ctx, runId);
  const when = run.finishedAt.slice(0, 10);
  if (item.kind === 'new') {
    const device = item.device_id ? await repo.findDevice(ctx.db, ctx.orgId, item.device_id) : undefined;
    if (!device) throw notFound('Discovered device');
    // Already there (added by hand since the scan, or by an earlier click whose request died)? Link, don't duplicate.
    const fields = evidenceFields(device);
    const observation: Observation = { evidence: networkEvidence(JSON.parse(device.device_json)), seenAt: run.finishedAt, address: device.address, runId };
    const existing = (fields.mac && (await repo.assetsMatching(ctx.db, ctx.orgId, 'mac', [fields.mac]))[0])
      || (fields.serial && (await repo.assetsMatching(ctx.db, ctx.orgId, 'serial', [fields.serial]))[0]);
    if (existing) {
      await ctx.db.transaction().execute(async (tx) => {
        const changed = await recordObservations(tx, ctx.orgId, [{ assetId: existing.id, observation }]);
        for (const a of await repo.assetRows(tx, ctx.orgId, [...changed.keys()])) await evaluateAsset(tx, ctx, a, observation);
      });
      return { outcome: 'linked', summary: `Already in the register as ${describe(existing as any)}`, assetId: existing.id };
    }
    const asset = await createAsset(ctx, {
      kind: detail.kind ?? 'camera', manufacturer: device.brand ? device.brand.slice(0, 200) : null, ...fields, ip: device.address,
      status: 'in-service', notes: `Added from discovery: seen at ${device.address} by the scan of ${when}.`,
    }, { observed: observation });
    return { outcome: 'added', summary: `Added ${describe(asset)} at ${device.address} from the scan of ${when}`, assetId: asset.id };
  }
  if (!item.asset_id) throw gone();
  const current = await findAssetRow(ctx, item.asset_id);
  if (!current) throw gone();
  if (item.kind === 'changed') {
    const changes = detail.changes as FieldChange[];
    const patch = Object.fromEntries(changes.map((c) => [c.field, c.seen]));
    const asset = await updateAsset(ctx, current.id, patch);
    const words = changes.map((c) => `${c.field === 'ip' ? 'IP' : c.field === 'mac' ? 'MAC' : 'firmware'} ${c.register ?? 'not recorded'} → ${c.seen}`).join('; ');
    return { outcome: 'updated', summary: `Updated ${describe(asset)}: ${words}`, assetId: asset.id };
  }
  if (item.kind === 'provenance') {
    const fill = Object.fromEntries(Object.entries(detail.fill as Record<string, string>).filter(([k]) => !current[k as 'mac' | 'model' | 'firmware' | 'serial']));
    const line = `Discovery (scan of ${when}) identified the maker as ${detail.seenOriginName ?? detail.seenOrigin} (confidence ${Math.round(Number(detail.confidence) * 100)}%): ${(detail.evidence as string[]).join('; ')}`.slice(0, 1000);
    const notes = current.notes ? `${current.notes}\n${line}` : line;
    const asset = await updateAsset(ctx, current.id, { ...fill, ...(notes.length <= 5000 ? { notes } : {}) });
    const applied = Object.keys(fill);
    return { outcome: 'updated', summary: `Applied discovery evidence to ${describe(asset)}${applied.length ? ` (${applied.join(', ')})` : ''}: maker seen as ${detail.seenOriginName ?? detail.seenOrigin}`, assetId: asset.id };
  }
  // A scan that finished after this one saw it: it is not missing (the click came late, from an older run).
  if (current.last_seen_at && current.last_seen_at >= run.finishedAt) {
    throw new AppError(409, 'seen_since', `A later scan (${current.last_seen_at.slice(0, 10)}) has seen this asset on the network, so it is not missing; nothing was changed`);
  }
  return { outcome: 'marked-missing', summary: `Not seen on the network at ${detail.ip} by the scan of ${when}: ${describe({ kind: current.kind as any, manufacturer: current.manufacturer, model: current.model, serial: current.serial })} marked missing`, assetId: current.id, scanFinishedAt: run.finishedAt };
}

