import { sql } from 'kysely';
import type { Up } from '../migrations';

/**
 * Tables of the dpia area (0008_dpia): DPIAs per system, each a series of versions (a signed-off version is
 * frozen, camera list included), their risks, the review-due reasons recorded against a signed-off version, the
 * system features that trigger a review (ANPR, biometrics), the signage register and the disclosure log.
 */
export const up: Up = async (db) => {
  const org = (c: any) => c.notNull().references('organisations.id').onDelete('cascade');

  await db.schema.createTable('dpias')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('system_id', 'text', (c) => c.notNull().references('systems.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // One DPIA per system; its history lives in its versions.
  await db.schema.createIndex('dpias_org_system_uq').on('dpias').columns(['org_id', 'system_id']).unique().execute();

  await db.schema.createTable('dpia_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('dpia_id', 'text', (c) => c.notNull().references('dpias.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft','signed-off')`))
    .addColumn('why_needed_json', 'text', (c) => c.notNull())
    .addColumn('why_needed_notes', 'text')
    .addColumn('regime', 'text', (c) => c.check(sql`regime in ('uk-gdpr','dpa-part-3','both')`))
    .addColumn('controller', 'text')
    .addColumn('processing_nature', 'text')
    .addColumn('processing_scope', 'text')
    .addColumn('processing_context', 'text')
    .addColumn('processing_purposes', 'text')
    .addColumn('lawful_basis', 'text')
    .addColumn('consultation', 'text')
    .addColumn('necessity', 'text')
    .addColumn('dpo_name', 'text')
    .addColumn('dpo_advice', 'text')
    .addColumn('dpo_advice_accepted', 'integer')
    .addColumn('dpo_advice_response', 'text')
    .addColumn('approved_by', 'text')
    .addColumn('outcome', 'text', (c) => c.check(sql`outcome in ('proceed','proceed-with-changes','do-not-proceed')`))
    .addColumn('signed_off_on', 'text')
    .addColumn('signed_off_at', 'text')
    .addColumn('signed_off_by', 'text')
    .addColumn('review_date', 'text')
    .addColumn('cameras_json', 'text')
    .addColumn('features_json', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dpia_versions_dpia_version_uq').on('dpia_versions').columns(['dpia_id', 'version']).unique().execute();
  await db.schema.createIndex('dpia_versions_org_status_idx').on('dpia_versions').columns(['org_id', 'status']).execute();

  await db.schema.createTable('dpia_risks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('version_id', 'text', (c) => c.notNull().references('dpia_versions.id').onDelete('cascade'))
    .addColumn('copied_from', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('likelihood', 'text', (c) => c.notNull().check(sql`likelihood in ('remote','possible','probable')`))
    .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity in ('minimal','significant','severe')`))
    .addColumn('overall', 'text', (c) => c.notNull().check(sql`overall in ('low','medium','high')`))
    .addColumn('mitigation', 'text')
    .addColumn('residual_risk', 'text', (c) => c.check(sql`residual_risk in ('low','medium','high')`))
    .addColumn('approved_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dpia_risks_version_idx').on('dpia_risks').columns(['org_id', 'version_id', 'position']).execute();

  // Why a signed-off version is due for review. Open until a later version is signed off.
  await db.schema.createTable('dpia_review_reasons')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('dpia_id', 'text', (c) => c.notNull().references('dpias.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('reason_key', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('occurred_on', 'text', (c) => c.notNull())
    .addColumn('detected_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .execute();
  await db.schema.createIndex('dpia_review_reasons_uq').on('dpia_review_reasons').columns(['dpia_id', 'version', 'reason_key']).unique().execute();
  await db.schema.createIndex('dpia_review_reasons_org_idx').on('dpia_review_reasons').columns(['org_id', 'dpia_id', 'resolved_at']).execute();

  // Specialist technology on a system (Code principle 12); switching it on is a reason to review the DPIA.
  await db.schema.createTable('dpia_system_features')
    .addColumn('system_id', 'text', (c) => c.primaryKey().references('systems.id').onDelete('cascade'))
    .addColumn('org_id', 'text', org)
    .addColumn('anpr', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('biometrics', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('anpr_changed_at', 'text')
    .addColumn('biometrics_changed_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dpia_system_features_org_idx').on('dpia_system_features').columns(['org_id']).execute();

  await db.schema.createTable('signage_signs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('shows_operator', 'integer', (c) => c.notNull())
    .addColumn('shows_purpose', 'integer', (c) => c.notNull())
    .addColumn('shows_contact', 'integer', (c) => c.notNull())
    .addColumn('wording', 'text')
    .addColumn('photo_document_id', 'text')
    .addColumn('last_checked', 'text')
    .addColumn('condition', 'text', (c) => c.notNull().check(sql`condition in ('good','worn','damaged','missing')`))
    .addColumn('notes', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('signage_signs_org_site_idx').on('signage_signs').columns(['org_id', 'site_id', 'location']).execute();

  // The subject access / disclosure log is for accountability: as little personal data as possible.
  await db.schema.createTable('disclosure_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('system_id', 'text', (c) => c.references('systems.id').onDelete('set null'))
    .addColumn('request_type', 'text', (c) => c.notNull().check(sql`request_type in ('subject-access','third-party','foi')`))
    .addColumn('requester', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('received_on', 'text', (c) => c.notNull())
    .addColumn('deadline', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('open','disclosed','partly-disclosed','refused','no-footage','withdrawn')`))
    .addColumn('closed_on', 'text')
    .addColumn('notes', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('disclosure_requests_org_received_idx').on('disclosure_requests').columns(['org_id', 'received_on', 'id']).execute();
  await db.schema.createIndex('disclosure_requests_org_system_idx').on('disclosure_requests').columns(['org_id', 'system_id']).execute();
  await db.schema.createIndex('disclosure_requests_org_open_idx').on('disclosure_requests').columns(['org_id', 'closed_on', 'deadline']).execute();
};
