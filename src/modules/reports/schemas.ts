import { z } from 'zod';
import { isIsoDate } from '../../domain/netaddr';

const optionalText = (max: number, label: string) =>
  z.string().trim().max(max, `${label} must be ${max} characters or fewer`).nullish().transform((v) => (v ? v : null));
const date = (label: string) => z.string().trim().nullish().transform((v, c) => {
  if (!v) return null;
  if (!isIsoDate(v)) { c.addIssue({ code: 'custom', message: `${label} must be a real date, like 2025-04-01` }); return z.NEVER; }
  return v;
});

export const profileInput = z.object({
  maintainer: optionalText(200, 'Maintainer'),
  contractStart: date('Contract start'),
  contractEnd: date('Contract end'),
  annualSpend: z.number({ error: 'Annual spend must be a number of pounds, like 12500' }).min(0, 'Annual spend cannot be negative').max(1e9, 'Annual spend is too large').nullish().transform((v) => v ?? null),
  foiContact: optionalText(300, 'Contact'),
}).strict().superRefine((v, c) => {
  if (v.contractStart && v.contractEnd && v.contractEnd < v.contractStart) c.addIssue({ code: 'custom', path: ['contractEnd'], message: 'Contract end must be on or after its start' });
});
