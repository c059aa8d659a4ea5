import type { Up } from '../migrations';

/**
 * Tables of the imports area (0004_imports): import runs and saved column mappings, and two columns on assets:
 * the organisation's own key for a device (an asset tag or number from their register, matched on re-import) and
 * the original text of any cell the importer normalised (so "0019-b612-3456" is kept beside 00:19:B6:12:34:56).
 */
export const up: Up = async (db) => {
  await db.schema.createTable('import_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('file_size', 'integer', (c) => c.notNull())
    .addColumn('file_kind', 'text', (c) => c.notNull())
    .addColumn('stored_name', 'text')
    .addColumn('sheet', 'text')
    .addColumn('mapping_json', 'text', (c) => c.notNull())
    .addColumn('create_sites', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('phase', 'text')
    .addColumn('rows_total', 'integer')
    .addColumn('rows_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_validated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_written', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('preview_json', 'text')
    .addColumn('report_json', 'text')
    .addColumn('error', 'text')
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('import_runs_org_idx').on('import_runs').columns(['org_id', 'id']).execute();

  await db.schema.createTable('import_mappings')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('heading_key', 'text', (c) => c.notNull())
    .addColumn('heading', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_mappings_pk', ['org_id', 'heading_key'])
    .execute();

  await db.schema.alterTable('assets').addColumn('external_key', 'text').execute();
  await db.schema.alterTable('assets').addColumn('import_original_json', 'text').execute();
  await db.schema.createIndex('assets_org_external_key_idx').on('assets').columns(['org_id', 'external_key']).execute();
};
