import { z } from 'zod';
import { ASSET_KINDS } from '../assets/schemas';

/** Typical UK installed prices (device plus fitting), used until an organisation enters its own. */
export const DEFAULT_UNIT_COST_PENCE: Record<(typeof ASSET_KINDS)[number], number> = {
  camera: 450_00, nvr: 1_800_00, dvr: 1_200_00, encoder: 600_00, 'vms-server': 6_000_00, switch: 900_00, other: 500_00,
};

const pounds = (kind: string) => z.number({ error: `Enter a cost for ${kind} in pounds, like 450` })
  .min(0, `Cost for ${kind} cannot be negative`).max(1_000_000, `Cost for ${kind} must be £1,000,000 or less`);

export const costsInput = z.object(Object.fromEntries(ASSET_KINDS.map((k) => [k, pounds(k).optional()]))).strict();

export const planQuery = z.object({
  budget: z.coerce.number({ error: 'Budget must be a number of pounds' }).min(0, 'Budget cannot be negative').max(1e10, 'Budget is too large').optional()
    .describe('Budget in pounds: the plan marks which replacements it covers, in order'),
}).strict();
