import { z } from 'zod';
import { isIsoDate } from '../../domain/netaddr';
import { UUID_RE } from '../../platform/ids';
import { limitSchema } from '../../platform/paging';

export const DOCUMENT_CATEGORIES = ['dpia', 'policy', 'certificate', 'signage-photo', 'maintenance-report', 'contract', 'other'] as const;
export type DocumentCategory = (typeof DOCUMENT_CATEGORIES)[number];
export const CATEGORY_LABELS: Record<DocumentCategory, string> = {
  dpia: 'DPIA', policy: 'Policy', certificate: 'Certificate', 'signage-photo': 'Signage photo',
  'maintenance-report': 'Maintenance report', contract: 'Contract', other: 'Other',
};

export const TARGET_TYPES = ['organisation', 'site', 'system', 'asset'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

/** What a document is attached to; the organisation itself needs no id. */
export interface DocumentTarget { type: TargetType; id?: string | null }

export const MAX_TAGS = 20;
const TAG_MAX = 40;

/** Tags as a list, or as one comma-separated string (what a form field sends); duplicates ignoring case dropped. */
export const tagList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',') : v),
  z.array(z.string({ error: 'Tags must be text' }).trim().max(TAG_MAX, `Each tag must be ${TAG_MAX} characters or fewer`), { error: 'Tags must be a list of words' })
    .transform((tags) => {
      const seen = new Set<string>();
      return tags.filter((t) => t !== '' && !seen.has(t.toLowerCase()) && seen.add(t.toLowerCase()));
    })
    .refine((tags) => tags.length <= MAX_TAGS, `Give ${MAX_TAGS} tags or fewer`)
    .refine((tags) => tags.every((t) => !/[\u0000-\u001f\u007f]/.test(t)), 'Tags cannot contain control characters'),
);

const reviewDate = z.string({ error: 'Review date must be a real date, like 2027-03-31' }).trim()
  .refine(isIsoDate, 'Review date must be a real date, like 2027-03-31')
  .refine((d) => !isIsoDate(d) || (d >= '2000-01-01' && d <= '2099-12-31'), 'Review date must be between 2000 and 2099')
  .nullish().transform((v) => v ?? null);

const title = z.string({ error: 'Title must be text' }).trim().max(200, 'Title must be 200 characters or fewer')
  .refine((t) => !/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(t), 'Title cannot contain control or text-direction characters');

export const targetSchema = z.object({
  type: z.enum(TARGET_TYPES, { error: 'Choose what the document is attached to: organisation, site, system or asset' }),
  id: z.string().regex(UUID_RE, 'Choose a site, system or asset of this organisation').nullish(),
}, { error: 'Choose what the document is attached to' }).strict().superRefine((t, c) => {
  if (t.type !== 'organisation' && !t.id) c.addIssue({ code: 'custom', path: ['id'], message: `Choose the ${t.type} the document is attached to` });
});

/** The facts about a new document other than its bytes. */
export const documentFields = z.object({
  title: title.nullish().transform((v) => v || null),
  category: z.enum(DOCUMENT_CATEGORIES, { error: 'Choose a category' }),
  tags: tagList.default([]),
  target: targetSchema.default({ type: 'organisation' }),
  reviewDate,
}).strict();
export type DocumentFields = z.infer<typeof documentFields>;

export const documentPatch = z.object({
  title: title.min(1, 'Enter a title'),
  category: z.enum(DOCUMENT_CATEGORIES, { error: 'Choose a category' }),
  tags: tagList,
  reviewDate,
}).partial().strict();

export const attachInput = z.object({
  targetType: z.enum(TARGET_TYPES, { error: 'Choose organisation, site, system or asset' }),
  targetId: z.string().regex(UUID_RE, 'Choose a site, system or asset of this organisation').nullish(),
}).strict();

export const documentListQuery = z.object({
  category: z.enum(DOCUMENT_CATEGORIES, { error: 'Not a document category' }).optional().describe('dpia, policy, certificate, signage-photo, maintenance-report, contract or other'),
  tag: z.string().trim().max(TAG_MAX).optional().describe('Only documents with this tag (any case)'),
  targetType: z.enum(TARGET_TYPES, { error: 'Choose organisation, site, system or asset' }).optional().describe('Only documents attached to this kind of thing'),
  targetId: z.string().regex(UUID_RE, 'Not a site, system or asset id').optional().describe('…and to this site, system or asset'),
  reviewBefore: z.string().refine(isIsoDate, 'Must be a date like 2027-03-31').optional().describe('Only documents due for review on or before this date (YYYY-MM-DD)'),
  cursor: z.string().regex(UUID_RE, 'Not a valid cursor').optional().describe('The `next` value of the previous page'),
  limit: limitSchema.describe('Page size, 1–500 (default 50)'),
}).strict();
export type DocumentListQuery = z.infer<typeof documentListQuery>;

/** The version to download: a number or "latest". */
export const versionParam = z.union([z.literal('latest'), z.coerce.number().int().min(1).max(100_000)], { error: 'Version must be a number or "latest"' });

// ---- what the service returns --------------------------------------------------------------------------------

export interface DocumentAttachment { type: TargetType; id: string; label: string }

export interface DocumentVersion {
  version: number; filename: string; contentType: string; size: number; sha256: string; uploadedBy: string; uploadedAt: string;
}

export interface DocumentSummary {
  id: string; title: string; category: DocumentCategory; tags: string[]; reviewDate: string | null;
  currentVersion: DocumentVersion; attachments: DocumentAttachment[];
  createdBy: string; createdAt: string; updatedAt: string;
}

export interface DocumentDetail extends DocumentSummary { versions: DocumentVersion[] }

// The API's response shapes (OpenAPI is generated from these).
const versionOut = z.object({
  version: z.number(), filename: z.string(), contentType: z.string(), size: z.number(), sha256: z.string(), uploadedBy: z.string(), uploadedAt: z.string(),
});
const attachmentOut = z.object({ type: z.enum(TARGET_TYPES), id: z.string(), label: z.string() });
export const documentSummaryOut = z.object({
  id: z.string(), title: z.string(), category: z.enum(DOCUMENT_CATEGORIES), tags: z.array(z.string()), reviewDate: z.string().nullable(),
  currentVersion: versionOut, attachments: z.array(attachmentOut), createdBy: z.string(), createdAt: z.string(), updatedAt: z.string(),
});
export const documentOut = documentSummaryOut.extend({ versions: z.array(versionOut) });
