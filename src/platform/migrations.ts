import { Kysely, Migration, MigrationProvider, Migrator, sql } from 'kysely';
import type { DbKind } from './config';
import { up as importsUp } from './tables/imports-migration';
import { up as documentsUp } from './tables/documents-migration';
import { up as discoveryUp, upMissing as assetMissingUp, upObservations as assetObservationsUp } from './tables/discovery-migration';
import { up as complianceUp } from './tables/compliance-migration';
import { up as dpiaUp } from './tables/dpia-migration';
import { up as maintenanceUp } from './tables/maintenance-migration';
import { up as remindersUp } from './tables/reminders-migration';
import { derivedTextUp } from './tables/findings-migration';

// One migration set for both databases. Only portable column types are used (text, integer,
// double precision), so the schema-parity test can compare SQLite and PostgreSQL column by column.

export type Up = (db: Kysely<any>, kind: DbKind) => Promise<void>;

const ts = (c: any) => c.notNull();

const m0001: Up = async (db, kind) => {
  await db.schema.createTable('organisations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', ts)
    .execute();

  await db.schema.createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', ts)
    .execute();

  await db.schema.createTable('memberships')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin','manager','engineer','viewer')`))
    .addColumn('created_at', 'text', ts)
    .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'org_id'])
    .execute();
  await db.schema.createIndex('memberships_org_idx').on('memberships').columns(['org_id']).execute();

  await db.schema.createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('current_org_id', 'text', (c) => c.references('organisations.id').onDelete('set null'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', ts)
    .addColumn('expires_at', 'text', ts)
    .addColumn('last_seen_at', 'text', ts)
    .addColumn('revoked_at', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('ip', 'text')
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').columns(['user_id']).execute();

  await db.schema.createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin','manager','engineer','viewer')`))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', ts)
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_tokens_org_idx').on('api_tokens').columns(['org_id']).execute();

  await db.schema.createTable('sites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('postcode', 'text')
    .addColumn('latitude', 'double precision')
    .addColumn('longitude', 'double precision')
    .addColumn('sensitive', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sensitive_reason', 'text')
    .addColumn('site_type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', ts)
    .addColumn('updated_at', 'text', ts)
    .execute();
  await db.schema.createIndex('sites_org_name_uq').on('sites').columns(['org_id', 'name_key']).unique().execute();

  await db.schema.createTable('networks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('core','isolated','internet-facing','standalone')`))
    .addColumn('cidrs', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', ts)
    .addColumn('updated_at', 'text', ts)
    .execute();
  await db.schema.createIndex('networks_org_name_uq').on('networks').columns(['org_id', 'name_key']).unique().execute();

  await db.schema.createTable('network_sites')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('network_id', 'text', (c) => c.notNull().references('networks.id').onDelete('cascade'))
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('network_sites_pk', ['network_id', 'site_id'])
    .execute();
  await db.schema.createIndex('network_sites_site_idx').on('network_sites').columns(['site_id']).execute();

  await db.schema.createTable('systems')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('operator', 'text')
    .addColumn('retention_days', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', ts)
    .addColumn('updated_at', 'text', ts)
    .execute();
  await db.schema.createIndex('systems_org_name_uq').on('systems').columns(['org_id', 'name_key']).unique().execute();

  await db.schema.createTable('system_sites')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('system_id', 'text', (c) => c.notNull().references('systems.id').onDelete('cascade'))
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('system_sites_pk', ['system_id', 'site_id'])
    .execute();
  await db.schema.createIndex('system_sites_site_idx').on('system_sites').columns(['site_id']).execute();

  await db.schema.createTable('assets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('camera','nvr','dvr','encoder','vms-server','switch','other')`))
    .addColumn('manufacturer', 'text')
    .addColumn('manufacturer_key', 'text', (c) => c.notNull())
    .addColumn('model', 'text')
    .addColumn('model_key', 'text', (c) => c.notNull())
    .addColumn('serial', 'text')
    .addColumn('firmware', 'text')
    .addColumn('mac', 'text')
    .addColumn('ip', 'text')
    .addColumn('network_id', 'text', (c) => c.references('networks.id').onDelete('set null'))
    .addColumn('site_id', 'text', (c) => c.references('sites.id').onDelete('set null'))
    .addColumn('system_id', 'text', (c) => c.references('systems.id').onDelete('set null'))
    .addColumn('install_date', 'text')
    .addColumn('warranty_end', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('in-service','faulty','removed','replacement-planned')`))
    .addColumn('location', 'text')
    .addColumn('notes', 'text')
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', ts)
    .addColumn('updated_at', 'text', ts)
    .execute();
  // Keyset pages stay fast at a million rows because each sort (see assets/repo.ts SORT_COLUMNS), and each
  // filter under the default manufacturer sort, reads an index that is already in the page's order.
  const assetIndexes: Record<string, string[]> = {
    assets_org_id_idx: ['org_id', 'id'],
    assets_org_manufacturer_idx: ['org_id', 'manufacturer_key', 'id'],
    assets_org_model_idx: ['org_id', 'model_key', 'id'],
    assets_org_updated_idx: ['org_id', 'updated_at', 'id'],
    assets_org_status_idx: ['org_id', 'status', 'manufacturer_key', 'id'],
    assets_org_kind_idx: ['org_id', 'kind', 'manufacturer_key', 'id'],
    assets_org_site_idx: ['org_id', 'site_id', 'manufacturer_key', 'id'],
    assets_org_network_idx: ['org_id', 'network_id', 'manufacturer_key', 'id'],
    assets_org_system_idx: ['org_id', 'system_id', 'manufacturer_key', 'id'],
  };
  for (const [name, columns] of Object.entries(assetIndexes)) await db.schema.createIndex(name).on('assets').columns(columns).execute();
  await db.schema.createIndex('assets_org_serial_uq').on('assets').columns(['org_id', 'serial']).unique()
    .where(sql.ref('serial'), 'is not', null).execute();
  await db.schema.createIndex('assets_org_mac_idx').on('assets').columns(['org_id', 'mac']).execute();

  await db.schema.createTable('audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.references('organisations.id'))
    .addColumn('at', 'text', ts)
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('before_json', 'text')
    .addColumn('after_json', 'text')
    .execute();
  await db.schema.createIndex('audit_org_idx').on('audit_events').columns(['org_id', 'id']).execute();
  await db.schema.createIndex('audit_object_idx').on('audit_events').columns(['object_type', 'object_id', 'id']).execute();

  // The audit trail is append-only: the database itself refuses edits and deletions, whatever the application
  // does. (So an organisation with history cannot be hard-deleted either; that is deliberate.)
  if (kind === 'sqlite') {
    await sql`CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END`.execute(db);
    await sql`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END`.execute(db);
  } else {
    await sql`CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$`.execute(db);
    await sql`CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`.execute(db);
  }
};

// Provenance verdicts per asset (with the catalogue version that produced them) and policy findings with their
// lifecycle: open → accepted (a risk owner's decision, with a review date) → resolved (the asset changed).
const m0002: Up = async (db) => {
  await db.schema.createTable('asset_provenance')
    .addColumn('asset_id', 'text', (c) => c.primaryKey().references('assets.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('origin', 'text')
    .addColumn('nil_subject', 'integer')
    .addColumn('confidence', 'double precision', (c) => c.notNull())
    .addColumn('evidence_json', 'text', (c) => c.notNull())
    .addColumn('conflicts_json', 'text', (c) => c.notNull())
    .addColumn('catalogue_version', 'text', (c) => c.notNull())
    .addColumn('evaluated_at', 'text', ts)
    .execute();
  await db.schema.createIndex('asset_provenance_org_origin_idx').on('asset_provenance').columns(['org_id', 'origin']).execute();
  await db.schema.createIndex('asset_provenance_org_nil_idx').on('asset_provenance').columns(['org_id', 'nil_subject']).execute();

  await db.schema.createTable('findings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id').onDelete('cascade'))
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('rule_version', 'integer', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity in ('critical','high','medium','low','info')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open','accepted','resolved')`))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('citation_json', 'text', (c) => c.notNull())
    .addColumn('catalogue_version', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', ts)
    .addColumn('last_seen_at', 'text', ts)
    .addColumn('resolved_at', 'text')
    .addColumn('resolution', 'text')
    .addColumn('accepted_reason', 'text')
    .addColumn('accepted_by', 'text')
    .addColumn('accepted_at', 'text')
    .addColumn('review_date', 'text')
    .execute();
  // One finding per asset and rule: re-evaluation updates it (the audit trail keeps its history).
  await db.schema.createIndex('findings_asset_rule_uq').on('findings').columns(['org_id', 'asset_id', 'rule']).unique().execute();
  await db.schema.createIndex('findings_org_status_idx').on('findings').columns(['org_id', 'status', 'severity']).execute();

  // Each whole-estate assessment, with what changed since the previous one (e.g. after a catalogue update).
  await db.schema.createTable('assessment_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('started_at', 'text', ts)
    .addColumn('finished_at', 'text', ts)
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('catalogue_version', 'text', (c) => c.notNull())
    .addColumn('summary_json', 'text', (c) => c.notNull())
    .addColumn('changes_json', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('assessment_runs_org_idx').on('assessment_runs').columns(['org_id', 'id']).execute();

  // An organisation's own knowledge of who makes a brand ("our contract says brand X is made by Y").
  await db.schema.createTable('catalogue_overrides')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('brand_name', 'text', (c) => c.notNull())
    .addColumn('brand_key', 'text', (c) => c.notNull())
    .addColumn('company', 'text', (c) => c.notNull())
    .addColumn('basis', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', ts)
    .execute();
  await db.schema.createIndex('catalogue_overrides_org_brand_uq').on('catalogue_overrides').columns(['org_id', 'brand_key']).unique().execute();

  // Facts FOI requests ask for that the register cannot derive: who maintains the estate, the contract, the spend.
  await db.schema.createTable('organisation_profiles')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('organisations.id').onDelete('cascade'))
    .addColumn('maintainer', 'text')
    .addColumn('contract_start', 'text')
    .addColumn('contract_end', 'text')
    .addColumn('annual_spend_pence', 'integer')
    .addColumn('foi_contact', 'text')
    .addColumn('updated_at', 'text', ts)
    .execute();

  // What replacing one device of each kind costs this organisation (whole pence), for the remediation plan.
  await db.schema.createTable('replacement_costs')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('unit_cost_pence', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', ts)
    .addPrimaryKeyConstraint('replacement_costs_pk', ['org_id', 'kind'])
    .execute();
};

// 0003: the database-backed job queue shared by imports, scheduled discovery and reminders.
const m0003: Up = async (db) => {
  await db.schema.createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.references('organisations.id').onDelete('cascade'))
    .addColumn('payload_json', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('queued','running','done','failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('result_json', 'text')
    .addColumn('singleton_key', 'text', (c) => c.unique())
    .addColumn('created_at', 'text', ts)
    .addColumn('updated_at', 'text', ts)
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('jobs_due_idx').on('jobs').columns(['state', 'run_at']).execute();
  await db.schema.createIndex('jobs_org_idx').on('jobs').columns(['org_id', 'name', 'created_at']).execute();
};

// Child keys that point at assets get an index of their own. Without one, deleting an asset makes the database
// look for its findings (and visits, links, discovery items) by scanning the whole child table: measured at
// 100,000 findings, 36 ms per asset delete on SQLite and 8 ms on PostgreSQL, against 0.2 and 0.4 ms with the index
// (bench/asset-delete.ts). The (org_id, asset_id, …) indexes do not serve: the cascade looks by asset_id alone.
const m0012: Up = async (db) => {
  await db.schema.createIndex('findings_asset_idx').on('findings').columns(['asset_id']).execute();
  await db.schema.createIndex('discovery_items_asset_idx').on('discovery_items').columns(['asset_id']).execute();
  await db.schema.createIndex('discovery_items_outcome_asset_idx').on('discovery_items').columns(['outcome_asset_id']).execute();
  await db.schema.createIndex('maintenance_schedules_asset_idx').on('maintenance_schedules').columns(['asset_id']).execute();
  await db.schema.createIndex('maintenance_visits_asset_idx').on('maintenance_visits').columns(['asset_id']).execute();
  await db.schema.createIndex('document_links_asset_idx').on('document_links').columns(['asset_id']).execute();
};

const all: Record<string, Up> = {
  '0001_estate_register': m0001,
  '0002_provenance_findings': m0002,
  '0003_jobs': m0003,
  '0004_imports': importsUp,
  '0005_documents': documentsUp,
  '0006_discovery': discoveryUp,
  '0007_compliance': complianceUp,
  '0008_dpia': dpiaUp,
  '0009_maintenance': maintenanceUp,
  '0010_reminders': remindersUp,
  '0011_asset_missing': assetMissingUp,
  '0012_asset_child_indexes': m0012,
  '0013_asset_observations': assetObservationsUp,
  '0014_derived_text_once': derivedTextUp,
};

class CodeMigrations implements MigrationProvider {
  constructor(private kind: DbKind) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, up] of Object.entries(all)) out[name] = { up: (db) => up(db, this.kind) };
    return out;
  }
}

export async function migrateToLatest(db: Kysely<any>, kind: DbKind): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new CodeMigrations(kind) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Migrates up to and including the named migration (tests build a database as an earlier release left it). */
export async function migrateTo(db: Kysely<any>, kind: DbKind, name: string): Promise<void> {
  const migrator = new Migrator({ db, provider: new CodeMigrations(kind) });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
