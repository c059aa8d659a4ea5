import { z } from 'zod';
import { isIsoDate, normaliseIp, normaliseMac } from '../../domain/netaddr';
import { UUID_RE } from '../../platform/ids';
import { limitSchema } from '../../platform/paging';

export const ASSET_KINDS = ['camera', 'nvr', 'dvr', 'encoder', 'vms-server', 'switch', 'other'] as const;
export const KIND_LABELS: Record<(typeof ASSET_KINDS)[number], string> = {
  camera: 'Camera', nvr: 'Network video recorder (NVR)', dvr: 'Digital video recorder (DVR)', encoder: 'Encoder',
  'vms-server': 'Video management (VMS) server', switch: 'Network switch', other: 'Other',
};
export const ASSET_STATUSES = ['in-service', 'faulty', 'removed', 'replacement-planned'] as const;
export const STATUS_LABELS: Record<(typeof ASSET_STATUSES)[number], string> = {
  'in-service': 'In service', faulty: 'Faulty', removed: 'Removed', 'replacement-planned': 'Replacement planned',
};
export const ASSET_SORTS = ['manufacturer', 'model', 'status', 'kind', 'updated', 'created'] as const;

const optionalText = (max: number, label: string) =>
  z.string({ error: `${label} must be text` }).trim().max(max, `${label} must be ${max} characters or fewer`).nullish().transform((v) => (v ? v : null));

const ref = (label: string) => z.string({ error: `Choose a ${label}` }).regex(UUID_RE, `Choose a ${label} from this organisation`).nullish().transform((v) => v ?? null);

const date = (label: string) => z.string({ error: `${label} must be a date` }).trim().nullish().transform((v, c) => {
  if (!v) return null;
  if (!isIsoDate(v)) { c.addIssue({ code: 'custom', message: `${label} must be a real date, like 2023-03-27` }); return z.NEVER; }
  return v;
});

export const assetFields = z.object({
  kind: z.enum(ASSET_KINDS, { error: 'Choose the kind of asset, such as a camera or a recorder' }),
  manufacturer: optionalText(200, 'Manufacturer'),
  model: optionalText(200, 'Model'),
  serial: optionalText(100, 'Serial number'),
  firmware: optionalText(200, 'Firmware version'),
  mac: z.string({ error: 'MAC address must be text' }).trim().nullish().transform((v, c) => {
    if (!v) return null;
    const m = normaliseMac(v);
    if (!m) { c.addIssue({ code: 'custom', message: 'Enter a MAC address like 44:19:B6:12:34:56' }); return z.NEVER; }
    return m;
  }),
  ip: z.string({ error: 'IP address must be text' }).trim().nullish().transform((v, c) => {
    if (!v) return null;
    const ip = normaliseIp(v);
    if (!ip) { c.addIssue({ code: 'custom', message: 'Enter an IP address like 10.20.1.15' }); return z.NEVER; }
    return ip;
  }),
  networkId: ref('network'),
  siteId: ref('site'),
  systemId: ref('system'),
  installDate: date('Install date'),
  warrantyEnd: date('Warranty end date'),
  status: z.enum(ASSET_STATUSES, { error: `Choose a status: ${Object.values(STATUS_LABELS).join(', ').toLowerCase()}` }).default('in-service'),
  location: optionalText(500, 'Location'),
  notes: optionalText(5000, 'Notes'),
}).strict();

export const assetInput = assetFields.superRefine((a, c) => {
  if (a.installDate && a.warrantyEnd && a.warrantyEnd < a.installDate) {
    c.addIssue({ code: 'custom', path: ['warrantyEnd'], message: 'Warranty end date must be on or after the install date' });
  }
});
export const assetPatch = assetFields.partial().strict();
export type AssetInput = z.infer<typeof assetInput>;

export interface Asset {
  id: string; kind: (typeof ASSET_KINDS)[number]; manufacturer: string | null; model: string | null; serial: string | null;
  firmware: string | null; mac: string | null; ip: string | null; networkId: string | null; siteId: string | null; systemId: string | null;
  installDate: string | null; warrantyEnd: string | null; status: (typeof ASSET_STATUSES)[number]; location: string | null;
  notes: string | null; createdAt: string; updatedAt: string;
  /** Marked missing after the discovery scan of this date; null when discovery has not reported it missing. */
  missingSince: string | null;
}

export interface AssetListItem extends Asset { siteName: string | null; networkName: string | null; systemName: string | null }

export const assetListQuery = z.object({
  site: z.string().regex(UUID_RE, 'Not a site id').optional().describe('Site id'),
  network: z.string().regex(UUID_RE, 'Not a network id').optional().describe('Network id'),
  system: z.string().regex(UUID_RE, 'Not a system id').optional().describe('System id'),
  kind: z.enum(ASSET_KINDS).optional().describe('Kind of asset'),
  status: z.enum(ASSET_STATUSES).optional().describe('Status'),
  manufacturer: z.string().max(200).optional().describe('Labelled manufacturer (case-insensitive, exact)'),
  q: z.string().max(200).optional().describe('Text in manufacturer, model, serial, firmware, MAC, IP or location'),
  sort: z.enum(ASSET_SORTS).default('manufacturer').describe('Sort key'),
  order: z.enum(['asc', 'desc']).default('asc').describe('Sort direction'),
  cursor: z.string().max(2000).optional().describe('The `next` (or `prev`) value of another page'),
  limit: limitSchema.describe('Page size, 1–500 (default 50)'),
}).strict();
export type AssetListQuery = z.infer<typeof assetListQuery>;

/** The key used to filter and sort manufacturers and models: case and spacing do not matter. */
export const textKey = (v: string | null | undefined) => (v ?? '').trim().replace(/\s+/g, ' ').toLowerCase();
