import { z } from 'zod';

export const orgInput = z.object({
  slug: z.string().trim().toLowerCase().regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'Slug must be 1 to 40 lower-case letters, digits or hyphens, like north-shire-council'),
  name: z.string().trim().min(1, 'Enter the organisation name').max(200, 'Organisation name must be 200 characters or fewer'),
}).strict();
