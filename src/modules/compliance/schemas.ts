import { z } from 'zod';
import { isIsoDate } from '../../domain/netaddr';
import { ACTION_STATUSES, CLOSED_ANSWERS, EVIDENCE_KINDS, PRINCIPLES, PUBLISH_FIELDS, QUESTION_IDS } from '../../domain/compliance';
import { UUID_RE } from '../../platform/ids';

const article = (w: string) => (/^[aeiou]/i.test(w) ? 'an' : 'a');
const id = (what: string) => z.string({ error: `Choose ${article(what)} ${what}` }).regex(UUID_RE, `Not ${article(what)} ${what} id`);
const principleNumber = z.number({ error: 'Give the principle number, 1 to 12' }).int('Principle must be a whole number from 1 to 12').min(1, 'Principle must be from 1 to 12').max(12, 'Principle must be from 1 to 12');
const isoDate = (label: string) => z.string({ error: `Enter the ${label}` }).trim().refine(isIsoDate, `${label[0].toUpperCase()}${label.slice(1)} must be a real date, like 2027-03-31`);
const longText = (label: string, max = 5000) => z.string().trim().max(max, `${label} must be ${max.toLocaleString('en-GB')} characters or fewer`).nullish().transform((v) => (v ? v : null));

/** What the assessment covers: sites and cameras from the register, and the purposes in words. */
export const scopeInput = z.object({
  siteIds: z.array(id('site')).max(1000, 'Choose 1,000 sites or fewer').default([]),
  assetIds: z.array(id('camera')).max(20000, 'Choose 20,000 cameras or fewer').default([]),
  purposes: z.array(z.string().trim().min(1, 'A purpose cannot be blank').max(500, 'Each purpose must be 500 characters or fewer')).min(1, 'Give at least one purpose').max(20, 'Give 20 purposes or fewer'),
  annualReviewDate: isoDate('annual review date').nullish().transform((v) => v ?? null),
}).strict().superRefine((v, c) => {
  if (v.annualReviewDate && v.annualReviewDate > new Date().toISOString().slice(0, 10)) c.addIssue({ code: 'custom', path: ['annualReviewDate'], message: 'Annual review date cannot be in the future' });
});
export type ScopeInput = z.infer<typeof scopeInput>;

const answerItem = z.object({
  questionId: z.string().max(40).refine((q) => QUESTION_IDS.has(q), 'Not a question of the self-assessment'),
  answer: z.enum(CLOSED_ANSWERS, { error: 'Answer yes, partly, no or na' }).nullish().transform((v) => v ?? null),
  text: longText('Answer'),
  note: longText('Note', 2000),
}).strict();

/** Answers to one principle's questions (those not sent are left as they are). */
export const answersInput = z.object({
  principle: principleNumber,
  answers: z.array(answerItem).max(20, 'Send 20 answers or fewer at once'),
}).strict().superRefine((v, c) => {
  const p = PRINCIPLES.find((x) => x.number === v.principle);
  if (!p) return;
  v.answers.forEach((a, i) => {
    const q = p.questions.find((x) => x.id === a.questionId);
    if (!q) { c.addIssue({ code: 'custom', path: ['answers', i, 'questionId'], message: `${a.questionId} is not a question of principle ${v.principle}` }); return; }
    if (q.derived && a.answer) c.addIssue({ code: 'custom', path: ['answers', i, 'answer'], message: 'Sightline keeps this answer current from the register; add a note instead' });
    if (q.kind === 'open' && a.answer) c.addIssue({ code: 'custom', path: ['answers', i, 'answer'], message: 'This question takes a written answer, not yes or no' });
    if (q.kind === 'closed' && a.text) c.addIssue({ code: 'custom', path: ['answers', i, 'text'], message: 'This question takes yes, partly, no or not applicable; use the note for more' });
  });
});

export const evidenceInput = z.object({
  principle: principleNumber,
  kind: z.enum(EVIDENCE_KINDS, { error: 'Choose the kind of evidence: document, asset, site, finding or maintenance' }),
  refId: z.string({ error: 'Choose the record' }).trim().regex(UUID_RE, 'Not a record id'),
}).strict();

export const actionInput = z.object({
  principle: principleNumber,
  title: z.string({ error: 'Describe the action' }).trim().min(1, 'Describe the action').max(500, 'Action must be 500 characters or fewer'),
  ownerId: id('owner'),
  dueDate: isoDate('due date'),
  status: z.enum(ACTION_STATUSES, { error: 'Status must be open, in-progress or done' }).default('open'),
}).strict();
export const actionPatch = z.object({
  title: actionInput.shape.title, ownerId: actionInput.shape.ownerId, dueDate: actionInput.shape.dueDate,
  status: z.enum(ACTION_STATUSES, { error: 'Status must be open, in-progress or done' }),
}).partial().strict();

export const publishInput = z.object({
  version: z.number().int().min(1).optional().describe('The completed version to publish; the latest completed one if left out'),
  settings: z.object(Object.fromEntries(PUBLISH_FIELDS.map((f) => [f.key, z.boolean({ error: `Say whether to publish ${f.label.toLowerCase()} (true or false)` })])) as Record<string, z.ZodBoolean>).strict().partial(),
}).strict();

export const versionQuery = z.object({
  version: z.coerce.number().int('Version must be a whole number').min(1, 'Version must be 1 or more').max(100000).optional().describe('A completed version number; the latest assessment if left out'),
}).strict();
