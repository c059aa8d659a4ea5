import { z } from 'zod';
import { siteIdList } from '../sites/schemas';

const optionalText = (max: number, label: string) =>
  z.string().trim().max(max, `${label} must be ${max} characters or fewer`).nullish().transform((v) => (v ? v : null));

/** A surveillance camera system in the Code of Practice's sense: one purpose, one responsible owner. */
export const systemFields = z.object({
  name: z.string({ error: 'Enter the system name' }).trim().min(1, 'Enter the system name').max(200, 'System name must be 200 characters or fewer'),
  purpose: z.string({ error: 'Describe what the system is for' }).trim().min(1, 'Describe what the system is for').max(2000, 'Purpose must be 2,000 characters or fewer'),
  owner: z.string({ error: 'Enter the responsible person or role' }).trim().min(1, 'Enter the responsible person or role').max(200, 'Owner must be 200 characters or fewer'),
  operator: optionalText(200, 'Operator'),
  retentionDays: z.number({ error: 'Enter how many days images are kept, from 1 to 3650' }).int('Enter how many days images are kept, from 1 to 3650')
    .min(1, 'Enter how many days images are kept, from 1 to 3650').max(3650, 'Enter how many days images are kept, from 1 to 3650'),
  siteIds: siteIdList,
}).strict();
export const systemPatch = systemFields.partial().strict();
export type SystemInput = z.infer<typeof systemFields>;

export interface System {
  id: string; name: string; purpose: string; owner: string; operator: string | null; retentionDays: number;
  siteIds: string[]; createdAt: string; updatedAt: string;
}
