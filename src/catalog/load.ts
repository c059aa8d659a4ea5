// Loads and validates the vendor catalogue: data/catalogue.json plus every data/fingerprints/*.json fragment (same
// sections, merged in file-name order; a fragment keeps one group's evidence together, e.g. prc-makers.json for the
// PRC makers beyond the core catalogue). Validation is strict on purpose: the catalogue decides what the product
// tells a public body about its cameras, so a claim without a source, a rule that no longer matches its own examples,
// or a pattern that matches everything must stop the load, not slip through.
import { readdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { knownRegistrantNames, normaliseRegistrant } from './oui';
import { EVIDENCE_FIELDS, type Catalogue } from './types';

/** Companies the product's policy and tests rely on: a catalogue without them is not shippable. */
export const REQUIRED_COMPANIES = [
  'hikvision', 'dahua', 'uniview', 'huawei', 'zte', 'hytera', 'tiandy', 'xiongmai', 'milesight', 'axis', 'hanwha',
  'bosch', 'avigilon', 'pelco', 'mobotix', 'vivotek', 'i-pro', 'sony', 'panasonic', 'honeywell', 'd-link', 'tp-link',
  'reolink',
] as const;

const LIST_STATUSES: Record<string, string[]> = {
  'prc-nil': ['subject', 'not-subject'],
  'ndaa-889': ['named', 'affiliate'],
  'fcc-covered': ['listed'],
  'commerce-entity': ['listed'],
  'dod-1260h': ['listed'],
};

// Shape only. Sources, ranges and dates are left loose here and checked below, so that each error can name the
// entry it is about ("brand "EZVIZ": has no source") rather than a bare JSON path.
const text = z.string();
const optSource = z.string().nullish();
const isoOrNull = z.string().nullable();

const schema = z.object({
  version: text,
  sources: z.array(z.object({ id: text, title: text, publisher: text, url: z.string().nullable(), date: isoOrNull })),
  companies: z.array(z.object({
    slug: text, name: text, country: text,
    flags: z.array(z.object({
      list: z.enum(['prc-nil', 'ndaa-889', 'fcc-covered', 'commerce-entity', 'dod-1260h']),
      status: z.enum(['subject', 'not-subject', 'named', 'affiliate', 'listed']),
      since: isoOrNull, until: isoOrNull, confidence: z.number(), source: optSource, note: z.string().optional(),
    })),
    parent: z.string().optional(),
    note: z.string().optional(),
  })),
  brands: z.array(z.object({
    name: text, aliases: z.array(text), company: text,
    relation: z.enum(['own', 'brand', 'subsidiary', 'oem', 'former']),
    confidence: z.number(), from: isoOrNull, until: isoOrNull, source: optSource, note: z.string().optional(),
  })),
  ouiRegistrants: z.array(z.object({ company: text, names: z.array(text), source: optSource })),
  platforms: z.array(z.object({ id: text, name: text, nilSubject: z.boolean().nullable(), note: text, source: optSource })).default([]),
  rules: z.array(z.object({
    id: text,
    field: z.enum(EVIDENCE_FIELDS),
    pattern: text, company: text.optional(), platform: text.optional(), ports: z.array(z.number().int().min(1).max(65535)).optional(),
    weight: z.number(), indicates: text, source: optSource,
    examples: z.object({ match: z.array(text), noMatch: z.array(text) }),
  })),
});

const EMPTY: Catalogue = { version: '', sources: [], companies: [], brands: [], ouiRegistrants: [], platforms: [], rules: [] };
const SECTIONS = ['sources', 'companies', 'brands', 'ouiRegistrants', 'platforms', 'rules'] as const;

/** Strings no vendor rule may match all of: a pattern that matches every one of them matches everything. */
export const CATCH_ALL_PROBES: string[] = (() => {
  const fixed = ['', 'x', '0', 'a generic string that names no vendor 1234'];
  // A few "random" strings from a fixed seed, so validation gives the same answer on every run.
  let seed = 0x5eed;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_./:';
  const random = Array.from({ length: 6 }, () =>
    Array.from({ length: 4 + (next() % 20) }, () => alphabet[next() % alphabet.length]).join(''));
  return [...fixed, ...random];
})();

/**
 * Strings that many makers' devices show (stock web servers, SDK defaults, placeholder titles and realms, stock
 * banners): they name no maker, so no company rule may match any of them, whatever its field (a platform rule may).
 * Web servers from recog's xml/http_servers.xml and nmap-service-probes, where these servers are listed as embedded
 * in many vendors' products; the rest are the defaults of common embedded Linux stacks (BusyBox, Dropbear, OpenSSH,
 * udhcpc, net-snmp, libupnp, miniupnpd, OpenSSL's example certificate) and placeholder words.
 * Deliberately absent: "WEB SERVICE" (the Dahua-family login title, a weak Dahua hint at weight 0.3 in the catalogue).
 */
export const GENERIC_PROBES: readonly string[] = [
  // HTTP and RTSP servers embedded by many makers
  'Webs', 'GoAhead-Webs', 'GoAhead-http', 'GoAhead-Webs/2.5.0 PeerSec-MatrixSSL/3.1.3-OPEN', 'Boa/0.94.13', 'Boa/0.94.14rc21',
  'Boa/0.93.15', 'lighttpd', 'lighttpd/1.4.35', 'mini_httpd', 'mini_httpd/1.19 19dec2003', 'thttpd', 'thttpd/2.25b 29dec2003',
  'micro_httpd', 'httpd', 'nginx', 'nginx/1.18.0', 'Apache', 'Apache/2.4.41 (Ubuntu)', 'Microsoft-IIS/10.0',
  'Mbedthis-Appweb/2.4.2', 'Allegro-Software-RomPager/4.06', 'Web Server', 'WebServer', 'Embedded HTTP Server',
  'RTSP Server', 'Rtsp Server/2.0', 'LIVE555 Streaming Media v2016.02.09', 'GStreamer RTSP server',
  // placeholder page titles, realms, models and names
  'Login', 'Index', 'Welcome', 'Home', 'Web Client', 'WebClient', 'Network Camera', 'IP Camera', 'IPCamera', 'IPCAM',
  'Camera', 'Web Camera', 'HD IP Camera', 'IPC', 'NVR', 'DVR', 'DVR Login', 'NVR Login', 'Network Video Recorder',
  'Digital Video Recorder', 'Video Server', 'Live View', 'Document Error: Unauthorized', 'Unauthorized',
  '401 Unauthorized', '404 Not Found', 'Error', 'Protected', 'Restricted', 'Restricted Area', 'Authorization Required',
  'Please login', 'index.html', 'Default', 'Generic', 'General', 'Manufacturer', 'ONVIF', 'OEM', 'Unknown', 'N/A',
  // firmware, serial numbers
  '1.0', '1.0.0', 'V1.0.0', 'V2.0', '000000000000', '123456789',
  // stock banners of embedded Linux
  '220 FTP server ready.', '220 (vsFTPd 2.0.5)', '220 ProFTPD 1.3.5 Server', '220 Welcome to FTP server', 'Pure-FTPd',
  'login:', '(none) login:', 'localhost login:', 'Password:', 'BusyBox v1.19.4 (2013-05-29) built-in shell (ash)',
  'SSH-2.0-dropbear', 'SSH-2.0-dropbear_2014.63', 'SSH-2.0-OpenSSH_7.4', 'SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.5',
  'Linux', 'Linux 2.6.18', 'Linux localhost 3.10.0 #1 SMP armv7l', '1.3.6.1.4.1.8072.3.2.10',
  'CN=localhost', 'CN=IP Camera', 'CN=Network Camera', 'O=Internet Widgits Pty Ltd, ST=Some-State, C=AU',
  'udhcp 1.19.4', 'udhcp 1.20.2', 'udhcpc', 'MSFT 5.0', 'dhcpcd-5.5.6',
  'Linux/2.6.18 UPnP/1.0 miniupnpd/1.0', 'Linux, UPnP/1.0, Portable SDK for UPnP devices/1.6.6', 'Linux UPnP/1.0', 'UPnP/1.0',
  // empty or stock pages and answers
  '<html><head><title>Login</title></head><body></body></html>', '<html><body><h1>It works!</h1></body></html>',
  '<html><head><meta http-equiv="refresh" content="0; url=/index.html"></head><body></body></html>',
  'HTTP/1.1 400 Bad Request', 'HTTP/1.0 200 OK', 'RTSP/1.0 200 OK', '\\x00\\x00\\x00\\x00',
  // favicon hashes of an empty file (MD5, Shodan's hash)
  'd41d8cd98f00b204e9800998ecf8427e', '0',
];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** YYYY-MM-DD and a real calendar day (rejects 2023-02-30). */
function isIsoDay(s: string): boolean {
  if (!ISO_DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Brand names and aliases are matched case- and whitespace-insensitively, so duplicates are compared that way. */
export function normaliseBrandName(s: string): string {
  return s.toLowerCase().replace(/\s+/g, '');
}

function hasSource(s: string | null | undefined): s is string {
  return typeof s === 'string' && s.trim() !== '';
}

/** Describe a zod issue path by the entry it points at, e.g. `company "axis" › flags.0.status`. */
function describePath(raw: unknown, path: PropertyKey[]): string {
  const [section, index, ...rest] = path;
  const list = (raw as Record<string, unknown> | null)?.[String(section)];
  if (typeof index === 'number' && Array.isArray(list)) {
    const item = list[index] as Record<string, unknown> | undefined;
    const key = item?.slug ?? item?.id ?? item?.name ?? item?.company;
    const kinds: Record<string, string> = { companies: 'company', sources: 'source', brands: 'brand', rules: 'rule', ouiRegistrants: 'ouiRegistrant' };
    const label = `${kinds[String(section)] ?? String(section)} ${typeof key === 'string' ? `"${key}"` : `#${index}`}`;
    return rest.length ? `${label} › ${rest.map(String).join('.')}` : label;
  }
  return path.map(String).join('.') || '(root)';
}

/**
 * Shape and semantic checks. Returns the catalogue (typed; best effort when there are errors) and every error found,
 * each naming the entry it concerns. An empty `errors` means the catalogue is safe to use.
 */
export function validateCatalogue(raw: unknown): { catalogue: Catalogue; errors: string[] } {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    return { catalogue: EMPTY, errors: parsed.error.issues.map((i) => `shape: ${describePath(raw, i.path)}: ${i.message}`) };
  }
  const cat = parsed.data as unknown as Catalogue;
  const errors: string[] = [];
  const err = (m: string) => errors.push(m);

  // Unique ids first: every later reference check depends on them.
  const sourceIds = new Set<string>();
  for (const s of cat.sources) {
    if (sourceIds.has(s.id)) err(`source "${s.id}": duplicate source id`);
    sourceIds.add(s.id);
    if (s.date !== null && !isIsoDay(s.date)) err(`source "${s.id}": date "${s.date}" is not YYYY-MM-DD`);
    if (s.url !== null && !/^https?:\/\/\S+$/.test(s.url)) err(`source "${s.id}": url "${s.url}" is not an http(s) URL`);
    if (!s.title.trim() || !s.publisher.trim()) err(`source "${s.id}": needs a title and a publisher`);
  }
  const slugs = new Set<string>();
  for (const c of cat.companies) {
    if (slugs.has(c.slug)) err(`company "${c.slug}": duplicate company slug`);
    slugs.add(c.slug);
  }
  const checkSource = (what: string, src: string | null | undefined) => {
    if (!hasSource(src)) err(`${what}: has no source`);
    else if (!sourceIds.has(src)) err(`${what}: unknown source id "${src}"`);
  };
  const checkCompany = (what: string, slug: string) => {
    if (!slugs.has(slug)) err(`${what}: unknown company slug "${slug}"`);
  };
  const checkUnit = (what: string, n: number, name: string) => {
    if (!(n >= 0 && n <= 1)) err(`${what}: ${name} ${n} is outside 0..1`);
  };
  const checkDate = (what: string, d: string | null, name: string) => {
    if (d !== null && !isIsoDay(d)) err(`${what}: ${name} "${d}" is not YYYY-MM-DD`);
  };

  for (const slug of REQUIRED_COMPANIES) if (!slugs.has(slug)) err(`companies: required company slug "${slug}" is missing`);

  for (const c of cat.companies) {
    const what = `company "${c.slug}"`;
    if (c.slug !== c.slug.toLowerCase() || !/^[a-z0-9-]+$/.test(c.slug)) err(`${what}: slug must be lower-case letters, digits and dashes`);
    if (!/^[A-Z]{2}$/.test(c.country)) err(`${what}: country "${c.country}" is not an ISO 3166-1 alpha-2 code`);
    if (c.parent !== undefined) {
      checkCompany(`${what} parent`, c.parent);
      if (c.parent === c.slug) err(`${what}: is its own parent`);
    }
    // The UK test is the product's point: every company must say whether it is subject, with a source.
    const nil = c.flags.filter((f) => f.list === 'prc-nil');
    if (nil.length !== 1) err(`${what}: needs exactly one prc-nil flag (has ${nil.length})`);
    c.flags.forEach((f, i) => {
      const fw = `${what} flag ${f.list}${c.flags.filter((g) => g.list === f.list).length > 1 ? `#${i}` : ''}`;
      checkSource(fw, f.source);
      checkUnit(fw, f.confidence, 'confidence');
      checkDate(fw, f.since, 'since');
      checkDate(fw, f.until, 'until');
      if (f.since && f.until && f.since > f.until) err(`${fw}: since ${f.since} is after until ${f.until}`);
      if (!LIST_STATUSES[f.list]?.includes(f.status)) err(`${fw}: status "${f.status}" is not valid for ${f.list}`);
    });
  }

  const brandNames = new Map<string, string>(); // normalised name or alias -> brand that claimed it
  for (const b of cat.brands) {
    const what = `brand "${b.name}"`;
    checkCompany(what, b.company);
    checkSource(what, b.source);
    checkUnit(what, b.confidence, 'confidence');
    checkDate(what, b.from, 'from');
    checkDate(what, b.until, 'until');
    if (b.from && b.until && b.from > b.until) err(`${what}: from ${b.from} is after until ${b.until}`);
    const own = new Set<string>();
    for (const n of [b.name, ...b.aliases]) {
      const key = normaliseBrandName(n);
      if (!key) { err(`${what}: empty name or alias`); continue; }
      if (own.has(key)) continue; // "HIKVISION" beside "Hikvision" is redundant, not ambiguous
      own.add(key);
      const other = brandNames.get(key);
      if (other !== undefined) err(`${what}: name or alias "${n}" duplicates brand "${other}"`);
      else brandNames.set(key, b.name);
    }
  }

  const registrantOwner = new Map<string, string>();
  const known = knownRegistrantNames();
  cat.ouiRegistrants.forEach((r, i) => {
    const what = `ouiRegistrant #${i} (${r.company})`;
    checkCompany(what, r.company);
    checkSource(what, r.source);
    if (!r.names.length) err(`${what}: lists no names`);
    for (const n of r.names) {
      const key = normaliseRegistrant(n);
      // Names are matched exactly, so a typo would silently map nothing: insist the name is in the registry.
      if (!known.has(key)) err(`${what}: registrant "${n}" is not in the IEEE registry (oui-data)`);
      const owner = registrantOwner.get(key);
      if (owner !== undefined && owner !== r.company) err(`${what}: registrant "${n}" is also mapped to "${owner}"`);
      registrantOwner.set(key, r.company);
    }
  });

  const platformIds = new Set<string>();
  for (const p of cat.platforms) {
    const what = `platform "${p.id}"`;
    if (platformIds.has(p.id) || slugs.has(p.id)) err(`${what}: duplicate id (platform ids and company slugs share one namespace)`);
    platformIds.add(p.id);
    if (!/^[a-z0-9-]+$/.test(p.id)) err(`${what}: id must be lower-case letters, digits and dashes`);
    checkSource(what, p.source);
    if (!p.name.trim() || !p.note.trim()) err(`${what}: needs a name and a note`);
  }

  const ruleIds = new Set<string>();
  for (const r of cat.rules) {
    const what = `rule "${r.id}"`;
    if (ruleIds.has(r.id)) err(`${what}: duplicate rule id`);
    ruleIds.add(r.id);
    if ((r.company === undefined) === (r.platform === undefined)) err(`${what}: needs exactly one of company and platform`);
    if (r.company !== undefined) checkCompany(what, r.company);
    if (r.platform !== undefined && !platformIds.has(r.platform)) err(`${what}: unknown platform id "${r.platform}"`);
    if (r.ports !== undefined && r.field !== 'rawResponse') err(`${what}: ports only apply to rawResponse rules`);
    checkSource(what, r.source);
    checkUnit(what, r.weight, 'weight');
    if (!r.indicates.trim()) err(`${what}: needs an "indicates" sentence`);
    if (!r.examples.match.length || !r.examples.noMatch.length) err(`${what}: needs at least one match and one noMatch example`);
    let re: RegExp;
    try {
      re = new RegExp(r.pattern, 'i');
    } catch (e) {
      err(`${what}: pattern does not compile: ${(e as Error).message}`);
      continue;
    }
    for (const m of r.examples.match) if (!re.test(m)) err(`${what}: pattern does not match its example "${m}"`);
    for (const m of r.examples.noMatch) if (re.test(m)) err(`${what}: pattern matches its noMatch example "${m}"`);
    if (CATCH_ALL_PROBES.every((p) => re.test(p))) err(`${what}: pattern matches everything (e.g. "" and "x")`);
    else if (r.company !== undefined) {
      const generic = GENERIC_PROBES.find((p) => re.test(p));
      if (generic !== undefined) err(`${what}: names a company but matches the generic string "${generic}", which many makers' devices show (narrow the pattern, or point it at a platform)`);
    }
  }

  return { catalogue: cat, errors };
}

let cached: Catalogue | null = null;

const FRAGMENT_DIR = new URL('./data/fingerprints/', import.meta.url);

/**
 * The shipped catalogue as one object, before validation: catalogue.json (version and the core sections) with every
 * fragment's sections appended. A fragment holds only the sections it adds to; anything else in it is an error.
 */
export function readShippedCatalogue(): Record<string, unknown> {
  const base = JSON.parse(readFileSync(new URL('./data/catalogue.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  let files: string[] = [];
  try { files = readdirSync(FRAGMENT_DIR).filter((f) => f.endsWith('.json')).sort(); } catch { /* no fragments */ }
  for (const file of files) {
    const part = JSON.parse(readFileSync(new URL(file, FRAGMENT_DIR), 'utf8')) as Record<string, unknown>;
    for (const [key, value] of Object.entries(part)) {
      if (key === '$comment') continue;
      if (!(SECTIONS as readonly string[]).includes(key) || !Array.isArray(value)) throw new Error(`Vendor catalogue fragment ${file}: "${key}" is not a catalogue section (${SECTIONS.join(', ')})`);
      base[key] = [...((base[key] as unknown[] | undefined) ?? []), ...value];
    }
  }
  return base;
}

/** The shipped catalogue, read and validated once per process; throws listing every error if it is invalid. */
export function loadCatalogue(): Catalogue {
  if (cached) return cached;
  const { catalogue, errors } = validateCatalogue(readShippedCatalogue());
  if (errors.length) {
    throw new Error(`Vendor catalogue is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}):\n- ${errors.join('\n- ')}`);
  }
  cached = catalogue;
  return cached;
}
