import { z } from 'zod';
import { UUID_RE } from '../../platform/ids';
import { limitSchema } from '../../platform/paging';
import { ipv4ToInt } from '../../discovery/targets';
import { readTarget } from './scope';

export const DEFAULT_PORTS = [80, 443, 554, 8000, 8080, 8443, 37777, 34567];
export const CADENCES = ['hourly', 'daily', 'weekly'] as const;
export const CADENCE_LABELS: Record<(typeof CADENCES)[number], string> = { hourly: 'Every hour', daily: 'Every day', weekly: 'Every week' };
export const CADENCE_MS: Record<(typeof CADENCES)[number], number> = { hourly: 3_600_000, daily: 86_400_000, weekly: 7 * 86_400_000 };
export const ITEM_KINDS = ['new', 'missing', 'changed', 'provenance'] as const;
export const ITEM_KIND_LABELS: Record<(typeof ITEM_KINDS)[number], string> = {
  new: 'Found on the network, not in the register', missing: 'In the register, not seen on the network',
  changed: 'Changed firmware, IP or MAC address', provenance: 'Maker differs from the register',
};

/** The narrowest prefix an allowed range may have: wider than a /8 is far likelier a typo than an estate. */
export const WIDEST_PREFIX = 8;
const CIDR_MESSAGE = 'Enter an IPv4 range like 10.20.0.0/16';

const cidr = z.string({ error: CIDR_MESSAGE }).trim().max(40, CIDR_MESSAGE).transform((v, c) => {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(v);
  const base = m ? ipv4ToInt(m[1]) : null;
  const bits = m ? Number(m[2]) : NaN;
  if (!m || base === null || bits > 32) { c.addIssue({ code: 'custom', message: CIDR_MESSAGE }); return z.NEVER; }
  if (bits < WIDEST_PREFIX) { c.addIssue({ code: 'custom', message: `A range must be /${WIDEST_PREFIX} or narrower` }); return z.NEVER; }
  const size = 2 ** (32 - bits);
  const first = Math.floor(base / size) * size;
  return `${[24, 16, 8, 0].map((s) => Math.floor(first / 2 ** s) % 256).join('.')}/${bits}`;
});

export const rangeInput = z.object({
  cidr,
  label: z.string({ error: 'Label must be text' }).trim().max(200, 'Label must be 200 characters or fewer').nullish().transform((v) => v || null),
  confirmPublic: z.boolean({ error: 'confirmPublic must be true or false' }).optional(),
}).strict();

const ranges = z.array(z.string().regex(UUID_RE, 'Choose allowed ranges of this organisation'), { error: 'Choose at least one allowed range' })
  .min(1, 'Choose at least one allowed range the credential may be used in').max(100).transform((l) => [...new Set(l)]);

export const credentialInput = z.object({
  name: z.string({ error: 'Enter a name for the credential' }).trim().min(1, 'Enter a name for the credential').max(100, 'Name must be 100 characters or fewer'),
  username: z.string({ error: 'Enter the user name' }).trim().min(1, 'Enter the user name').max(200, 'User name must be 200 characters or fewer'),
  // Not trimmed: spaces can be part of a password.
  password: z.string({ error: 'Enter the password' }).min(1, 'Enter the password').max(500, 'Password must be 500 characters or fewer'),
  rangeIds: ranges,
}).strict();

export const portList = z.array(z.number({ error: 'Ports must be numbers' }).int('Ports must be whole numbers').min(1, 'Ports run from 1 to 65535').max(65535, 'Ports run from 1 to 65535'), { error: 'Ports must be a list of numbers' })
  .min(1, 'Give at least one port').max(100, 'Give 100 ports or fewer').transform((l) => [...new Set(l)].sort((a, b) => a - b));

const targetList = z.array(z.string({ error: 'Targets must be text' }).trim().max(100, 'A target must be 100 characters or fewer').refine((t) => readTarget(t) !== null, 'Enter addresses, CIDR ranges or a-b ranges, like 10.20.1.0/24'), { error: 'Targets must be a list' })
  .min(1, 'Enter at least one target').max(50, 'Enter 50 targets or fewer');

export const scheduleInput = z.object({
  name: z.string({ error: 'Enter a name for the schedule' }).trim().min(1, 'Enter a name for the schedule').max(200, 'Name must be 200 characters or fewer'),
  targets: targetList,
  ports: portList.default(DEFAULT_PORTS),
  rate: z.number({ error: 'Rate must be a number' }).int('Rate must be a whole number').min(1, 'Rate must be at least 1 per second').max(5000, 'Rate must be 5,000 per second or fewer').default(200),
  cadence: z.enum(CADENCES, { error: `Choose how often: ${CADENCES.join(', ')}` }),
  credentialName: z.string().trim().max(100).nullish().transform((v) => v || null),
  enabled: z.boolean().default(true),
}).strict();

// ---- The scan report (src/discovery/types.ts ScanReport), as uploaded: every string and list bounded. ----
// Objects are not strict: the contract may grow additively, and unknown fields are dropped, not refused.

const text = (max: number) => z.string().max(max);
const optText = (max: number) => z.string().max(max).nullish();
const isoTime = z.string().max(40).refine((v) => !Number.isNaN(Date.parse(v)), 'Must be an ISO 8601 time');
const ipv4 = z.string().max(15).refine((v) => ipv4ToInt(v) !== null, 'Must be an IPv4 address like 10.20.1.15');

