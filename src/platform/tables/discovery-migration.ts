import { sql } from 'kysely';
import type { Up } from '../migrations';

const org = (c: any) => c.notNull().references('organisations.id').onDelete('cascade');
const req = (c: any) => c.notNull();

/** Tables of the discovery area (0006_discovery): scope, credentials, schedules, scan runs and their reconciliation. */
export const up: Up = async (db) => {
  await db.schema.createTable('discovery_ranges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('cidr', 'text', req)
    .addColumn('label', 'text')
    .addColumn('public_space', 'integer', req)
    .addColumn('created_at', 'text', req)
    .addColumn('created_by', 'text', req)
    .addUniqueConstraint('discovery_ranges_org_cidr_uq', ['org_id', 'cidr'])
    .execute();

  await db.schema.createTable('discovery_credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('name', 'text', req)
    .addColumn('name_key', 'text', req)
    .addColumn('username', 'text', req)
    .addColumn('password_sealed', 'text', req)
    .addColumn('created_at', 'text', req)
    .addColumn('updated_at', 'text', req)
    .addUniqueConstraint('discovery_credentials_org_name_uq', ['org_id', 'name_key'])
    .execute();

  await db.schema.createTable('discovery_credential_ranges')
    .addColumn('org_id', 'text', org)
    .addColumn('credential_id', 'text', (c) => c.notNull().references('discovery_credentials.id').onDelete('cascade'))
    .addColumn('range_id', 'text', (c) => c.notNull().references('discovery_ranges.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('discovery_credential_ranges_pk', ['credential_id', 'range_id'])
    .execute();
  await db.schema.createIndex('discovery_credential_ranges_range_idx').on('discovery_credential_ranges').columns(['range_id']).execute();

  await db.schema.createTable('discovery_schedules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('name', 'text', req)
    .addColumn('targets_json', 'text', req)
    .addColumn('ports_json', 'text', req)
    .addColumn('rate', 'integer', req)
    .addColumn('cadence', 'text', (c) => c.notNull().check(sql`cadence in ('hourly','daily','weekly')`))
    .addColumn('credential_name', 'text')
    .addColumn('enabled', 'integer', req)
    .addColumn('anchor_at', 'text', req)
    .addColumn('last_run_id', 'text')
    .addColumn('last_status', 'text')
    .addColumn('last_error', 'text')
    .addColumn('last_run_at', 'text')
    .addColumn('created_at', 'text', req)
    .addColumn('updated_at', 'text', req)
    .execute();
  await db.schema.createIndex('discovery_schedules_org_idx').on('discovery_schedules').columns(['org_id', 'name']).execute();

  await db.schema.createTable('discovery_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('upload','schedule')`))
    .addColumn('schedule_id', 'text', (c) => c.references('discovery_schedules.id').onDelete('set null'))
    .addColumn('actor_label', 'text', req)
    .addColumn('status', 'text', req)
    .addColumn('error', 'text')
    .addColumn('started_at', 'text', req)
    .addColumn('finished_at', 'text', req)
    .addColumn('targets_json', 'text', req)
    .addColumn('ports_json', 'text', req)
    .addColumn('hosts_scanned', 'integer', req)
    .addColumn('interrupted', 'integer', req)
    .addColumn('device_count', 'integer', req)
    .addColumn('refused_json', 'text', req)
    .addColumn('summary_json', 'text', req)
    .addColumn('created_at', 'text', req)
    .execute();
  await db.schema.createIndex('discovery_runs_org_idx').on('discovery_runs').columns(['org_id', 'id']).execute();

  await db.schema.createTable('discovery_devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('run_id', 'text', (c) => c.notNull().references('discovery_runs.id').onDelete('cascade'))
    .addColumn('address', 'text', req)
    .addColumn('mac', 'text')
    .addColumn('brand', 'text')
    .addColumn('model', 'text')
    .addColumn('firmware', 'text')
    .addColumn('serial', 'text')
    .addColumn('origin', 'text')
    .addColumn('nil_subject', 'integer')
    .addColumn('confidence', 'double precision', req)
    .addColumn('verdict_json', 'text', req)
    .addColumn('device_json', 'text', req)
    .addColumn('seen_at', 'text', req)
    .execute();
  await db.schema.createIndex('discovery_devices_run_idx').on('discovery_devices').columns(['org_id', 'run_id', 'address']).execute();

  await db.schema.createTable('discovery_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('run_id', 'text', (c) => c.notNull().references('discovery_runs.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('new','missing','changed','provenance')`))
    .addColumn('device_id', 'text', (c) => c.references('discovery_devices.id').onDelete('cascade'))
    .addColumn('asset_id', 'text', (c) => c.references('assets.id').onDelete('set null'))
    .addColumn('detail_json', 'text', req)
    .addColumn('outcome', 'text')
    .addColumn('outcome_summary', 'text')
    .addColumn('outcome_asset_id', 'text', (c) => c.references('assets.id').onDelete('set null'))
    .addColumn('actioned_at', 'text')
    .addColumn('actioned_by', 'text')
    .execute();
  await db.schema.createIndex('discovery_items_run_idx').on('discovery_items').columns(['org_id', 'run_id', 'kind', 'id']).execute();
};

/**
 * 0011_asset_missing: the date of the scan that last failed to find an asset someone then marked missing; cleared
 * when a later scan sees it again. A marker beside the status, not a status: "not answering" is not "removed".
 * last_seen_at (when a scan last saw the asset) keeps an older run from overriding a newer one either way.
 */
export const upMissing: Up = async (db) => {
  await db.schema.alterTable('assets').addColumn('missing_since', 'text').execute();
  await db.schema.alterTable('assets').addColumn('last_seen_at', 'text').execute();
};

/**
 * 0013_asset_observations: the network evidence last seen for each asset (one row per asset, replaced only by a
 * newer scan), and the platform a verdict named, so the "Who made it" panel can say so.
 */
export const upObservations: Up = async (db) => {
  await db.schema.createTable('asset_observations')
    .addColumn('asset_id', 'text', (c) => c.primaryKey().references('assets.id').onDelete('cascade'))
    .addColumn('org_id', 'text', org)
    .addColumn('run_id', 'text', (c) => c.references('discovery_runs.id').onDelete('set null'))
    .addColumn('address', 'text', req)
    .addColumn('evidence_json', 'text', req)
    .addColumn('seen_at', 'text', req)
    .execute();
  await db.schema.createIndex('asset_observations_org_idx').on('asset_observations').columns(['org_id']).execute();
  await db.schema.createIndex('asset_observations_run_idx').on('asset_observations').columns(['run_id']).execute();
  await db.schema.alterTable('asset_provenance').addColumn('platform_json', 'text').execute();
};
