import { sql } from 'kysely';
import type { Up } from '../migrations';

/**
 * Tables of the maintenance area (0009_maintenance): recurring schedules, the visits that fulfil them (or are
 * made ad hoc), and calendar feed tokens. A schedule or visit points at one thing (the organisation itself, a
 * site, a system or an asset) through typed foreign keys, so it goes with the thing it is about.
 */
export const up: Up = async (db) => {
  await db.schema.createTable('maintenance_schedules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull().check(sql`target_type in ('organisation','site','system','asset')`))
    .addColumn('site_id', 'text', (c) => c.references('sites.id').onDelete('cascade'))
    .addColumn('system_id', 'text', (c) => c.references('systems.id').onDelete('cascade'))
    .addColumn('asset_id', 'text', (c) => c.references('assets.id').onDelete('cascade'))
    .addColumn('rrule', 'text', (c) => c.notNull())
    .addColumn('start_date', 'text', (c) => c.notNull())
    .addColumn('assignee_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('checklist_json', 'text', (c) => c.notNull())
    .addColumn('lead_days', 'integer', (c) => c.notNull())
    .addColumn('template', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('notes', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('maintenance_schedules_org_idx').on('maintenance_schedules').columns(['org_id', 'active']).execute();
  await db.schema.createIndex('maintenance_schedules_site_idx').on('maintenance_schedules').columns(['org_id', 'site_id']).execute();
  await db.schema.createIndex('maintenance_schedules_assignee_idx').on('maintenance_schedules').columns(['assignee_user_id']).execute();

  await db.schema.createTable('maintenance_visits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('schedule_id', 'text', (c) => c.references('maintenance_schedules.id').onDelete('set null'))
    // The due date this visit fulfils; every earlier one of its schedule counts as done too.
    .addColumn('occurrence_date', 'text')
    .addColumn('target_type', 'text', (c) => c.notNull().check(sql`target_type in ('organisation','site','system','asset')`))
    .addColumn('site_id', 'text', (c) => c.references('sites.id').onDelete('cascade'))
    .addColumn('system_id', 'text', (c) => c.references('systems.id').onDelete('cascade'))
    .addColumn('asset_id', 'text', (c) => c.references('assets.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('planned','done')`))
    .addColumn('visit_date', 'text', (c) => c.notNull())
    .addColumn('engineer_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('engineer_label', 'text', (c) => c.notNull())
    .addColumn('checklist_json', 'text', (c) => c.notNull())
    .addColumn('faults', 'text')
    .addColumn('notes', 'text')
    .addColumn('document_ids_json', 'text', (c) => c.notNull())
    .addColumn('asset_updates_json', 'text', (c) => c.notNull())
    .addColumn('next_due_date', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('maintenance_visits_org_date_idx').on('maintenance_visits').columns(['org_id', 'visit_date']).execute();
  await db.schema.createIndex('maintenance_visits_schedule_idx').on('maintenance_visits').columns(['org_id', 'schedule_id', 'status']).execute();

  // A calendar feed reached by a secret URL. Only the SHA-256 of the token is kept. org_id is null for a
  // person's feed across all their organisations (membership is checked on every fetch).
  await db.schema.createTable('maintenance_feeds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.references('organisations.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('assigned_only', 'integer', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('maintenance_feeds_user_idx').on('maintenance_feeds').columns(['user_id']).execute();
};
