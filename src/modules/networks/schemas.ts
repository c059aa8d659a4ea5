import { z } from 'zod';
import { normaliseCidr } from '../../domain/netaddr';
import { siteIdList } from '../sites/schemas';

export const NETWORK_KINDS = ['core', 'isolated', 'internet-facing', 'standalone'] as const;
export const NETWORK_KIND_LABELS: Record<(typeof NETWORK_KINDS)[number], string> = {
  core: 'Core network (departmental or corporate)', isolated: 'Isolated CCTV network',
  'internet-facing': 'Internet-facing', standalone: 'Standalone (not connected)',
};

export const networkFields = z.object({
  name: z.string({ error: 'Enter the network name' }).trim().min(1, 'Enter the network name').max(200, 'Network name must be 200 characters or fewer'),
  kind: z.enum(NETWORK_KINDS, { error: 'Choose what kind of network this is' }),
  cidrs: z.array(z.string({ error: 'Enter a network range like 10.20.0.0/16' }).transform((v, c) => {
    const n = normaliseCidr(v);
    if (!n) { c.addIssue({ code: 'custom', message: `“${v.slice(0, 50)}” is not a network range; enter one like 10.20.0.0/16` }); return z.NEVER; }
    return n;
  }), { error: 'Ranges must be a list, like ["10.20.0.0/16"]' }).max(50, 'Enter 50 ranges or fewer').default([])
    .transform((list) => [...new Set(list)]),
  siteIds: siteIdList,
}).strict();
export const networkPatch = networkFields.partial().strict();
export type NetworkInput = z.infer<typeof networkFields>;

export interface Network {
  id: string; name: string; kind: (typeof NETWORK_KINDS)[number]; cidrs: string[]; siteIds: string[]; createdAt: string; updatedAt: string;
}
