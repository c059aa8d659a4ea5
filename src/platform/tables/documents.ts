/** Row types of the documents area's tables; merged into the database type in src/platform/schema.ts. */

export interface DocumentsTable {
  id: string; org_id: string; title: string; category: string; review_date: string | null; current_version: number;
  created_by: string; created_at: string; updated_at: string;
}

export interface DocumentVersionsTable {
  id: string; org_id: string; document_id: string; version: number; sha256: string; size: number; content_type: string;
  filename: string; uploaded_by: string; uploaded_at: string;
}

export interface DocumentLinksTable {
  id: string; org_id: string; document_id: string; target_type: string; target_id: string;
  site_id: string | null; system_id: string | null; asset_id: string | null; created_at: string;
}

export interface DocumentTagsTable { org_id: string; document_id: string; tag: string; tag_key: string }

export interface DocumentsTables {
  documents: DocumentsTable;
  document_versions: DocumentVersionsTable;
  document_links: DocumentLinksTable;
  document_tags: DocumentTagsTable;
}
