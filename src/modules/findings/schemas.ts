import { z } from 'zod';
import { isIsoDate } from '../../domain/netaddr';
import { SEVERITY_ORDER } from '../../domain/policy';
import { UUID_RE } from '../../platform/ids';
import { limitSchema } from '../../platform/paging';

export const FINDING_STATUSES = ['open', 'accepted', 'resolved'] as const;
export const STATUS_LABELS: Record<(typeof FINDING_STATUSES)[number], string> = { open: 'Open', accepted: 'Risk accepted', resolved: 'Resolved' };

/** A risk owner's decision to live with a finding for now: why, and when it must be looked at again. */
export const acceptInput = z.object({
  reason: z.string({ error: 'Give the reason the risk is accepted' }).trim().min(1, 'Give the reason the risk is accepted').max(2000, 'Reason must be 2,000 characters or fewer'),
  reviewDate: z.string({ error: 'Enter the date to review this decision' }).trim().refine(isIsoDate, 'Review date must be a real date, like 2027-03-31'),
}).strict().superRefine((v, c) => {
  const today = new Date().toISOString().slice(0, 10);
  if (isIsoDate(v.reviewDate) && v.reviewDate <= today) c.addIssue({ code: 'custom', path: ['reviewDate'], message: 'Review date must be in the future' });
  const max = new Date(Date.now() + 3 * 366 * 86400_000).toISOString().slice(0, 10);
  if (isIsoDate(v.reviewDate) && v.reviewDate > max) c.addIssue({ code: 'custom', path: ['reviewDate'], message: 'Review date must be within 3 years' });
});

export const findingListQuery = z.object({
  status: z.enum(FINDING_STATUSES).optional().describe('open, accepted or resolved'),
  severity: z.enum(SEVERITY_ORDER as [string, ...string[]]).optional().describe('critical, high, medium, low or info'),
  rule: z.string().max(60).optional().describe('Rule id, e.g. uk-nil-core-network'),
  site: z.string().regex(UUID_RE, 'Not a site id').optional().describe('Only findings about assets at this site'),
  asset: z.string().regex(UUID_RE, 'Not an asset id').optional().describe('Only findings about this asset'),
  sort: z.enum(['newest', 'severity'], { error: 'Sort by newest or severity' }).default('newest').describe('newest (default) or severity: critical first, newest first within a severity'),
  cursor: z.string().regex(UUID_RE, 'Not a valid cursor').optional().describe('The `next` value of the previous page'),
  limit: limitSchema.describe('Page size, 1–500 (default 50)'),
}).strict();
