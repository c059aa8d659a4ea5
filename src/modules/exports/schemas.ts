import { assetListQuery } from '../assets/schemas';
import { findingListQuery } from '../findings/schemas';
import { planQuery } from '../plan/schemas';

// The choices live here, away from the writers (which load ExcelJS), so the CLI can offer them without loading it.
export const EXPORT_FORMATS = ['csv', 'xlsx', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_KINDS = ['assets', 'findings', 'plan'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** Filters of each export: the same as its list (without paging), so an export matches what the list shows. */
export const exportQueries = {
  assets: assetListQuery.omit({ cursor: true, limit: true }),
  findings: findingListQuery.omit({ cursor: true, limit: true }),
  plan: planQuery,
} as const;

export const EXPORT_TITLES: Record<ExportKind, string> = { assets: 'asset register', findings: 'findings', plan: 'remediation plan' };
