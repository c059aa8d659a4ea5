import type { Readable } from 'node:stream';
import { requirePermission, type OrgContext } from '../../platform/context';
import { parseInput } from '../../platform/errors';
import { toListItem } from '../assets/repo';
import { listFindings } from '../findings/service';
import { remediationPlan, type PlanLine } from '../plan/service';
import { assetBatches, assetRowObject, AT, type AssetRow } from './repo';
import { CONTENT_TYPES, writeCsv, writeJson, writeXlsx, type ExportColumn, type ExportFormat } from './formats';
import { exportQueries, type ExportKind } from './schemas';

/**
 * Rows read from the database per query: enough to amortise the query, few enough that a batch dies young (with
 * two batches alive, larger ones survive into the old generation and the collector's work grows: measured on a
 * million-row CSV export, 1,000 was faster than 2,000 or 5,000 on SQLite and as fast on PostgreSQL).
 */
export const EXPORT_BATCH = 1000;

/**
 * The asset register's columns. The headings are the ones the importer recognises, and every field a person
 * can set is here, so an export imported into an empty organisation rebuilds the register (sites, networks
 * and systems by name). The Sightline id comes first for people matching rows back to the app.
 */
export const ASSET_COLUMNS: ExportColumn<AssetRow>[] = [
  { header: 'Asset ID', value: (a) => a[AT.id], width: 38 },
  { header: 'Kind', value: (a) => a[AT.kind] },
  { header: 'Manufacturer', value: (a) => a[AT.manufacturer], width: 18 },
  { header: 'Model', value: (a) => a[AT.model], width: 22 },
  { header: 'Serial', value: (a) => a[AT.serial], width: 20 },
  { header: 'MAC address', value: (a) => a[AT.mac], width: 19 },
  { header: 'IP address', value: (a) => a[AT.ip], width: 16 },
  { header: 'Firmware', value: (a) => a[AT.firmware], width: 22 },
  { header: 'Site', value: (a) => a[AT.site_name], width: 24 },
  { header: 'Network', value: (a) => a[AT.network_name], width: 18 },
  { header: 'System', value: (a) => a[AT.system_name], width: 18 },
  { header: 'Status', value: (a) => a[AT.status], width: 14 },
  { header: 'Install date', type: 'date', value: (a) => a[AT.install_date], width: 12 },
  { header: 'Warranty end', type: 'date', value: (a) => a[AT.warranty_end], width: 12 },
  { header: 'Location', value: (a) => a[AT.location], width: 24 },
  { header: 'Notes', value: (a) => a[AT.notes], width: 40 },
];

type FindingItem = Awaited<ReturnType<typeof listFindings>>['items'][number];

export const FINDING_COLUMNS: ExportColumn<FindingItem>[] = [
  { header: 'Finding ID', value: (f) => f.id, width: 38 },
  { header: 'Severity', value: (f) => f.severity },
  { header: 'Status', value: (f) => f.status },
  { header: 'Rule', value: (f) => f.rule, width: 28 },
  { header: 'Title', value: (f) => f.title, width: 40 },
  { header: 'Action', value: (f) => f.action, width: 40 },
  { header: 'Detail', value: (f) => f.detail, width: 40 },
  { header: 'Asset ID', value: (f) => f.asset.id, width: 38 },
  { header: 'Kind', value: (f) => f.asset.kind },
  { header: 'Manufacturer', value: (f) => f.asset.manufacturer, width: 18 },
  { header: 'Model', value: (f) => f.asset.model, width: 22 },
  { header: 'Serial', value: (f) => f.asset.serial, width: 20 },
  { header: 'Site', value: (f) => f.site?.name, width: 24 },
  { header: 'Source', value: (f) => f.citation.source, width: 30 },
  { header: 'Reference', value: (f) => f.citation.reference, width: 20 },
  { header: 'First seen', type: 'datetime', value: (f) => f.firstSeenAt, width: 20 },
  { header: 'Last seen', type: 'datetime', value: (f) => f.lastSeenAt, width: 20 },
  { header: 'Resolved at', type: 'datetime', value: (f) => f.resolvedAt, width: 20 },
  { header: 'Resolution', value: (f) => f.resolution, width: 30 },
  { header: 'Accepted reason', value: (f) => f.acceptedReason, width: 30 },
  { header: 'Accepted by', value: (f) => f.acceptedBy, width: 20 },
  { header: 'Review date', type: 'date', value: (f) => f.reviewDate, width: 12 },
];

