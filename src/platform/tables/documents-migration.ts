import { sql } from 'kysely';
import type { Up } from '../migrations';

/**
 * Tables of the documents area (0005_documents). A document has numbered versions; each version points at a
 * blob in file storage by its SHA-256, so identical bytes are stored once however often they are uploaded.
 */
export const up: Up = async (db) => {
  await db.schema.createTable('documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull().check(sql`category in ('dpia','policy','certificate','signage-photo','maintenance-report','contract','other')`))
    .addColumn('review_date', 'text')
    .addColumn('current_version', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('documents_org_idx').on('documents').columns(['org_id', 'id']).execute();
  await db.schema.createIndex('documents_org_category_idx').on('documents').columns(['org_id', 'category', 'id']).execute();
  // Reminders read what falls due for review, per organisation, in date order.
  await db.schema.createIndex('documents_org_review_idx').on('documents').columns(['org_id', 'review_date']).execute();

  await db.schema.createTable('document_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('document_versions_doc_uq').on('document_versions').columns(['document_id', 'version']).unique().execute();
  // Whether any version anywhere still uses a blob, before the blob is deleted.
  await db.schema.createIndex('document_versions_sha_idx').on('document_versions').columns(['sha256']).execute();

  // What a document is attached to. target_id is the organisation's own id for organisation-wide documents;
  // the typed foreign keys make a link disappear with the site, system or asset it points at.
  await db.schema.createTable('document_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
    .addColumn('target_type', 'text', (c) => c.notNull().check(sql`target_type in ('organisation','site','system','asset')`))
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.references('sites.id').onDelete('cascade'))
    .addColumn('system_id', 'text', (c) => c.references('systems.id').onDelete('cascade'))
    .addColumn('asset_id', 'text', (c) => c.references('assets.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('document_links_uq').on('document_links').columns(['document_id', 'target_type', 'target_id']).unique().execute();
  await db.schema.createIndex('document_links_target_idx').on('document_links').columns(['org_id', 'target_type', 'target_id']).execute();

  await db.schema.createTable('document_tags')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('tag_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('document_tags_pk', ['document_id', 'tag_key'])
    .execute();
  await db.schema.createIndex('document_tags_org_idx').on('document_tags').columns(['org_id', 'tag_key']).execute();
};
