import { z } from 'zod';

export const overrideInput = z.object({
  brandName: z.string({ error: 'Enter the brand as it appears on the equipment' }).trim().min(1, 'Enter the brand as it appears on the equipment').max(100, 'Brand must be 100 characters or fewer'),
  company: z.string({ error: 'Choose the company that really makes it' }).trim().min(1, 'Choose the company that really makes it').max(60),
  basis: z.string({ error: 'Say what this is based on' }).trim().min(1, 'Say what this is based on, for example the contract or a supplier letter').max(1000, 'Basis must be 1,000 characters or fewer'),
}).strict();
