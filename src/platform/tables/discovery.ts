/** Row types of the discovery area's tables; merged into the database type in src/platform/schema.ts. */

/** An address range an administrator allowed discovery to scan (the scope guard for scans and credentials). */
export interface DiscoveryRangesTable {
  id: string;
  org_id: string;
  /** Canonical IPv4 CIDR, e.g. 10.20.0.0/16. */
  cidr: string;
  label: string | null;
  /** 1 when the range is not private address space (an administrator confirmed it anyway). */
  public_space: number;
  created_at: string;
  created_by: string;
}

/** A device login for ONVIF probes; the password is sealed with AES-256-GCM (see secrets.ts), never stored in clear. */
export interface DiscoveryCredentialsTable {
  id: string;
  org_id: string;
  name: string;
  name_key: string;
  username: string;
  /** "v1.<key id>.<iv>.<tag>.<ciphertext>", bound to the organisation and credential id. */
  password_sealed: string;
  created_at: string;
  updated_at: string;
}

/** Which allowed ranges a credential may be sent to. */
export interface DiscoveryCredentialRangesTable {
  org_id: string;
  credential_id: string;
  range_id: string;
}

/** A scan on a timetable, run by the server's job worker. */
export interface DiscoverySchedulesTable {
  id: string;
  org_id: string;
  name: string;
  targets_json: string;
  ports_json: string;
  /** Connection attempts per second. */
  rate: number;
  cadence: 'hourly' | 'daily' | 'weekly';
  credential_name: string | null;
  enabled: number;
  /** Slots are counted from here, so schedules made at different times do not all fire at midnight. */
  anchor_at: string;
  last_run_id: string | null;
  last_status: string | null;
  last_error: string | null;
  last_run_at: string | null;
  created_at: string;
  updated_at: string;
}

/** One scan's results as received (uploaded by `sightline discover` or produced by a schedule). */
export interface DiscoveryRunsTable {
  id: string;
  org_id: string;
  source: 'upload' | 'schedule';
  schedule_id: string | null;
  actor_label: string;
  /** 'stored', or 'refused' / 'failed' for a scheduled scan that did not run (error says why). */
  status: string;
  error: string | null;
  started_at: string;
  finished_at: string;
  targets_json: string;
  ports_json: string;
  hosts_scanned: number;
  interrupted: number;
  device_count: number;
  /** Devices the server would not accept: [{address, reason}]. */
  refused_json: string;
  /** Reconciliation counts by kind. */
  summary_json: string;
  created_at: string;
}

export interface DiscoveryDevicesTable {
  id: string;
  org_id: string;
  run_id: string;
  address: string;
  mac: string | null;
  brand: string | null;
  model: string | null;
  firmware: string | null;
  serial: string | null;
  /** The server's own verdict (identify() with the organisation's catalogue), not the uploader's. */
  origin: string | null;
  nil_subject: number | null;
  confidence: number;
  verdict_json: string;
  /** The device record as received (bounded by the upload schema). */
  device_json: string;
  seen_at: string;
}

export type ReconciliationKind = 'new' | 'missing' | 'changed' | 'provenance';

/** One difference between the network and the register, with the one action that settles it. */
export interface DiscoveryItemsTable {
  id: string;
  org_id: string;
  run_id: string;
  kind: ReconciliationKind;
  device_id: string | null;
  asset_id: string | null;
  detail_json: string;
  /** null until acted on; 'working' while an action holds the item; then 'added' | 'updated' | 'marked-missing'. */
  outcome: string | null;
  outcome_summary: string | null;
  outcome_asset_id: string | null;
  actioned_at: string | null;
  actioned_by: string | null;
}

/**
 * What the network last said about an asset beyond the register's own fields (web and RTSP banners, realms, ONVIF
 * answers, scopes, TLS, favicon hashes…), from the newest scan that matched the device to it or added it. The
 * provenance engine reads it beside the register's fields whenever the asset is evaluated.
 */
export interface AssetObservationsTable {
  asset_id: string;
  org_id: string;
  /** The scan run that saw it (null if that run was deleted). */
  run_id: string | null;
  address: string;
  /** The network fields of DeviceEvidence (see provenance/observations.ts networkEvidence). */
  evidence_json: string;
  /** The scan's finish time: an older scan never replaces a newer one's observation. */
  seen_at: string;
}

export interface DiscoveryTables {
  discovery_ranges: DiscoveryRangesTable;
  discovery_credentials: DiscoveryCredentialsTable;
  discovery_credential_ranges: DiscoveryCredentialRangesTable;
  discovery_schedules: DiscoverySchedulesTable;
  discovery_runs: DiscoveryRunsTable;
  discovery_devices: DiscoveryDevicesTable;
  discovery_items: DiscoveryItemsTable;
  asset_observations: AssetObservationsTable;
}
