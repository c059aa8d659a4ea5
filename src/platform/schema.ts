import type { ImportsTables } from './tables/imports';
import type { DocumentsTables } from './tables/documents';
import type { DiscoveryTables } from './tables/discovery';
import type { ComplianceTables } from './tables/compliance';
import type { DpiaTables } from './tables/dpia';
import type { MaintenanceTables } from './tables/maintenance';
import type { RemindersTables } from './tables/reminders';
import type { JobsTables } from './jobs-tables';
// Row types for Kysely. Timestamps are ISO-8601 UTC text and dates are YYYY-MM-DD text on both databases,
// and flags are 0/1 integers, so the same rows come back from SQLite and PostgreSQL.

export interface OrganisationsTable { id: string; slug: string; name: string; created_at: string }

export interface UsersTable {
  id: string; email: string; name: string; password_hash: string;
  must_change_password: number; disabled: number; created_at: string;
}

export interface MembershipsTable { user_id: string; org_id: string; role: string; created_at: string }

export interface SessionsTable {
  id: string; user_id: string; current_org_id: string | null; csrf_token: string;
  created_at: string; expires_at: string; last_seen_at: string; revoked_at: string | null;
  user_agent: string | null; ip: string | null;
}

export interface ApiTokensTable {
  id: string; org_id: string; name: string; role: string; token_hash: string;
  created_at: string; created_by: string; last_used_at: string | null; revoked_at: string | null;
}

export interface SitesTable {
  id: string; org_id: string; name: string; name_key: string; address: string | null; postcode: string | null;
  latitude: number | null; longitude: number | null; sensitive: number; sensitive_reason: string | null;
  site_type: string; created_at: string; updated_at: string;
}

export interface NetworksTable {
  id: string; org_id: string; name: string; name_key: string; kind: string; cidrs: string;
  created_at: string; updated_at: string;
}

export interface NetworkSitesTable { org_id: string; network_id: string; site_id: string }

export interface SystemsTable {
  id: string; org_id: string; name: string; name_key: string; purpose: string; owner: string; operator: string | null;
  retention_days: number; created_at: string; updated_at: string;
}

export interface SystemSitesTable { org_id: string; system_id: string; site_id: string }

export interface AssetsTable {
  id: string; org_id: string; kind: string; manufacturer: string | null; manufacturer_key: string;
  model: string | null; model_key: string; serial: string | null; firmware: string | null; mac: string | null;
  ip: string | null; network_id: string | null; site_id: string | null; system_id: string | null;
  install_date: string | null; warranty_end: string | null; status: string; location: string | null;
  notes: string | null; search_text: string; created_at: string; updated_at: string;
  /** Added by the imports migration (0004): the organisation's own key, and the original text of normalised cells. */
  external_key?: string | null; import_original_json?: string | null;
  /** Added by 0011: the date of the discovery scan after which someone marked the asset missing (null once seen again). */
  missing_since?: string | null;
  /** Added by 0011: when a discovery scan last saw the asset (the scan's finish time). */
  last_seen_at?: string | null;
}

export interface AuditEventsTable {
  id: string; org_id: string | null; at: string; actor_type: string; actor_id: string | null; actor_label: string;
  action: string; object_type: string; object_id: string | null; summary: string;
  before_json: string | null; after_json: string | null;
}

export interface AssetProvenanceTable {
  asset_id: string; org_id: string; origin: string | null; nil_subject: number | null; confidence: number;
  evidence_json: string; conflicts_json: string; catalogue_version: string; evaluated_at: string;
  /** Added by 0013: the platform the verdict named (Verdict.platform as JSON), when it named one. */
  platform_json?: string | null;
}

export interface FindingsTable {
  id: string; org_id: string; asset_id: string; rule: string; rule_version: number; severity: string; status: string;
  /** The rule's parameters for this device (FindingParams as JSON); the words are rendered from the rule on read (0014). */
  params_json: string; catalogue_version: string;
  first_seen_at: string; last_seen_at: string; resolved_at: string | null; resolution: string | null;
  accepted_reason: string | null; accepted_by: string | null; accepted_at: string | null; review_date: string | null;
}

export interface ReplacementCostsTable { org_id: string; kind: string; unit_cost_pence: number; updated_at: string }

export interface AssessmentRunsTable {
  id: string; org_id: string; started_at: string; finished_at: string; actor_label: string; catalogue_version: string;
  summary_json: string; changes_json: string;
}

export interface OrganisationProfilesTable {
  org_id: string; maintainer: string | null; contract_start: string | null; contract_end: string | null;
  annual_spend_pence: number | null; foi_contact: string | null; updated_at: string;
}

export interface CatalogueOverridesTable {
  id: string; org_id: string; brand_name: string; brand_key: string; company: string; basis: string; created_by: string; created_at: string;
}

export interface DB extends JobsTables, ImportsTables, DocumentsTables, DiscoveryTables, ComplianceTables, DpiaTables, MaintenanceTables, RemindersTables {
  catalogue_overrides: CatalogueOverridesTable;
  organisation_profiles: OrganisationProfilesTable;
  assessment_runs: AssessmentRunsTable;
  replacement_costs: ReplacementCostsTable;
  asset_provenance: AssetProvenanceTable;
  findings: FindingsTable;
  organisations: OrganisationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  sites: SitesTable;
  networks: NetworksTable;
  network_sites: NetworkSitesTable;
  systems: SystemsTable;
  system_sites: SystemSitesTable;
  assets: AssetsTable;
  audit_events: AuditEventsTable;
}
