/** Row type of the background job table (the database-backed queue in src/platform/jobs.ts). */
export interface JobsTable {
  id: string;
  name: string;
  org_id: string | null;
  payload_json: string;
  /** queued → running → done | failed; a failed attempt with attempts left goes back to queued with a later run_at. */
  state: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  max_attempts: number;
  run_at: string;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  result_json: string | null;
  /** At most one job ever exists per key (e.g. one periodic tick per time slot across all app instances). */
  singleton_key: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface JobsTables { jobs: JobsTable }
