/** Row types of the dpia area's tables; merged into the database type in src/platform/schema.ts. */

export interface DpiasTable { id: string; org_id: string; system_id: string; created_at: string; updated_at: string }

export interface DpiaVersionsTable {
  id: string; org_id: string; dpia_id: string; version: number; status: string;
  why_needed_json: string; why_needed_notes: string | null; regime: string | null; controller: string | null;
  processing_nature: string | null; processing_scope: string | null; processing_context: string | null; processing_purposes: string | null;
  lawful_basis: string | null; consultation: string | null; necessity: string | null;
  dpo_name: string | null; dpo_advice: string | null; dpo_advice_accepted: number | null; dpo_advice_response: string | null;
  approved_by: string | null; outcome: string | null; signed_off_on: string | null; signed_off_at: string | null; signed_off_by: string | null;
  review_date: string | null; cameras_json: string | null; features_json: string | null;
  created_at: string; created_by: string; updated_at: string;
}

export interface DpiaRisksTable {
  id: string; org_id: string; version_id: string; copied_from: string | null; position: number; description: string;
  likelihood: string; severity: string; overall: string; mitigation: string | null; residual_risk: string | null; approved_by: string | null;
  created_at: string; updated_at: string;
}

export interface DpiaReviewReasonsTable {
  id: string; org_id: string; dpia_id: string; version: number; reason_key: string; reason: string; occurred_on: string;
  detected_at: string; resolved_at: string | null;
}

export interface DpiaSystemFeaturesTable {
  system_id: string; org_id: string; anpr: number; biometrics: number; anpr_changed_at: string | null; biometrics_changed_at: string | null; updated_at: string;
}

export interface SignsTable {
  id: string; org_id: string; site_id: string; location: string; shows_operator: number; shows_purpose: number; shows_contact: number;
  wording: string | null; photo_document_id: string | null; last_checked: string | null; condition: string; notes: string | null;
  created_at: string; updated_at: string;
}

export interface DisclosureRequestsTable {
  id: string; org_id: string; system_id: string | null; request_type: string; requester: string; reference: string | null;
  received_on: string; deadline: string | null; outcome: string; closed_on: string | null; notes: string | null;
  created_at: string; updated_at: string;
}

export interface DpiaTables {
  dpias: DpiasTable;
  dpia_versions: DpiaVersionsTable;
  dpia_risks: DpiaRisksTable;
  dpia_review_reasons: DpiaReviewReasonsTable;
  dpia_system_features: DpiaSystemFeaturesTable;
  signage_signs: SignsTable;
  disclosure_requests: DisclosureRequestsTable;
}
