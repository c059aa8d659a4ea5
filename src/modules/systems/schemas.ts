import { z } from 'zod';
import { siteIdList } from '../sites/repo';

const optionalText = (max: number, label: string) =>
  z.string().trim().max(max, `${label} must be ${max} characters or fewer`).nullish().transform((v) => (v ? v : null));

const RETENTION_MESSAGE = 'Enter how many days images are kept, from 1 to 3650';

/**
 * A surveillance camera system in the Code of Practice's sense: one purpose, one responsible owner.
 * No defaults in these fields: a PATCH schema built from defaulted fields would fill in values the caller left out.
 */
const shape = {
  name: z.string({ error: 'Enter the system name' }).trim().min(1, 'Enter the system name').max(200, 'System name must be 200 characters or fewer'),
  purpose: z.string({ error: 'Describe what the system is for' }).trim().min(1, 'Describe what the system is for').max(2000, 'Purpose must be 2,000 characters or fewer'),
  owner: z.string({ error: 'Enter the responsible person or role' }).trim().min(1, 'Enter the responsible person or role').max(200, 'Owner must be 200 characters or fewer'),
  operator: optionalText(200, 'Operator'),
  retentionDays: z.number({ error: RETENTION_MESSAGE }).int(RETENTION_MESSAGE).min(1, RETENTION_MESSAGE).max(3650, RETENTION_MESSAGE),
  siteIds: siteIdList,
};

export const systemFields = z.object({ ...shape, siteIds: siteIdList.default([]) }).strict();
export const systemPatch = z.object(shape).partial().strict();
export type SystemInput = z.infer<typeof systemFields>;

export interface System {
  id: string; name: string; purpose: string; owner: string; operator: string | null; retentionDays: number;
  siteIds: string[]; createdAt: string; updatedAt: string;
}
