import { z } from 'zod';

/** What a spreadsheet column can fill. `ignore` leaves the column out. */
export const IMPORT_FIELDS = [
  'kind', 'manufacturer', 'model', 'serial', 'firmware', 'mac', 'ip', 'site', 'network', 'system',
  'installDate', 'warrantyEnd', 'status', 'location', 'notes', 'externalKey', 'ignore',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export const FIELD_LABELS: Record<ImportField, string> = {
  kind: 'Kind of device', manufacturer: 'Manufacturer (as labelled)', model: 'Model', serial: 'Serial number',
  firmware: 'Firmware version', mac: 'MAC address', ip: 'IP address', site: 'Site (matched by name)',
  network: 'Network (matched by name)', system: 'System (matched by name)', installDate: 'Install date',
  warrantyEnd: 'Warranty end date', status: 'Status', location: 'Location at the site', notes: 'Notes',
  externalKey: 'Your asset number or tag', ignore: 'Do not import',
};

/** Fields that several columns may fill (their values are joined); every other field takes one column at most. */
export const MULTI_FIELDS = new Set<ImportField>(['notes', 'ignore']);

/** A mapping as the API, the CLI's --mapping file and the page send it: heading → field. */
export const mappingSchema = z.record(
  z.string().max(200, 'Headings must be 200 characters or fewer'),
  z.enum(IMPORT_FIELDS, { error: `Map each heading to one of: ${IMPORT_FIELDS.join(', ')}` }),
).refine((m) => Object.keys(m).length <= 200, 'A mapping has at most 200 headings');

export interface ImportError { row: number; column: string; reason: string }

/** One way a value was rewritten, with how many rows it happened in (the original text is kept on the asset). */
export interface Normalisation { column: string; original: string; value: string; rows: number }

/**
 * What an import did (or, for a dry run, would do). Row numbers are spreadsheet row numbers (the heading row
 * is row 1), so a person can go straight to the cell.
 */
export interface ImportReport {
  runId: string | null;
  file: string;
  format: 'csv' | 'xlsx';
  encoding: string | null;
  delimiter: string | null;
  sheet: string | null;
  dryRun: boolean;
  /** True when the register was changed (not a dry run, and no errors). */
  written: boolean;
  /** Data rows read (blank rows are not counted). */
  rows: number;
  added: number;
  updated: number;
  unchanged: number;
  /** Assets already in the register that no row of the file matched (they are left as they are). */
  notInFile: number;
  sitesCreated: number;
  /** Sites the file names that do not exist yet (created when createSites is set; row errors otherwise). */
  newSites: string[];
  findingsOpened: number;
  /** Every error up to ERROR_CAP; errorCount is the full number. */
  errors: ImportError[];
  errorCount: number;
  normalised: Normalisation[];
  mapping: Record<string, ImportField>;
  seconds: number;
}

export interface ImportInput {
  path: string; originalName?: string; sheet?: string; mapping?: Record<string, string>; createSites?: boolean; dryRun?: boolean;
}

export interface ImportProgress { phase: string; done: number; total: number | null }

export const runOut = z.object({
  id: z.string(), state: z.enum(['uploaded', 'previewing', 'previewed', 'importing', 'done', 'failed']), fileName: z.string(),
  createdAt: z.string(), createdBy: z.string(), phase: z.string().nullable(), rowsRead: z.number(), rowsWritten: z.number(),
  finishedAt: z.string().nullable(), error: z.string().nullable(),
});

export const runListQuery = z.object({
  before: z.string().max(64).optional().describe('The `next` value of the previous page'),
}).strict();

export const uploadFields = z.object({
  mapping: z.string().max(64 * 1024).optional(),
  sheet: z.string().max(200).optional(),
  createSites: z.enum(['true', 'false']).optional(),
  dryRun: z.enum(['true', 'false']).optional(),
}).strict();
