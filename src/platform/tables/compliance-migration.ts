import { sql } from 'kysely';
import type { Up } from '../migrations';

/**
 * Tables of the compliance area (0007_compliance): self-assessments against the Surveillance Camera Code per system
 * (versioned: a completed one is frozen as a snapshot), their answers, evidence links, action plans and publications.
 * The retention period comes from systems.retention_days, which the register already keeps.
 */
export const up: Up = async (db) => {
  const org = (c: any) => c.notNull().references('organisations.id').onDelete('cascade');
  const assessment = (c: any) => c.notNull().references('compliance_assessments.id').onDelete('cascade');

  await db.schema.createTable('compliance_assessments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('system_id', 'text', (c) => c.notNull().references('systems.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft','completed')`))
    .addColumn('based_on_id', 'text', (c) => c.references('compliance_assessments.id').onDelete('set null'))
    .addColumn('scope_json', 'text', (c) => c.notNull())
    .addColumn('annual_review_date', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addColumn('completed_by', 'text')
    .addColumn('snapshot_json', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('compliance_assessments_system_version_uq').on('compliance_assessments').columns(['org_id', 'system_id', 'version']).unique().execute();

  await db.schema.createTable('compliance_answers')
    .addColumn('org_id', 'text', org)
    .addColumn('assessment_id', 'text', assessment)
    .addColumn('question_id', 'text', (c) => c.notNull())
    .addColumn('answer', 'text', (c) => c.check(sql`answer in ('yes','partly','no','na')`))
    .addColumn('text', 'text')
    .addColumn('note', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('compliance_answers_pk', ['assessment_id', 'question_id'])
    .execute();
  await db.schema.createIndex('compliance_answers_org_idx').on('compliance_answers').columns(['org_id', 'assessment_id']).execute();

  await db.schema.createTable('compliance_evidence')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('assessment_id', 'text', assessment)
    .addColumn('principle', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('document','asset','site','finding','maintenance')`))
    .addColumn('ref_id', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    // 1 when the module that owns the record confirmed it at linking; 0 links are looked up again when drawn.
    .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('compliance_evidence_org_idx').on('compliance_evidence').columns(['org_id', 'assessment_id']).execute();

  await db.schema.createTable('compliance_actions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('assessment_id', 'text', assessment)
    .addColumn('principle', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('owner_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('due_date', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open','in-progress','done')`))
    .addColumn('carried_from_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('compliance_actions_org_idx').on('compliance_actions').columns(['org_id', 'assessment_id']).execute();
  await db.schema.createIndex('compliance_actions_due_idx').on('compliance_actions').columns(['org_id', 'status', 'due_date']).execute();

  await db.schema.createTable('compliance_publications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', org)
    .addColumn('assessment_id', 'text', (c) => c.notNull().unique().references('compliance_assessments.id').onDelete('cascade'))
    // The unguessable part of the public link (32 random bytes); the published page is public by design.
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('settings_json', 'text', (c) => c.notNull())
    .addColumn('published_at', 'text')
    .addColumn('published_by', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('compliance_publications_org_idx').on('compliance_publications').columns(['org_id']).execute();
};
