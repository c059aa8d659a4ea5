/** Row types of the maintenance area's tables; merged into the database type in src/platform/schema.ts. */

export interface MaintenanceSchedulesTable {
  id: string; org_id: string; title: string; target_type: string; site_id: string | null; system_id: string | null; asset_id: string | null;
  rrule: string; start_date: string; assignee_user_id: string | null; checklist_json: string; lead_days: number; template: string | null;
  active: number; notes: string | null; created_at: string; updated_at: string;
}

export interface MaintenanceVisitsTable {
  id: string; org_id: string; schedule_id: string | null; occurrence_date: string | null; target_type: string;
  site_id: string | null; system_id: string | null; asset_id: string | null; status: string; visit_date: string;
  engineer_user_id: string | null; engineer_label: string; checklist_json: string; faults: string | null; notes: string | null;
  document_ids_json: string; asset_updates_json: string; next_due_date: string | null; created_by: string; created_at: string; updated_at: string;
}

export interface MaintenanceFeedsTable {
  id: string; org_id: string | null; user_id: string; assigned_only: number; label: string; token_hash: string;
  created_at: string; last_used_at: string | null; revoked_at: string | null;
}

export interface MaintenanceTables {
  maintenance_schedules: MaintenanceSchedulesTable;
  maintenance_visits: MaintenanceVisitsTable;
  maintenance_feeds: MaintenanceFeedsTable;
}
