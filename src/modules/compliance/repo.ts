import type { InsertObject, UpdateObject } from 'kysely';
import type { Tx } from '../../platform/context';
import type { DB } from '../../platform/schema';
import { renderFinding } from '../../domain/policy';
import type { ComplianceAssessmentsTable } from '../../platform/tables/compliance';

// Tenant-scoped SQL of the compliance area: every query filters by org_id.

export async function insertAssessment(tx: Tx, row: ComplianceAssessmentsTable) {
  await tx.insertInto('compliance_assessments').values(row).execute();
}

export async function updateAssessment(tx: Tx, orgId: string, id: string, set: Partial<Omit<ComplianceAssessmentsTable, 'id' | 'org_id'>>) {
  await tx.updateTable('compliance_assessments').set(set).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Freezes a draft; a version already completed is left as it was. */
export async function completeDraft(tx: Tx, orgId: string, id: string, set: Pick<ComplianceAssessmentsTable, 'completed_at' | 'completed_by' | 'snapshot_json' | 'updated_at'>) {
  await tx.updateTable('compliance_assessments').set({ status: 'completed', ...set }).where('org_id', '=', orgId).where('id', '=', id).where('status', '=', 'draft').execute();
}

/** Completed versions of every system, newest version first, for the dashboard. */
export async function completedAssessments(tx: Tx, orgId: string) {
  return tx.selectFrom('compliance_assessments').select(['system_id', 'version', 'completed_at', 'snapshot_json'])
    .where('org_id', '=', orgId).where('status', '=', 'completed').orderBy('version', 'desc').execute();
}

type Insertable<T extends keyof DB> = InsertObject<DB, T>;

export async function insertAnswers(tx: Tx, rows: Insertable<'compliance_answers'>[]) {
  if (rows.length) await tx.insertInto('compliance_answers').values(rows).execute();
}

export async function updateAnswer(tx: Tx, orgId: string, assessmentId: string, questionId: string, set: UpdateObject<DB, 'compliance_answers'>) {
  await tx.updateTable('compliance_answers').set(set).where('org_id', '=', orgId).where('assessment_id', '=', assessmentId).where('question_id', '=', questionId).execute();
}

export async function insertEvidence(tx: Tx, rows: Insertable<'compliance_evidence'>[]) {
  if (rows.length) await tx.insertInto('compliance_evidence').values(rows).execute();
}

export async function deleteEvidence(tx: Tx, orgId: string, id: string) {
  await tx.deleteFrom('compliance_evidence').where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function insertActions(tx: Tx, rows: Insertable<'compliance_actions'>[]) {
  if (rows.length) await tx.insertInto('compliance_actions').values(rows).execute();
}

export async function updateAction(tx: Tx, orgId: string, id: string, set: UpdateObject<DB, 'compliance_actions'>) {
  await tx.updateTable('compliance_actions').set(set).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function insertPublication(tx: Tx, row: Insertable<'compliance_publications'>) {
  await tx.insertInto('compliance_publications').values(row).execute();
}

export async function updatePublication(tx: Tx, orgId: string, id: string, set: UpdateObject<DB, 'compliance_publications'>) {
  await tx.updateTable('compliance_publications').set(set).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function assessmentsOfSystem(tx: Tx, orgId: string, systemId: string) {
  return tx.selectFrom('compliance_assessments').selectAll().where('org_id', '=', orgId).where('system_id', '=', systemId)
    .orderBy('version', 'desc').execute();
}

export async function findAssessment(tx: Tx, orgId: string, systemId: string, version: number) {
  return tx.selectFrom('compliance_assessments').selectAll().where('org_id', '=', orgId).where('system_id', '=', systemId)
    .where('version', '=', version).executeTakeFirst();
}

/** The newest assessment of each system (draft or completed), for the dashboard. */
export async function latestAssessments(tx: Tx, orgId: string): Promise<ComplianceAssessmentsTable[]> {
  const rows = await tx.selectFrom('compliance_assessments').selectAll().where('org_id', '=', orgId).orderBy('system_id').orderBy('version', 'desc').execute();
  const seen = new Set<string>();
  return rows.filter((r) => (seen.has(r.system_id) ? false : (seen.add(r.system_id), true)));
}

export async function answersOf(tx: Tx, orgId: string, assessmentId: string) {
  return tx.selectFrom('compliance_answers').selectAll().where('org_id', '=', orgId).where('assessment_id', '=', assessmentId).execute();
}

export async function evidenceOf(tx: Tx, orgId: string, assessmentId: string) {
  return tx.selectFrom('compliance_evidence').selectAll().where('org_id', '=', orgId).where('assessment_id', '=', assessmentId).orderBy('created_at').orderBy('id').execute();
}

export async function actionsOf(tx: Tx, orgId: string, assessmentId: string) {
  return tx.selectFrom('compliance_actions').leftJoin('users', 'users.id', 'compliance_actions.owner_user_id')
    .selectAll('compliance_actions').select('users.name as owner_name')
    .where('compliance_actions.org_id', '=', orgId).where('compliance_actions.assessment_id', '=', assessmentId)
    .orderBy('compliance_actions.principle').orderBy('compliance_actions.due_date').orderBy('compliance_actions.id').execute();
}

export async function findAction(tx: Tx, orgId: string, assessmentId: string, id: string) {
  return tx.selectFrom('compliance_actions').selectAll().where('org_id', '=', orgId).where('assessment_id', '=', assessmentId).where('id', '=', id).executeTakeFirst();
}

/** Actions not done whose due date has passed, on each system's newest assessment (older ones were carried forward). */
export async function overdueActions(tx: Tx, orgId: string, today: string, latestIds: string[]) {
  if (!latestIds.length) return [];
  return tx.selectFrom('compliance_actions')
    .innerJoin('compliance_assessments', 'compliance_assessments.id', 'compliance_actions.assessment_id')
    .innerJoin('systems', 'systems.id', 'compliance_assessments.system_id')
    .leftJoin('users', 'users.id', 'compliance_actions.owner_user_id')
    .select(['compliance_actions.id', 'compliance_actions.title', 'compliance_actions.principle', 'compliance_actions.due_date', 'compliance_actions.status',
      'systems.id as system_id', 'systems.name as system_name', 'users.name as owner_name'])
    .where('compliance_actions.org_id', '=', orgId).where('compliance_actions.status', '!=', 'done')
    .where('compliance_actions.due_date', '<', today).where('compliance_actions.assessment_id', 'in', latestIds)
    .orderBy('compliance_actions.due_date').orderBy('compliance_actions.id').limit(200).execute();
}

export async function membersOf(tx: Tx, orgId: string) {
  return tx.selectFrom('memberships').innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.name', 'users.email']).where('memberships.org_id', '=', orgId).where('users.disabled', '=', 0)
    .orderBy('users.name').execute();
}

export async function isMember(tx: Tx, orgId: string, userId: string) {
  return !!(await tx.selectFrom('memberships').select('user_id').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst());
}

/** Devices of a system (not removed), for the scope and for principle 9. */
export async function systemAssets(tx: Tx, orgId: string, systemId: string) {
  return tx.selectFrom('assets').select(['id', 'kind', 'manufacturer', 'model', 'serial', 'site_id', 'status'])
    .where('org_id', '=', orgId).where('system_id', '=', systemId).where('status', '!=', 'removed').orderBy('kind').orderBy('manufacturer_key').orderBy('id').execute();
}

/** Unresolved findings on the system's devices. */
export async function systemFindings(tx: Tx, orgId: string, systemId: string) {
  const rows = await tx.selectFrom('findings').innerJoin('assets', 'assets.id', 'findings.asset_id')
    .select(['findings.id', 'findings.severity', 'findings.status', 'findings.rule', 'findings.rule_version', 'findings.params_json', 'assets.kind', 'assets.manufacturer', 'assets.model', 'assets.serial'])
    .where('findings.org_id', '=', orgId).where('assets.org_id', '=', orgId).where('assets.system_id', '=', systemId)
    .where('findings.status', 'in', ['open', 'accepted']).orderBy('findings.id').execute();
  return rows.map(({ rule, rule_version, params_json, ...r }) => ({ ...r, title: renderFinding(rule, Number(rule_version), JSON.parse(params_json)).title }));
}

/**
 * The date of the last annual system review recorded as a done maintenance visit on this system (a visit on an
 * "Annual system review" schedule). Principle 10 reads it, so a review logged in Maintenance counts without anyone
 * copying the date into the assessment. (Not the engineer: the text is published.)
 */
export async function lastAnnualReviewVisit(tx: Tx, orgId: string, systemId: string) {
  return tx.selectFrom('maintenance_visits as v').innerJoin('maintenance_schedules as s', 's.id', 'v.schedule_id')
    .select(['v.visit_date'])
    .where('v.org_id', '=', orgId).where('s.org_id', '=', orgId).where('v.status', '=', 'done')
    .where('s.template', '=', 'annual-system-review').where('v.target_type', '=', 'system').where('v.system_id', '=', systemId)
    .orderBy('v.visit_date', 'desc').limit(1).executeTakeFirst();
}

export async function publicationOf(tx: Tx, orgId: string, assessmentId: string) {
  return tx.selectFrom('compliance_publications').selectAll().where('org_id', '=', orgId).where('assessment_id', '=', assessmentId).executeTakeFirst();
}

/** A live publication by its public token, with what the public page needs. Not tenant-scoped: the token is the key. */
export async function livePublication(tx: Tx, token: string) {
  return tx.selectFrom('compliance_publications')
    .innerJoin('compliance_assessments', 'compliance_assessments.id', 'compliance_publications.assessment_id')
    .innerJoin('organisations', 'organisations.id', 'compliance_publications.org_id')
    .select(['compliance_publications.settings_json', 'compliance_assessments.snapshot_json', 'organisations.name as org_name'])
    .where('compliance_publications.token', '=', token).where('compliance_publications.revoked_at', 'is', null)
    .where('compliance_publications.published_at', 'is not', null).where('compliance_assessments.status', '=', 'completed')
    .executeTakeFirst();
}
