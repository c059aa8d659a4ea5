import { z } from 'zod';
import { normalisePostcode } from '../../domain/netaddr';

export const SITE_TYPES = ['office', 'school', 'hospital', 'police', 'depot', 'public-space', 'car-park', 'leisure', 'housing', 'data-centre', 'other'] as const;
export const SITE_TYPE_LABELS: Record<(typeof SITE_TYPES)[number], string> = {
  office: 'Office or civic building', school: 'School or college', hospital: 'Hospital or clinic', police: 'Police station',
  depot: 'Depot or works yard', 'public-space': 'Public space', 'car-park': 'Car park', leisure: 'Leisure centre or library',
  housing: 'Housing', 'data-centre': 'Data centre or server room', other: 'Other',
};

const optionalText = (max: number, label: string) =>
  z.string().trim().max(max, `${label} must be ${max} characters or fewer`).nullish().transform((v) => (v ? v : null));

export const siteFields = z.object({
  name: z.string({ error: 'Enter the site name' }).trim().min(1, 'Enter the site name').max(200, 'Site name must be 200 characters or fewer'),
  address: optionalText(500, 'Address'),
  postcode: z.string().trim().nullish().transform((v, c) => {
    if (!v) return null;
    const p = normalisePostcode(v);
    if (!p) { c.addIssue({ code: 'custom', message: 'Enter a real postcode, like SW1A 2AA' }); return z.NEVER; }
    return p;
  }),
  latitude: z.number({ error: 'Latitude must be a number, like 51.5034' }).min(-90, 'Latitude must be between -90 and 90').max(90, 'Latitude must be between -90 and 90').nullish().transform((v) => v ?? null),
  longitude: z.number({ error: 'Longitude must be a number, like -0.1276' }).min(-180, 'Longitude must be between -180 and 180').max(180, 'Longitude must be between -180 and 180').nullish().transform((v) => v ?? null),
  sensitive: z.boolean({ error: 'Say whether the site is sensitive' }).default(false),
  sensitiveReason: optionalText(1000, 'Reason'),
  siteType: z.enum(SITE_TYPES, { error: 'Choose a site type' }).default('other'),
}).strict();

export const siteInput = siteFields.superRefine((s, c) => {
  if (s.sensitive && !s.sensitiveReason) c.addIssue({ code: 'custom', path: ['sensitiveReason'], message: 'Give the reason the site is sensitive' });
  if ((s.latitude === null) !== (s.longitude === null)) {
    c.addIssue({ code: 'custom', path: [s.latitude === null ? 'latitude' : 'longitude'], message: 'Enter both latitude and longitude, or neither' });
  }
});
export const sitePatch = siteFields.partial().strict();

export type SiteInput = z.infer<typeof siteInput>;

export interface Site {
  id: string; name: string; address: string | null; postcode: string | null; latitude: number | null; longitude: number | null;
  sensitive: boolean; sensitiveReason: string | null; siteType: (typeof SITE_TYPES)[number]; createdAt: string; updatedAt: string;
}