const evidenceItem = z.object({
  kind: text(40), value: text(1000), company: optText(200), indicates: text(2000), weight: z.number().finite(),
  ruleId: optText(200), source: optText(200), platform: optText(200),
});
const verdict = z.object({
  id: optText(200), origin: optText(200), nilSubject: z.boolean().nullable(), confidence: z.number().min(0).max(1),
  evidence: z.array(evidenceItem).max(200), catalogueVersion: text(100),
  conflicts: z.array(z.object({ companies: z.array(text(200)).max(20), kinds: z.array(text(40)).max(20), message: text(2000) })).max(50),
  platform: z.object({ id: text(200), name: text(500), note: text(2000), nilSubject: z.boolean().nullable() }).nullish(),
});

/** The first 64 KiB of a web page, as the contract says discovery sends it. */
export const MAX_HTTP_BODY = 65_536;

/**
 * What a network says about a device beyond the register's fields (DeviceEvidence's network fields, see
 * src/domain/provenance-types.ts): the same bounds apply to an upload and to what is kept with an asset.
 */
export const networkEvidenceShape = {
  httpServer: optText(1000), httpTitle: optText(1000), httpPaths: z.array(text(1000)).max(200).nullish(), rtspServer: optText(1000),
  onvif: z.object({
    manufacturer: optText(500), model: optText(500), firmwareVersion: optText(500), serialNumber: optText(500), hardwareId: optText(500),
  }).nullish(),
  scopes: z.array(text(1000)).max(200).nullish(),
  realm: optText(1000).describe('A WWW-Authenticate realm, HTTP or RTSP'),
  realms: z.array(text(1000)).max(50).nullish().describe('Several realms (web and RTSP)'),
  wwwAuthenticate: optText(4096).describe('The raw WWW-Authenticate header'),
  ftpBanner: optText(4096), telnetBanner: optText(4096), sshBanner: optText(4096), loginBanner: optText(4096),
  snmpSysDescr: optText(4096), snmpSysObjectId: optText(1000),
  x509Subject: optText(4096).describe('TLS certificate subject'), x509Issuer: optText(4096),
  httpBody: optText(MAX_HTTP_BODY).describe('The first 64 KiB of the root page'),
  faviconMd5: optText(100).describe('Hex MD5 of /favicon.ico'),
  faviconMmh3: z.union([text(40), z.number().int()]).nullish().describe('Shodan’s favicon hash (signed 32-bit MurmurHash3), as a number or decimal text'),
  dhcpVendorClass: optText(1000), sipUserAgent: optText(1000), upnpServer: optText(1000), upnpManufacturer: optText(1000), upnpModelName: optText(1000),
  service: optText(100), port: z.number().int().min(0).max(65535).nullish(),
  rawResponse: optText(4096).describe('The first bytes another service answered, as text with escapes'),
  services: z.array(z.object({ service: optText(100), port: z.number().int().min(0).max(65535).nullish(), rawResponse: optText(4096) })).max(50).nullish()
    .describe('Several such answers (e.g. Hikvision SADP, Dahua DHIP)'),
};

export const discoveredDevice = z.object({
  id: optText(200), brand: optText(500), model: optText(500), firmware: optText(500), serial: optText(500), mac: optText(50),
  ...networkEvidenceShape,
  address: ipv4,
  ports: z.array(z.number().int().min(1).max(65535)).max(1000),
  wsDiscovery: z.object({ endpoint: optText(1000), xaddrs: z.array(text(2000)).max(50), types: z.array(text(500)).max(50) }).nullish(),
  probes: z.array(z.object({ probe: text(100), ok: z.boolean(), ms: z.number().min(0), error: optText(2000) })).max(500),
  verdict,
  seenAt: isoTime,
});

export const MAX_REPORT_DEVICES = 20_000;
export const scanReport = z.object({
  tool: z.literal('sightline-discover', { error: 'tool must be "sightline-discover"' }),
  formatVersion: z.literal(1, { error: 'formatVersion must be 1' }),
  startedAt: isoTime,
  finishedAt: isoTime,
  targets: z.array(text(100)).min(1, 'The report names no targets').max(1000),
  ports: z.array(z.number().int().min(1).max(65535)).max(1000),
  hostsScanned: z.number().int().min(0).max(2 ** 32),
  interrupted: z.boolean(),
  devices: z.array(discoveredDevice).max(MAX_REPORT_DEVICES, `A report may hold at most ${MAX_REPORT_DEVICES.toLocaleString('en-GB')} devices`),
});
export type ScanReportInput = z.infer<typeof scanReport>;
export type DeviceInput = z.infer<typeof discoveredDevice>;

export const runListQuery = z.object({
  cursor: z.string().regex(UUID_RE, 'Not a valid cursor').optional().describe('The `next` value of the previous page'),
  limit: limitSchema.describe('Page size, 1–500 (default 50)'),
}).strict();

export const itemListQuery = z.object({
  kind: z.enum(ITEM_KINDS).optional().describe('new, missing, changed or provenance'),
  open: z.enum(['true', 'false']).optional().describe('Only items not yet acted on (true) or only acted on (false)'),
  cursor: z.string().regex(UUID_RE, 'Not a valid cursor').optional().describe('The `next` value of the previous page'),
  limit: limitSchema.describe('Page size, 1–500 (default 50)'),
}).strict();