export const PLAN_COLUMNS: ExportColumn<PlanLine>[] = [
  { header: 'Order', type: 'number', value: (l) => l.order },
  { header: 'Priority', value: (l) => l.tierLabel, width: 40 },
  { header: 'Asset ID', value: (l) => l.assetId, width: 38 },
  { header: 'Kind', value: (l) => l.kind },
  { header: 'Manufacturer (as labelled)', value: (l) => l.manufacturer, width: 18 },
  { header: 'Model', value: (l) => l.model, width: 22 },
  { header: 'Serial', value: (l) => l.serial, width: 20 },
  { header: 'Real origin', value: (l) => l.origin ?? 'unknown', width: 18 },
  { header: 'Site', value: (l) => l.site, width: 24 },
  { header: 'Network', value: (l) => l.network, width: 18 },
  { header: 'Worst severity', value: (l) => l.worstSeverity },
  { header: 'Rules', value: (l) => l.rules.join(' '), width: 40 },
  { header: 'Unit cost (GBP)', type: 'number', value: (l) => l.unitPence / 100 },
  { header: 'Cumulative cost (GBP)', type: 'number', value: (l) => l.cumulativePence / 100 },
  { header: 'Within budget', value: (l) => (l.withinBudget === null ? null : l.withinBudget ? 'yes' : 'no') },
];

/** Every finding matching the filters, newest first, a page at a time by the findings list's own keyset. */
async function* findingBatches(ctx: OrgContext, q: Record<string, unknown>): AsyncGenerator<FindingItem[]> {
  let cursor: string | undefined;
  for (;;) {
    const page = await listFindings(ctx, { ...q, limit: 500, ...(cursor ? { cursor } : {}) });
    if (page.items.length) yield page.items;
    if (!page.next) return;
    cursor = page.next;
  }
}

/**
 * The plan is ordered and priced as a whole (running totals against the budget), so it is computed by the plan
 * service and then written out in batches.
 */
async function* planBatches(ctx: OrgContext, q: Record<string, unknown>): AsyncGenerator<PlanLine[]> {
  const { lines } = await remediationPlan(ctx, q);
  for (let i = 0; i < lines.length; i += EXPORT_BATCH) yield lines.slice(i, i + EXPORT_BATCH);
}

export interface ExportFile { filename: string; contentType: string; body: Readable }

function write<T>(format: ExportFormat, columns: ExportColumn<T>[], toJson: (row: T) => unknown, batches: AsyncIterable<T[]>, sheet: string): Readable {
  if (format === 'csv') return writeCsv(columns, batches);
  if (format === 'xlsx') return writeXlsx(columns, batches, sheet);
  return writeJson(toJson, batches);
}

/**
 * Starts an export: the filters are checked first (a bad filter is a 422, not a broken download), then the
 * file is produced as a stream that reads the database only as fast as the reader takes the bytes.
 */
export function exportFile(ctx: OrgContext, what: ExportKind, format: ExportFormat, query: unknown): ExportFile {
  requirePermission(ctx, 'estate:read');
  const filename = `${ctx.orgSlug}-${what === 'plan' ? 'remediation-plan' : what}-${new Date().toISOString().slice(0, 10)}.${format}`;
  const contentType = CONTENT_TYPES[format];
  const same = <T>(row: T) => row;
  let body: Readable;
  if (what === 'assets') {
    const f = parseInput(exportQueries.assets, query ?? {});
    body = write(format, ASSET_COLUMNS, (r) => toListItem(assetRowObject(r)), assetBatches(ctx.db, ctx.orgId, { ...f, limit: EXPORT_BATCH }, EXPORT_BATCH), 'Assets');
  } else if (what === 'findings') {
    const q = parseInput(exportQueries.findings, query ?? {});
    body = write(format, FINDING_COLUMNS, same, findingBatches(ctx, q), 'Findings');
  } else {
    const q = parseInput(exportQueries.plan, query ?? {});
    body = write(format, PLAN_COLUMNS, same, planBatches(ctx, q), 'Remediation plan');
  }
  return { filename, contentType, body };
}
