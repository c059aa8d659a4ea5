/** Row types of the compliance area's tables; merged into the database type in src/platform/schema.ts. */

export interface ComplianceAssessmentsTable {
  id: string; org_id: string; system_id: string; version: number; status: string; based_on_id: string | null;
  scope_json: string; annual_review_date: string | null; started_at: string; started_by: string;
  completed_at: string | null; completed_by: string | null; snapshot_json: string | null; updated_at: string;
}

export interface ComplianceAnswersTable {
  org_id: string; assessment_id: string; question_id: string; answer: string | null; text: string | null; note: string | null;
  updated_at: string; updated_by: string;
}

export interface ComplianceEvidenceTable {
  id: string; org_id: string; assessment_id: string; principle: number; kind: string; ref_id: string; label: string;
  verified: number; created_at: string; created_by: string;
}

export interface ComplianceActionsTable {
  id: string; org_id: string; assessment_id: string; principle: number; title: string; owner_user_id: string | null;
  due_date: string; status: string; carried_from_id: string | null; created_at: string; updated_at: string;
}

export interface CompliancePublicationsTable {
  id: string; org_id: string; assessment_id: string; token: string; settings_json: string;
  published_at: string | null; published_by: string | null; revoked_at: string | null; updated_at: string;
}

export interface ComplianceTables {
  compliance_assessments: ComplianceAssessmentsTable;
  compliance_answers: ComplianceAnswersTable;
  compliance_evidence: ComplianceEvidenceTable;
  compliance_actions: ComplianceActionsTable;
  compliance_publications: CompliancePublicationsTable;
}
