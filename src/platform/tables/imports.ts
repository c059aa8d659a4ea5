/** Row types of the imports area's tables; merged into the database type in src/platform/schema.ts. */

/**
 * One spreadsheet brought in: the stored file, the mapping chosen for it, and what happened. A run is first
 * previewed (a dry run, as a job), then confirmed and imported (another job); `state` follows that flow.
 */
export interface ImportRunsTable {
  id: string; org_id: string; created_at: string; updated_at: string; created_by: string;
  file_name: string; file_size: number; file_kind: string;
  /** Where the upload is kept, relative to DATA_DIR/imports (null for command-line imports, which read the user's file). */
  stored_name: string | null;
  sheet: string | null;
  /** Heading → field, as chosen for this run (JSON). */
  mapping_json: string;
  create_sites: number;
  /** uploaded → previewing → previewed → importing → done | failed */
  state: string;
  phase: string | null;
  rows_total: number | null; rows_read: number; rows_validated: number; rows_written: number;
  /** The dry run's report and the import's report (JSON, ImportReport). */
  preview_json: string | null;
  report_json: string | null;
  error: string | null;
  finished_at: string | null;
}

/** An organisation's saved column mapping: a heading (compared case- and space-insensitively) and the field it fills. */
export interface ImportMappingsTable {
  org_id: string; heading_key: string; heading: string; field: string; updated_at: string; updated_by: string;
}

export interface ImportsTables {
  import_runs: ImportRunsTable;
  import_mappings: ImportMappingsTable;
}
