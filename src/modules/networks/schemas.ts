import { z } from 'zod';
import { normaliseCidr } from '../../domain/netaddr';
import { siteIdList } from '../sites/repo';

export const NETWORK_KINDS = ['core', 'isolated', 'internet-facing', 'standalone'] as const;
export const NETWORK_KIND_LABELS: Record<(typeof NETWORK_KINDS)[number], string> = {
  core: 'Core network (departmental or corporate)', isolated: 'Isolated CCTV network',
  'internet-facing': 'Internet-facing', standalone: 'Standalone (not connected)',
};

export const CIDR_MESSAGE = 'Enter a network range like 10.20.0.0/16';

/** Each range is stored in canonical form (10.20.1.7/16 → 10.20.0.0/16), so duplicates collapse. */
const cidrList = z.array(z.string({ error: CIDR_MESSAGE }).max(100, CIDR_MESSAGE).transform((v, c) => {
  const n = normaliseCidr(v);
  if (!n) { c.addIssue({ code: 'custom', message: CIDR_MESSAGE }); return z.NEVER; }
  return n;
}), { error: 'Ranges must be a list, like ["10.20.0.0/16"]' }).max(50, 'Enter 50 ranges or fewer')
  .transform((list) => [...new Set(list)]);

// No defaults here: a PATCH schema built from defaulted fields would fill in [] for lists the caller left out.
const shape = {
  name: z.string({ error: 'Enter the network name' }).trim().min(1, 'Enter the network name').max(200, 'Network name must be 200 characters or fewer'),
  kind: z.enum(NETWORK_KINDS, { error: 'Choose what kind of network this is' }),
  cidrs: cidrList,
  siteIds: siteIdList,
};

export const networkFields = z.object({ ...shape, cidrs: cidrList.default([]), siteIds: siteIdList.default([]) }).strict();
export const networkPatch = z.object(shape).partial().strict();
export type NetworkInput = z.infer<typeof networkFields>;

export interface Network {
  id: string; name: string; kind: (typeof NETWORK_KINDS)[number]; cidrs: string[]; siteIds: string[]; createdAt: string; updatedAt: string;
}
