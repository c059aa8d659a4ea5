// Provenance engine: who really produced a device, from whatever the register or a network scan knows about it.
//
// Scoring, in short. Each piece of evidence is a "source" (the label, the MAC prefix, the model number, …) that puts
// some mass on one or more producer families and leaves the rest on "unknown". Within one source, several hits for
// the same family count once (its strongest), because they are one observation seen twice (model and ONVIF model).
// Sources are combined with Dempster's rule over single families plus "unknown" — the same as a noisy-OR when the
// evidence agrees, and a fair split when it disagrees (the disagreeing mass is renormalised away, so strong
// contradicting evidence lowers the winner's confidence). The label is the weakest source, because the point of the
// product is to see through relabelling. No origin is given unless the winner's own support and its combined
// confidence both reach 0.5: an unknown device is unknown, never "not Chinese".
//
// Platforms: a rule may point at a platform many makers build on (a HiSilicon DVR board) instead of a producer. It
// puts no mass on any producer; the verdict names the platform, and when no producer is found and the platform alone
// settles the UK test (every maker of it is PRC, or none is), nilSubject takes the platform's answer.
//
// Calibration: a rule counts for at most FIELD_MAX_WEIGHT of its field, so a single free-text string a firmware
// reports (a title, a realm, a banner) stays below 0.9 alone; generic strings (GENERIC_PROBES in catalog/load.ts)
// may not point at a producer at all.
//
// Families: a company and its subsidiaries (parent chain in the catalogue) count as one producer for scoring and
// conflicts (an EZVIZ MAC and Hikvision firmware agree); the origin is then the most specific member well supported.
//
// Pure: no I/O. compileCatalogue does the heavy work once; identify is built to run hundreds of thousands of times
// a second (precomputed sentences, numeric OUI keys, a prefilter regex per field, memoised brand look-ups).
import { ORGANISATION_RECORD_SOURCE, type Brand, type Catalogue, type Company, type EvidenceField, type EvidenceRule, type Platform } from '../catalog/types';
import type { Conflict, DeviceEvidence, EvidenceItem, Verdict } from './provenance-types';

// ---- tuning (documented in the report; change with the corpus test) ----
/** A register label counts for at most this much (times the brand's confidence): weakest evidence. */
export const LABEL_WEIGHT = 0.6;
/** What the device says about itself (ONVIF Manufacturer, discovery name): set by OEM firmware, so barely stronger. */
export const CLAIMED_WEIGHT = 0.65;
/** A MAC prefix registered to a camera maker: strong, survives relabelling. */
export const MAC_WEIGHT = 0.9;
/** A label matched only after dropping words ("Hikvision DS-2CD…", "Bosch Security Systems"). */
const FUZZY_FACTOR = 0.85;
/** Below these the origin is null. */
export const MIN_SUPPORT = 0.5;
export const MIN_CONFIDENCE = 0.5;
/** Evidence for another producer weaker than this is noise, not a conflict worth showing. */
const CONFLICT_MIN = 0.25;
const MAX_VALUE = 200;
/** Longest page body read (the contract sends the first 64 KiB); bounds the time any pattern spends on it. */
const MAX_BODY = 64 * 1024;
/** Most items read from any list in one record (paths, scopes, realms, services). */
const MAX_ITEMS = 256;

/**
 * Calibration: the most a single rule on each field can count for, whatever weight the catalogue gives it. Fields a
 * device's firmware reports about its maker in free text (titles, bodies, banners, realms, certificates, claimed
 * manufacturers) are copied by OEMs and reused by white-label firmware, so one such string alone stays below 0.9;
 * only model numbers, firmware formats, serials, vendor-named server banners, SNMP enterprise numbers and vendor
 * control-port answers can reach 0.9 alone (as a registered MAC prefix does).
 */
export const FIELD_MAX_WEIGHT: Record<EvidenceField, number> = {
  model: 0.9, firmware: 0.9, serial: 0.9, httpServer: 0.9, httpTitle: 0.8, httpPath: 0.85, rtspServer: 0.9,
  onvifManufacturer: 0.8, onvifModel: 0.9, onvifFirmware: 0.9, onvifHardwareId: 0.85, scope: 0.8,
  realm: 0.85, wwwAuthenticate: 0.85, ftpBanner: 0.85, telnetBanner: 0.85, sshBanner: 0.85, loginBanner: 0.85,
  snmpSysDescr: 0.85, snmpSysObjectId: 0.9, x509Subject: 0.85, x509Issuer: 0.85, httpBody: 0.8,
  faviconMd5: 0.85, faviconMmh3: 0.85, dhcpVendorClass: 0.8, sipUserAgent: 0.85, upnpServer: 0.85,
  upnpManufacturer: 0.8, upnpModelName: 0.9, rawResponse: 0.9,
};

// Source groups: evidence in one group is one observation (its hits for the same family count once). Fields that
// carry the same fact share a group: a realm and the WWW-Authenticate header it sits in, a page title and the page
// body it sits in, the ONVIF and UPnP manufacturer (both the maker name the firmware was set to), the two favicon
// hashes, a certificate's subject and issuer, SNMP's description and object id, a telnet banner and login banner.
const G_LABEL = 0, G_CLAIMED = 1, G_MAC = 2, G_MODEL = 3, G_FIRMWARE = 4, G_SERIAL = 5, G_HTTP_SERVER = 6,
  G_WEB_PAGE = 7, G_HTTP_PATH = 8, G_RTSP = 9, G_HARDWARE_ID = 10, G_SCOPE = 11, G_REALM = 12, G_FTP = 13,
  G_TELNET = 14, G_SSH = 15, G_SNMP = 16, G_X509 = 17, G_FAVICON = 18, G_DHCP = 19, G_SIP = 20, G_UPNP_SERVER = 21,
  G_SERVICE = 22;
const GROUPS = 23; // findConflicts keeps a bitmask of groups in an int32: at most 31
const MAX_FAMILIES = 16; // families touched by one device; more is garbage input, the weakest are dropped

type Kind = EvidenceItem['kind'];

interface CCompany {
  slug: string; name: string; family: number; depth: number;
  /** prc-nil flag in force: true 'subject', false 'not-subject', null when the catalogue has none. */
  nil: boolean | null;
}

interface CRule {
  id: string; re: RegExp; weight: number; indicates: string; source: string;
  /** The producer (index into companies), or -1 for a platform rule. */
  company: number; family: number;
  /** The platform (index into platforms), or -1 for a company rule. */
  platform: number;
  /** rawResponse rules: the ports whose answers the rule reads (null: any). */
  ports: number[] | null;
}

export interface CPlatform { id: string; name: string; note: string; nilSubject: boolean | null }

/** A set of rules tried against one kind of field, with one union regex that rejects non-matching values at once. */
interface RuleSet { rules: CRule[]; any: RegExp | null }

interface CBrandHit {
  company: number; family: number; weight: number; claimedWeight: number; indicates: string; claimedIndicates: string;
  ruleId: string; source: string;
}

interface COui { company: number; family: number; indicates: string; ruleId: string; registrant: string }

export interface CompiledCatalogue {
  version: string;
  companies: CCompany[];
  companyIndex: Map<string, number>;
  /** slug → display name, for explanations. */
  names: Map<string, string>;
  /** normalised brand name or alias → what a label with that name points to. */
  brands: Map<string, CBrandHit[]>;
  /** OUI (24, 28 or 36 bits as a number) → registrant, by prefix length in hex digits. */
  oui6: Map<number, COui>; oui7: Map<number, COui>; oui9: Map<number, COui>;
  ouiSource: string;
  /** Platforms many makers build on, by index (rules point at them). */
  platforms: CPlatform[];
  model: RuleSet; firmware: RuleSet; serial: RuleSet; httpServer: RuleSet; httpTitle: RuleSet; httpPath: RuleSet;
  rtspServer: RuleSet; manufacturer: RuleSet; onvifHardwareId: RuleSet; scope: RuleSet;
  realm: RuleSet; wwwAuthenticate: RuleSet; ftpBanner: RuleSet; telnetBanner: RuleSet; sshBanner: RuleSet;
  snmpSysDescr: RuleSet; snmpSysObjectId: RuleSet; x509Subject: RuleSet; x509Issuer: RuleSet; httpBody: RuleSet;
  faviconMd5: RuleSet; faviconMmh3: RuleSet; dhcpVendorClass: RuleSet; sipUserAgent: RuleSet; upnpServer: RuleSet;
  rawResponse: RuleSet;
  /** Memo of raw label → brand hits (labels repeat across an estate); bounded. */
  brandCache: Map<string, LabelHit | null>;
  registrantOf: ((mac: string) => string | null) | null;
}

interface LabelHit { hits: CBrandHit[]; fuzzy: boolean }

// ---------------------------------------------------------------------------------------------------------------
// compile

const CORPORATE_WORDS = new Set(['ltd', 'limited', 'inc', 'co', 'corp', 'corporation', 'company', 'gmbh', 'ag', 'ab', 'sa',
  'plc', 'llc', 'bv', 'nv', 'spa', 'srl', 'kk', 'technology', 'technologies', 'tech', 'digital', 'security', 'systems',
  'system', 'solutions', 'electronics', 'communications', 'international', 'group', 'cctv', 'uk', 'usa', 'europe',
  'the', 'by', 'and']);

/** Case-, space- and punctuation-insensitive key: "EZ VIZ", "Ezviz", "ez-viz" all read "ezviz". */
export function brandKey(s: string): string {
  return s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

function relationSentence(b: Brand, label: string, company: Company): string {
  const who = company.name;
  const dates = b.from && b.until ? ` (${b.from} to ${b.until})` : b.from ? ` (since ${b.from})` : b.until ? ` (until ${b.until})` : '';
  if (b.source === ORGANISATION_RECORD_SOURCE) return `Labelled ${label}: your organisation records that ${who} makes it – ${b.note ?? 'no basis given'}`;
  switch (b.relation) {
    case 'own': return `Labelled ${label}: the own brand of ${who}`;
    case 'brand': return `Labelled ${label}: a brand of ${who}${dates}`;
    case 'subsidiary': return `Labelled ${label}: ${b.name} is a subsidiary of ${who}${dates}`;
    case 'oem': return `Labelled ${label}: ${b.name} has sold ${who} products under its own name${dates} (OEM relabel, ${pct(b.confidence)} confidence)`;
    case 'former': return `Labelled ${label}: ${b.name} belonged to ${who}${dates}, and kit from that period was made by ${who} (${pct(b.confidence)} confidence)`;
  }
}

function pct(x: number): string { return `${Math.round(x * 100)}%`; }
const round3 = (x: number) => Math.round(x * 1000) / 1000;
/** Evidence never makes a verdict certain: confidence tops out at 0.999. */
const conf3 = (x: number) => Math.min(0.999, round3(x));

function hexPrefix(key: string): string {
  // "4419B6" → "44:19:B6"; "70B3D59A7" → "70:B3:D5:9A:7"
  return key.toUpperCase().match(/.{1,2}/g)!.join(':');
}

function ruleSet(rules: CRule[]): RuleSet {
  if (!rules.length) return { rules, any: null };
  // The union is only a fast "none of these can match" test; patterns with back-references or named groups would
  // change meaning inside it, so such a set goes without one.
  const safe = rules.every((r) => !/\\[1-9]|\\k<|\(\?<[^=!]/.test(r.re.source));
  let any: RegExp | null = null;
  if (safe) {
    try { any = new RegExp(rules.map((r) => `(?:${r.re.source})`).join('|'), 'i'); } catch { any = null; }
  }
  return { rules, any };
}

export interface CompileOptions {
  /** Who holds a MAC prefix in the IEEE registry, to name it when it is not a maker in the catalogue (explanations only). */
  registrantOf?: (mac: string) => string | null;
}

export function compileCatalogue(catalogue: Catalogue, oui: Map<string, { company: string; registrant: string }>, options: CompileOptions = {}): CompiledCatalogue {
  const companyIndex = new Map<string, number>();
  catalogue.companies.forEach((c, i) => companyIndex.set(c.slug, i));
  const bySlug = new Map(catalogue.companies.map((c) => [c.slug, c]));
  const idx = (slug: string, where: string): number => {
    const i = companyIndex.get(slug);
    if (i === undefined) throw new Error(`Catalogue ${where} names unknown company "${slug}"`);
    return i;
  };

  // Family = the top of the parent chain that is itself in the catalogue (a parent outside it ends the chain).
  const companies: CCompany[] = catalogue.companies.map((c) => {
    let top = c; let depth = 0;
    const seen = new Set([c.slug]);
    while (top.parent && bySlug.has(top.parent) && !seen.has(top.parent)) { top = bySlug.get(top.parent)!; seen.add(top.slug); depth++; }
    const flag = c.flags.filter((f) => f.list === 'prc-nil' && !f.until).sort((a, b) => b.confidence - a.confidence)[0];
    const nil = flag ? flag.status === 'subject' : null;
    return { slug: c.slug, name: c.name, family: companyIndex.get(top.slug)!, depth, nil };
  });

  const brands = new Map<string, CBrandHit[]>();
  for (const b of catalogue.brands) {
    const ci = idx(b.company, `brand "${b.name}"`);
    const company = catalogue.companies[ci];
    const indicates = relationSentence(b, b.name, company);
    const hit: CBrandHit = {
      company: ci, family: companies[ci].family, weight: round3(LABEL_WEIGHT * b.confidence), claimedWeight: round3(CLAIMED_WEIGHT * b.confidence),
      indicates, claimedIndicates: `The device reports its maker as ${b.name}: ${indicates.replace(/^Labelled [^:]*: /, '')}`,
      ruleId: `brand:${brandKey(b.name)}:${b.company}`, source: b.source,
    };
    for (const name of new Set([b.name, ...b.aliases].map(brandKey))) {
      if (!name) continue;
      const list = brands.get(name) ?? [];
      // One name naming the same company twice (an alias repeated across entries) keeps the stronger entry.
      const same = list.findIndex((h) => h.company === ci);
      if (same < 0) list.push(hit); else if (list[same].weight < hit.weight) list[same] = hit;
      brands.set(name, list);
    }
  }

  const ouiSource = catalogue.ouiRegistrants[0]?.source ?? 'ieee-oui';
  const registrantSource = new Map<string, string>();
  for (const r of catalogue.ouiRegistrants) for (const n of r.names) registrantSource.set(`${r.company}|${n.replace(/\s+/g, ' ').trim().toLowerCase()}`, r.source);
  const oui6 = new Map<number, COui>(), oui7 = new Map<number, COui>(), oui9 = new Map<number, COui>();
  for (const [rawKey, v] of oui) {
    const key = rawKey.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
    const target = key.length === 6 ? oui6 : key.length === 7 ? oui7 : key.length === 9 ? oui9 : null;
    if (!target) continue;
    const ci = companyIndex.get(v.company);
    // A registrant that is not a camera maker in the catalogue points nowhere (kept so we can say who it is).
    target.set(parseInt(key, 16), ci === undefined
      ? { company: -1, family: -1, registrant: v.registrant, ruleId: `oui:${key}`, indicates: `MAC prefix ${hexPrefix(key)} is registered to ${v.registrant}, which is not a camera maker in the catalogue` }
      : { company: ci, family: companies[ci].family, registrant: v.registrant, ruleId: `oui:${key}`, indicates: `MAC prefix ${hexPrefix(key)} is registered to ${v.registrant}${brandKey(v.registrant) === brandKey(catalogue.companies[ci].name) ? '' : `, which the catalogue attributes to ${catalogue.companies[ci].name}`}` });
  }

  const platforms: CPlatform[] = (catalogue.platforms ?? []).map((p: Platform) => ({ id: p.id, name: p.name, note: p.note, nilSubject: p.nilSubject }));
  const platformIndex = new Map(platforms.map((p, i) => [p.id, i]));

  const byField = new Map<EvidenceField, CRule[]>();
  for (const r of catalogue.rules) {
    let ci = -1, pi = -1;
    if (r.company !== undefined) ci = idx(r.company, `rule "${r.id}"`);
    else {
      const found = r.platform === undefined ? undefined : platformIndex.get(r.platform);
      if (found === undefined) throw new Error(`Catalogue rule "${r.id}" names unknown platform "${r.platform}"`);
      pi = found;
    }
    const list = byField.get(r.field) ?? [];
    list.push(compileRule(r, ci, ci < 0 ? -1 : companies[ci].family, pi));
    byField.set(r.field, list);
  }
  const f = (...fields: EvidenceField[]) => ruleSet(fields.flatMap((x) => byField.get(x) ?? []));

  return {
    version: catalogue.version, companies, companyIndex,
    names: new Map(catalogue.companies.map((c) => [c.slug, c.name])),
    brands, oui6, oui7, oui9, ouiSource, platforms,
    // Model, ONVIF model and UPnP model name are the same fact read three ways: every set of rules applies to each
    // (likewise firmware, and the manufacturer the firmware claims over ONVIF or UPnP).
    model: f('model', 'onvifModel', 'upnpModelName'), firmware: f('firmware', 'onvifFirmware'), serial: f('serial'),
    httpServer: f('httpServer'), httpTitle: f('httpTitle'), httpPath: f('httpPath'), rtspServer: f('rtspServer'),
    manufacturer: f('onvifManufacturer', 'upnpManufacturer'), onvifHardwareId: f('onvifHardwareId'), scope: f('scope'),
    realm: f('realm'), wwwAuthenticate: f('wwwAuthenticate'), ftpBanner: f('ftpBanner'),
    // A login banner is what a telnet (or serial) console prints: one set of rules for both.
    telnetBanner: f('telnetBanner', 'loginBanner'), sshBanner: f('sshBanner'),
    snmpSysDescr: f('snmpSysDescr'), snmpSysObjectId: f('snmpSysObjectId'), x509Subject: f('x509Subject'), x509Issuer: f('x509Issuer'),
    httpBody: f('httpBody'), faviconMd5: f('faviconMd5'), faviconMmh3: f('faviconMmh3'), dhcpVendorClass: f('dhcpVendorClass'),
    sipUserAgent: f('sipUserAgent'), upnpServer: f('upnpServer'), rawResponse: f('rawResponse'),
    brandCache: new Map(), registrantOf: options.registrantOf ?? null,
  };
}

function compileRule(r: EvidenceRule, company: number, family: number, platform: number): CRule {
  return {
    id: r.id, re: new RegExp(r.pattern, 'i'), company, family, platform, ports: r.ports?.length ? r.ports : null,
    weight: Math.min(r.weight, FIELD_MAX_WEIGHT[r.field]), indicates: r.indicates, source: r.source,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// identify

// Per-call scratch, reused: identify is synchronous, so one set per process is safe and saves allocation.
let nItems = 0;
const itemGroup: number[] = [];
const itemFamily: number[] = [];
const itemCompany: number[] = [];
let evidence: EvidenceItem[] = [];

function push(e: EvidenceItem, group: number, company: number, family: number) {
  itemGroup[nItems] = group; itemFamily[nItems] = family; itemCompany[nItems] = company; nItems++;
  evidence.push(e);
}

const clip = (v: string) => (v.length > MAX_VALUE ? v.slice(0, MAX_VALUE) : v);
const present = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * Tries a rule set on one observed value. Several rules of one company matching the same value (a family rule and
 * a prefix rule, or the model rule and its ONVIF twin) are one fact: only the strongest is kept (likewise for a
 * platform). `port` is the port that gave a service answer (-1 when unknown); rules limited to ports read only those.
 * Items from `first` on are the same observation (a header's rules and the realm inside it): a company is kept once.
 */
function matchRules(set: RuleSet, value: string, kind: Kind, group: number, shown: string = value, port = -1, first = nItems) {
  if (set.any !== null && !set.any.test(value)) return;
  const rules = set.rules;
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (r.ports !== null && (port < 0 || !r.ports.includes(port))) continue;
    if (!r.re.test(value)) continue;
    // Platform items carry -2 - platform in place of a company index, so one key tells both apart.
    const key = r.company >= 0 ? r.company : -2 - r.platform;
    let dup = -1;
    for (let j = first; j < nItems; j++) if (itemCompany[j] === key) { dup = j; break; }
    if (dup >= 0 && r.weight <= evidence[dup].weight) continue;
    const e: EvidenceItem = {
      kind, value: shown.length > MAX_VALUE ? around(shown, r.re) : shown,
      company: r.company >= 0 ? r_slug(r.company) : null, indicates: r.indicates, weight: r.weight, ruleId: r.id, source: r.source,
    };
    if (r.platform >= 0) { e.platform = platforms[r.platform].id; nPlatformItems++; }
    if (dup < 0) push(e, group, key, r.family);
    else evidence[dup] = e;
  }
}

/** A long value (a page body, a service answer) shown as the 200 characters around what the rule matched. */
function around(value: string, re: RegExp): string {
  const m = re.exec(value);
  if (!m || m.index + m[0].length <= MAX_VALUE) return clip(value);
  const start = Math.max(0, Math.min(m.index - 40, value.length - MAX_VALUE + 1));
  return `…${value.slice(start + 1, start + MAX_VALUE)}`;
}

// Slug and platform look-ups; set per call (keeps matchRules' signature small).
let slugs: CCompany[] = [];
let platforms: CPlatform[] = [];
let nPlatformItems = 0;
const r_slug = (i: number) => slugs[i].slug;

function lookupLabel(c: CompiledCatalogue, raw: string): LabelHit | null {
  const cached = c.brandCache.get(raw);
  if (cached !== undefined) return cached;
  let found: LabelHit | null = null;
  const exact = c.brands.get(brandKey(raw));
  if (exact) found = { hits: exact, fuzzy: false };
  else {
    // Registers write "Bosch Security Systems", "Hikvision DS-2CD2143": drop corporate words, then try the longest
    // run of leading words that names a brand (at least 3 characters, so "HD" or "IP" never match).
    const words = raw.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    const core = words.filter((w) => !CORPORATE_WORDS.has(w));
    for (const list of [core, words]) {
      for (let n = list.length; n >= 1 && !found; n--) {
        const key = list.slice(0, n).join('');
        if (key.length < 3) continue;
        const hits = c.brands.get(key);
        if (hits) found = { hits, fuzzy: true };
      }
      if (found) break;
    }
  }
  if (c.brandCache.size >= 8192) c.brandCache.clear();
  c.brandCache.set(raw, found);
  return found;
}

function label(c: CompiledCatalogue, raw: string, kind: Kind, group: number, claimed: boolean, shown: string = raw) {
  const found = lookupLabel(c, raw);
  if (!found) {
    if (kind === 'label') push({ kind, value: clip(raw), company: null, indicates: `Labelled ${clip(raw)}: not a brand in the catalogue, so it says nothing about the producer`, weight: 0 }, group, -1, -1);
    return;
  }
  const f = found.fuzzy ? FUZZY_FACTOR : 1;
  for (const h of found.hits) {
    const w = claimed ? h.claimedWeight : h.weight;
    push({
      kind, value: clip(shown), company: slugs[h.company].slug,
      indicates: claimed ? h.claimedIndicates : h.indicates,
      weight: f === 1 ? w : round3(w * f), ruleId: h.ruleId, source: h.source,
    }, group, h.company, h.family);
  }
}

const HEX = (() => { const t = new Int8Array(128).fill(-1); for (let i = 0; i < 16; i++) { t['0123456789abcdef'.charCodeAt(i)] = i; t['0123456789ABCDEF'.charCodeAt(i)] = i; } return t; })();
const hexAt = (s: string, i: number) => { const ch = s.charCodeAt(i); return ch < 128 ? HEX[ch] : -1; };

/**
 * Reads the 48-bit MAC as two numbers without allocating, accepting exactly what normaliseMac accepts
 * (aa:bb:cc:dd:ee:ff, aa-bb-…, aabb.ccdd.eeff, aabbccddeeff, surrounding space). Returns false if not a MAC.
 */
let macHi = 0, macLo = 0; // first 24 bits, last 24 bits
/** The characters String.prototype.trim removes (so parseMac agrees with normaliseMac to the letter). */
function isTrimmed(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13) || ch === 0xa0 || ch === 0x1680 || (ch >= 0x2000 && ch <= 0x200a)
    || ch === 0x2028 || ch === 0x2029 || ch === 0x202f || ch === 0x205f || ch === 0x3000 || ch === 0xfeff;
}
function parseMac(s: string): boolean {
  let a = 0, b = s.length;
  while (a < b && isTrimmed(s.charCodeAt(a))) a++;
  while (b > a && isTrimmed(s.charCodeAt(b - 1))) b--;
  const n = b - a;
  let step: number, sep: number;
  if (n === 17) { step = 3; sep = s.charCodeAt(a + 2); if (sep !== 58 && sep !== 45) return false; }
  else if (n === 14) { step = 0; sep = 46; }
  else if (n === 12) { step = 2; sep = -1; }
  else return false;
  let hi = 0, lo = 0, digits = 0;
  for (let i = a; i < b; i++) {
    const pos = i - a;
    const isSep = step === 3 ? pos % 3 === 2 : step === 0 ? pos === 4 || pos === 9 : false;
    if (isSep) { if (s.charCodeAt(i) !== sep) return false; continue; }
    const h = hexAt(s, i);
    if (h < 0) return false;
    if (digits < 6) hi = hi * 16 + h; else lo = lo * 16 + h;
    digits++;
  }
  if (digits !== 12) return false;
  macHi = hi; macLo = lo;
  return true;
}

const macText = () => {
  const h = (macHi.toString(16).padStart(6, '0') + macLo.toString(16).padStart(6, '0')).toUpperCase();
  return h.match(/.{2}/g)!.join(':');
};

function mac(c: CompiledCatalogue, raw: string, kind: Kind) {
  if (!parseMac(raw)) {
    push({ kind, value: clip(raw), company: null, indicates: `${clip(raw)} is not a MAC address, so it says nothing about the producer`, weight: 0 }, G_MAC, -1, -1);
    return;
  }
  // Longest registered prefix first: an MA-S or MA-M block inside an IEEE-held MA-L belongs to its own registrant.
  let hit = c.oui9.size ? c.oui9.get(macHi * 4096 + (macLo >>> 12)) : undefined;
  if (!hit && c.oui7.size) hit = c.oui7.get(macHi * 16 + (macLo >>> 20));
  if (!hit) hit = c.oui6.get(macHi);
  if (hit && hit.company >= 0) {
    push({ kind, value: clip(raw), company: slugs[hit.company].slug, indicates: hit.indicates, weight: MAC_WEIGHT, ruleId: hit.ruleId, source: c.ouiSource }, G_MAC, hit.company, hit.family);
    return;
  }
  const text = macText();
  let why: string;
  if (hit) why = hit.indicates;
  else if ((macHi & 0x020000) !== 0) why = `MAC ${text} is locally administered (set by software, often random), so it says nothing about the producer`;
  else {
    const holder = c.registrantOf ? c.registrantOf(text) : null;
    why = holder
      ? `MAC prefix ${text.slice(0, 8)} is registered to ${holder}, which is not a camera maker in the catalogue, so it says nothing about the producer`
      : `MAC prefix ${text.slice(0, 8)} is not held by any maker in the catalogue, so it says nothing about the producer`;
  }
  push({ kind, value: clip(raw), company: null, indicates: why, weight: 0, ruleId: hit?.ruleId }, G_MAC, -1, -1);
}

function scope(c: CompiledCatalogue, s: string, macSeen: boolean) {
  const before = nItems;
  matchRules(c.scope, s, 'scope', G_SCOPE);
  // Standard ONVIF scopes carry the device's name, hardware (model) and sometimes its MAC: read them as such.
  // …unless a catalogue scope rule already read this scope (the same fact must not count twice).
  if (nItems !== before) return;
  let i = s.indexOf('/hardware/');
  if (i >= 0) { const v = scopeValue(s, i + 10); if (v) matchRules(c.model, v, 'scope', G_MODEL, s); }
  if (nItems === before) {
    i = s.indexOf('/name/');
    if (i >= 0) { const v = scopeValue(s, i + 6); if (v) label(c, v, 'scope', G_CLAIMED, true, s); }
  }
  if (!macSeen) {
    i = s.search(/\/mac\//i);
    if (i >= 0) { const v = scopeValue(s, i + 5); if (v && parseMac(v)) mac(c, v, 'scope'); }
  }
}

function scopeValue(s: string, from: number): string {
  let end = s.indexOf('/', from);
  if (end < 0) end = s.length;
  const v = s.slice(from, end);
  if (v.indexOf('%') < 0) return v;
  try { return decodeURIComponent(v); } catch { return v; }
}

// Scratch for combining evidence: group × family masses.
const famList = new Int32Array(MAX_FAMILIES);
const mass = new Float64Array(GROUPS * MAX_FAMILIES);
const theta = new Float64Array(GROUPS);
const famConf = new Float64Array(MAX_FAMILIES);
const famSupport = new Float64Array(MAX_FAMILIES);
const usedGroups = new Int32Array(GROUPS);

/** Who produced one device. Reads the record's enumerable fields, so pass a plain object (as JSON and literals give). */
export function identify(c: CompiledCatalogue, d: DeviceEvidence): Verdict {
  nItems = 0; evidence = []; slugs = c.companies; platforms = c.platforms; nPlatformItems = 0;

  // One pass over the fields the record has: a record carries a few of the thirty-odd fields, and asking an object
  // for each absent one costs more than reading its own keys once (register rows, scans with many keys alike).
  let brand: unknown, onvif: unknown, macV: unknown, model: unknown, firmware: unknown, serial: unknown, httpServer: unknown,
    httpTitle: unknown, rtspServer: unknown, httpPaths: unknown, scopes: unknown, realm: unknown, realmList: unknown,
    wwwAuthenticate: unknown, ftpBanner: unknown, telnetBanner: unknown, loginBanner: unknown, sshBanner: unknown,
    snmpSysDescr: unknown, snmpSysObjectId: unknown, x509Subject: unknown, x509Issuer: unknown, httpBody: unknown,
    faviconMd5: unknown, faviconMmh3: unknown, dhcpVendorClass: unknown, sipUserAgent: unknown, upnpServer: unknown,
    upnpManufacturer: unknown, upnpModelName: unknown, port: unknown, rawResponse: unknown, services: unknown;
  const rec = d as Record<string, unknown>;
  for (const k in rec) {
    const v = rec[k];
    if (v === null || v === undefined) continue;
    switch (k) {
      case 'id': break;
      case 'brand': brand = v; break;
      case 'model': model = v; break;
      case 'firmware': firmware = v; break;
      case 'serial': serial = v; break;
      case 'mac': macV = v; break;
      case 'onvif': onvif = v; break;
      case 'httpServer': httpServer = v; break;
      case 'httpTitle': httpTitle = v; break;
      case 'httpPaths': httpPaths = v; break;
      case 'rtspServer': rtspServer = v; break;
      case 'scopes': scopes = v; break;
      case 'realm': realm = v; break;
      case 'realms': realmList = v; break;
      case 'wwwAuthenticate': wwwAuthenticate = v; break;
      case 'ftpBanner': ftpBanner = v; break;
      case 'telnetBanner': telnetBanner = v; break;
      case 'loginBanner': loginBanner = v; break;
      case 'sshBanner': sshBanner = v; break;
      case 'snmpSysDescr': snmpSysDescr = v; break;
      case 'snmpSysObjectId': snmpSysObjectId = v; break;
      case 'x509Subject': x509Subject = v; break;
      case 'x509Issuer': x509Issuer = v; break;
      case 'httpBody': httpBody = v; break;
      case 'faviconMd5': faviconMd5 = v; break;
      case 'faviconMmh3': faviconMmh3 = v; break;
      case 'dhcpVendorClass': dhcpVendorClass = v; break;
      case 'sipUserAgent': sipUserAgent = v; break;
      case 'upnpServer': upnpServer = v; break;
      case 'upnpManufacturer': upnpManufacturer = v; break;
      case 'upnpModelName': upnpModelName = v; break;
      case 'port': port = v; break;
      case 'rawResponse': rawResponse = v; break;
      case 'services': services = v; break;
    }
  }

  if (present(brand)) label(c, brand, 'label', G_LABEL, false);
  if (onvif !== undefined && typeof onvif === 'object') {
    const o = onvif as NonNullable<DeviceEvidence['onvif']>;
    if (present(o.manufacturer)) claim(c, o.manufacturer, 'onvifManufacturer');
    if (present(o.model)) matchRules(c.model, o.model, 'onvifModel', G_MODEL);
    if (present(o.firmwareVersion)) matchRules(c.firmware, o.firmwareVersion, 'onvifFirmware', G_FIRMWARE);
    if (present(o.serialNumber)) matchRules(c.serial, o.serialNumber, 'serial', G_SERIAL);
    if (present(o.hardwareId)) matchRules(c.onvifHardwareId, o.hardwareId, 'onvifHardwareId', G_HARDWARE_ID);
  }
  const macSeen = present(macV);
  if (present(macV)) mac(c, macV, 'mac');
  if (present(model)) matchRules(c.model, model, 'model', G_MODEL);
  if (present(firmware)) matchRules(c.firmware, firmware, 'firmware', G_FIRMWARE);
  if (present(serial)) matchRules(c.serial, serial, 'serial', G_SERIAL);
  if (present(httpServer)) matchRules(c.httpServer, httpServer, 'httpServer', G_HTTP_SERVER);
  if (present(httpTitle)) matchRules(c.httpTitle, httpTitle, 'httpTitle', G_WEB_PAGE);
  if (present(rtspServer)) matchRules(c.rtspServer, rtspServer, 'rtspServer', G_RTSP);
  if (Array.isArray(httpPaths)) for (let i = 0; i < httpPaths.length && i < MAX_ITEMS; i++) if (present(httpPaths[i])) matchRules(c.httpPath, httpPaths[i], 'httpPath', G_HTTP_PATH);
  if (Array.isArray(scopes)) for (let i = 0; i < scopes.length && i < MAX_ITEMS; i++) if (present(scopes[i])) scope(c, scopes[i], macSeen);
  if (realm !== undefined || realmList !== undefined || wwwAuthenticate !== undefined) realms(c, realm, realmList, wwwAuthenticate);
  // What else the network said.
  if (present(ftpBanner)) matchRules(c.ftpBanner, ftpBanner, 'ftpBanner', G_FTP);
  if (present(telnetBanner)) matchRules(c.telnetBanner, telnetBanner, 'telnetBanner', G_TELNET);
  if (present(loginBanner)) matchRules(c.telnetBanner, loginBanner, 'loginBanner', G_TELNET);
  if (present(sshBanner)) matchRules(c.sshBanner, sshBanner, 'sshBanner', G_SSH);
  if (present(snmpSysDescr)) matchRules(c.snmpSysDescr, snmpSysDescr, 'snmpSysDescr', G_SNMP);
  if (present(snmpSysObjectId)) matchRules(c.snmpSysObjectId, snmpSysObjectId, 'snmpSysObjectId', G_SNMP);
  if (present(x509Subject)) matchRules(c.x509Subject, x509Subject, 'x509Subject', G_X509);
  if (present(x509Issuer)) matchRules(c.x509Issuer, x509Issuer, 'x509Issuer', G_X509);
  if (present(httpBody)) matchRules(c.httpBody, httpBody.length > MAX_BODY ? httpBody.slice(0, MAX_BODY) : httpBody, 'httpBody', G_WEB_PAGE);
  if (present(faviconMd5)) matchRules(c.faviconMd5, faviconMd5, 'faviconMd5', G_FAVICON);
  if (typeof faviconMmh3 === 'number' ? Number.isFinite(faviconMmh3) : present(faviconMmh3)) matchRules(c.faviconMmh3, String(faviconMmh3), 'faviconMmh3', G_FAVICON);
  if (present(dhcpVendorClass)) matchRules(c.dhcpVendorClass, dhcpVendorClass, 'dhcpVendorClass', G_DHCP);
  if (present(sipUserAgent)) matchRules(c.sipUserAgent, sipUserAgent, 'sipUserAgent', G_SIP);
  if (present(upnpServer)) matchRules(c.upnpServer, upnpServer, 'upnpServer', G_UPNP_SERVER);
  if (present(upnpManufacturer)) claim(c, upnpManufacturer, 'upnpManufacturer');
  if (present(upnpModelName)) matchRules(c.model, upnpModelName, 'upnpModelName', G_MODEL);
  if (present(rawResponse)) matchRules(c.rawResponse, rawResponse, 'rawResponse', G_SERVICE, rawResponse, portOf(port));
  if (Array.isArray(services)) {
    for (let i = 0; i < services.length && i < MAX_ITEMS; i++) {
      const sv = services[i] as { port?: unknown; rawResponse?: unknown } | null;
      if (sv && typeof sv === 'object' && present(sv.rawResponse)) matchRules(c.rawResponse, sv.rawResponse, 'rawResponse', G_SERVICE, sv.rawResponse, portOf(sv.port));
    }
  }

  return combine(c, d.id);
}

const portOf = (p: unknown): number => (typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536 ? p : -1);

/** The maker the firmware claims (ONVIF or UPnP manufacturer): its rules, else the brand look-up at claimed weight. */
function claim(c: CompiledCatalogue, value: string, kind: Kind) {
  const before = nItems;
  matchRules(c.manufacturer, value, kind, G_CLAIMED);
  if (nItems === before) label(c, value, kind, G_CLAIMED, true);
}

/**
 * Realms, given alone, as a list, or inside the raw WWW-Authenticate header: one observation (group REALM). A realm
 * read from the header is read again only if it was not given on its own.
 */
function realms(c: CompiledCatalogue, realm: unknown, list: unknown, h: unknown) {
  const seen: string[] = [];
  if (present(realm)) { seen.push(realm); matchRules(c.realm, realm, 'realm', G_REALM); }
  if (Array.isArray(list)) {
    for (let i = 0; i < list.length && i < MAX_ITEMS; i++) {
      const r = list[i];
      if (!present(r) || seen.includes(r)) continue;
      seen.push(r);
      matchRules(c.realm, r, 'realm', G_REALM);
    }
  }
  if (!present(h)) return;
  const first = nItems;
  matchRules(c.wwwAuthenticate, h, 'wwwAuthenticate', G_REALM);
  REALM_IN_HEADER.lastIndex = 0;
  let m: RegExpExecArray | null;
  for (let n = 0; n < 8 && (m = REALM_IN_HEADER.exec(h)) !== null; n++) {
    const r = m[1] ?? m[2];
    if (!r || seen.includes(r)) continue;
    seen.push(r);
    matchRules(c.realm, r, 'wwwAuthenticate', G_REALM, h, -1, first);
  }
}
/** realm="…" (quoted, RFC 7235) or a bare token, in each challenge of a WWW-Authenticate header. */
const REALM_IN_HEADER = /\brealm\s*=\s*(?:"([^"]*)"|([^\s,"]+))/gi;

function combine(c: CompiledCatalogue, id: string | undefined): Verdict {
  const ev = evidence;
  // Families touched, the groups that say anything about them, and the strongest mass each group puts on each.
  let nf = 0, ng = 0, groupBits = 0;
  for (let i = 0; i < nItems; i++) {
    const f = itemFamily[i];
    if (f < 0) continue;
    let k = 0;
    while (k < nf && famList[k] !== f) k++;
    if (k === nf) {
      if (nf === MAX_FAMILIES) continue;
      famList[nf++] = f;
      for (let g = 0; g < GROUPS; g++) mass[g * MAX_FAMILIES + k] = 0;
    }
    const g = itemGroup[i];
    if ((groupBits & (1 << g)) === 0) { groupBits |= 1 << g; usedGroups[ng++] = g; }
    const slot = g * MAX_FAMILIES + k;
    if (ev[i].weight > mass[slot]) mass[slot] = ev[i].weight;
  }
  const verdict: Verdict = { origin: null, nilSubject: null, confidence: 0, evidence: ev, conflicts: [], catalogueVersion: c.version };
  if (id !== undefined) verdict.id = id;
  if (nf > 0) {
    // Dempster's rule over {each family, unknown}: m(f) ∝ Π_g (m_g(f) + θ_g) − Π_g θ_g, m(unknown) ∝ Π_g θ_g.
    // Groups that say nothing have θ = 1 and change no product, so only the groups used are visited.
    let thetaAll = 1;
    for (let u = 0; u < ng; u++) {
      const g = usedGroups[u];
      let sum = 0;
      for (let k = 0; k < nf; k++) sum += mass[g * MAX_FAMILIES + k];
      if (sum > 1) { for (let k = 0; k < nf; k++) mass[g * MAX_FAMILIES + k] /= sum; sum = 1; } // one source cannot give more than all
      theta[g] = 1 - sum;
      thetaAll *= theta[g];
    }
    let total = thetaAll, best = 0;
    for (let k = 0; k < nf; k++) {
      let p = 1, q = 1;
      for (let u = 0; u < ng; u++) { const g = usedGroups[u]; const m = mass[g * MAX_FAMILIES + k]; p *= m + theta[g]; q *= 1 - m; }
      famConf[k] = p - thetaAll;
      famSupport[k] = 1 - q; // the family's own support, as if nothing else were known (noisy-OR)
      total += famConf[k];
      if (famConf[k] > famConf[best] || (famConf[k] === famConf[best] && famSupport[k] > famSupport[best])) best = k;
    }
    const confidence = total > 0 ? famConf[best] / total : 0;
    const bestFamily = famList[best];
    if (famSupport[best] >= MIN_SUPPORT && confidence >= MIN_CONFIDENCE) {
      const member = pickMember(c, bestFamily);
      verdict.origin = c.companies[member].slug;
      verdict.nilSubject = c.companies[member].nil;
    }
    verdict.confidence = conf3(confidence);
    if (nf > 1) findConflicts(c, verdict, bestFamily);
  }
  if (nPlatformItems > 0) choosePlatform(c, verdict);
  return verdict;
}

/** Whether an item before i has the same company (or platform) key, whose support is then already counted. */
function seenBefore(key: number, i: number): boolean {
  for (let j = 0; j < i; j++) if (itemCompany[j] === key) return true;
  return false;
}

/** Noisy-OR support of one company's (or platform's) own items, strongest per group, from its first item `from` on. */
const memberMax = new Float64Array(GROUPS);
function ownSupport(key: number, from: number): number {
  memberMax.fill(0);
  for (let j = from; j < nItems; j++) if (itemCompany[j] === key && evidence[j].weight > memberMax[itemGroup[j]]) memberMax[itemGroup[j]] = evidence[j].weight;
  let q = 1;
  for (let g = 0; g < GROUPS; g++) q *= 1 - memberMax[g];
  return 1 - q;
}

/**
 * The platform the evidence shows best (its own support, noisy-OR over groups, must reach MIN_SUPPORT like an
 * origin's). It is always reported; it decides nilSubject only when no producer was found and the platform alone
 * settles the question (every maker of it is, or none is, subject). A producer whose answer differs from the
 * platform's (a non-PRC label on a platform only PRC companies make) is a conflict worth showing.
 */
function choosePlatform(c: CompiledCatalogue, v: Verdict) {
  let best = -1, bestSupport = 0;
  for (let i = 0; i < nItems; i++) {
    const key = itemCompany[i];
    if (key > -2 || seenBefore(key, i)) continue;
    const s = ownSupport(key, i);
    if (s > bestSupport) { bestSupport = s; best = -2 - key; }
  }
  if (best < 0 || bestSupport < MIN_SUPPORT) return;
  const p = platforms[best];
  v.platform = { id: p.id, name: p.name, note: p.note, nilSubject: p.nilSubject };
  if (v.origin === null) { if (p.nilSubject !== null) v.nilSubject = p.nilSubject; return; }
  if (p.nilSubject === null || v.nilSubject === null || v.nilSubject === p.nilSubject) return;
  const origin = c.companyIndex.get(v.origin)!, family = c.companies[origin].family, key = -2 - best;
  const originKinds: Kind[] = [], platformKinds: Kind[] = [];
  for (let i = 0; i < nItems; i++) {
    const list = itemFamily[i] === family ? originKinds : itemCompany[i] === key ? platformKinds : null;
    if (list && !list.includes(evidence[i].kind)) list.push(evidence[i].kind);
  }
  const makers = p.nilSubject ? 'only companies subject to the PRC National Intelligence Law make' : 'no company subject to the PRC National Intelligence Law makes';
  v.conflicts.push({
    companies: [v.origin], kinds: [...new Set([...originKinds, ...platformKinds])],
    message: `${cap(joinWords(originKinds))} ${verb(originKinds)} to ${c.companies[origin].name} but ${joinWords(platformKinds)} ${verb(platformKinds) === 'points' ? 'shows' : 'show'} ${p.name}, which ${makers}`,
  });
}

/** Within the winning family: the most specific company with support ≥ MIN_SUPPORT, else the best supported. */
function pickMember(c: CompiledCatalogue, family: number): number {
  // Usual case: every item for the family names the same company.
  let only = -1, mixed = false;
  for (let i = 0; i < nItems; i++) {
    if (itemFamily[i] !== family) continue;
    if (only < 0) only = itemCompany[i]; else if (itemCompany[i] !== only) { mixed = true; break; }
  }
  if (!mixed) return only >= 0 ? only : family;
  let chosen = -1, chosenSupport = -1, chosenDepth = -1, fallback = -1, fallbackSupport = -1;
  for (let i = 0; i < nItems; i++) {
    const ci = itemCompany[i];
    if (itemFamily[i] !== family || seenBefore(ci, i)) continue;
    const s = ownSupport(ci, i), depth = c.companies[ci].depth;
    if (s > fallbackSupport) { fallback = ci; fallbackSupport = s; }
    if (s >= MIN_SUPPORT && (depth > chosenDepth || (depth === chosenDepth && s > chosenSupport))) { chosen = ci; chosenSupport = s; chosenDepth = depth; }
  }
  return chosen >= 0 ? chosen : fallback;
}

const KIND_WORDS: Record<Kind, string> = {
  label: 'the label', mac: 'the MAC prefix', model: 'the model number', firmware: 'the firmware version', serial: 'the serial number',
  httpServer: 'the web server banner', httpTitle: 'the web page title', httpPath: 'the web interface paths', rtspServer: 'the RTSP server banner',
  onvifManufacturer: 'the ONVIF manufacturer', onvifModel: 'the ONVIF model', onvifFirmware: 'the ONVIF firmware version',
  onvifHardwareId: 'the ONVIF hardware id', scope: 'the discovery scopes', override: 'a manual override',
  realm: 'the authentication realm', wwwAuthenticate: 'the WWW-Authenticate header', ftpBanner: 'the FTP banner',
  telnetBanner: 'the telnet banner', sshBanner: 'the SSH banner', loginBanner: 'the login banner',
  snmpSysDescr: 'the SNMP system description', snmpSysObjectId: 'the SNMP system object id', x509Subject: 'the TLS certificate subject',
  x509Issuer: 'the TLS certificate issuer', httpBody: 'the web page', faviconMd5: 'the favicon (MD5)', faviconMmh3: 'the favicon (Shodan hash)',
  dhcpVendorClass: 'the DHCP vendor class', sipUserAgent: 'the SIP user agent', upnpServer: 'the UPnP server banner',
  upnpManufacturer: 'the UPnP manufacturer', upnpModelName: 'the UPnP model name', rawResponse: 'a service answer',
};

function joinWords(kinds: Kind[]): string {
  const w = kinds.map((k) => KIND_WORDS[k]);
  return w.length <= 1 ? w.join('') : `${w.slice(0, -1).join(', ')} and ${w[w.length - 1]}`;
}

/**
 * A conflict is evidence from one source pointing at another family than the winner's. A source that points at
 * both (an OEM brand listed under its own name and under its real maker) is not a conflict: it is the expected relabel.
 */
function findConflicts(c: CompiledCatalogue, v: Verdict, winner: number) {
  const groupsFor = (fam: number) => { let bits = 0; for (let i = 0; i < nItems; i++) if (itemFamily[i] === fam) bits |= 1 << itemGroup[i]; return bits; };
  const winnerGroups = groupsFor(winner);
  const found: { support: number; conflict: Conflict }[] = [];
  const done = new Set<number>([winner]);
  for (let i = 0; i < nItems; i++) {
    const fam = itemFamily[i];
    if (fam < 0 || done.has(fam)) continue;
    done.add(fam);
    const otherGroups = groupsFor(fam);
    const contested = winnerGroups & otherGroups; // sources that name both: not a disagreement
    let q = 1; const otherKinds: Kind[] = []; let otherCompany = -1; let labelValue: string | null = null;
    for (let j = 0; j < nItems; j++) {
      if (itemFamily[j] !== fam || contested & (1 << itemGroup[j])) continue;
      q *= 1 - evidence[j].weight;
      if (!otherKinds.includes(evidence[j].kind)) otherKinds.push(evidence[j].kind);
      if (evidence[j].kind === 'label') labelValue = evidence[j].value;
      if (otherCompany < 0) otherCompany = itemCompany[j];
    }
    if (1 - q < CONFLICT_MIN) continue;
    const winnerKinds: Kind[] = []; let winnerCompany = -1;
    for (let j = 0; j < nItems; j++) {
      if (itemFamily[j] !== winner || contested & (1 << itemGroup[j])) continue;
      if (!winnerKinds.includes(evidence[j].kind)) winnerKinds.push(evidence[j].kind);
      if (winnerCompany < 0) winnerCompany = itemCompany[j];
    }
    if (!winnerKinds.length) continue;
    const wName = c.companies[v.origin ? c.companyIndex.get(v.origin)! : winnerCompany].name;
    const oName = c.companies[otherCompany].name;
    const wSlug = v.origin ?? c.companies[winnerCompany].slug;
    const onlyLabel = otherKinds.length === 1 && otherKinds[0] === 'label';
    const wTech = winnerKinds.filter((k) => k !== 'label');
    const message = onlyLabel && wTech.length
      ? `Labelled ${labelValue} (${oName}) but ${joinWords(wTech)} ${verb(wTech)} to ${wName}`
      : `${cap(joinWords(winnerKinds))} ${verb(winnerKinds)} to ${wName} but ${joinWords(otherKinds)} ${verb(otherKinds)} to ${oName}`;
    found.push({ support: 1 - q, conflict: { companies: [wSlug, c.companies[otherCompany].slug], kinds: [...new Set([...winnerKinds, ...otherKinds])], message } });
  }
  found.sort((a, b) => b.support - a.support);
  for (const f of found) v.conflicts.push(f.conflict);
}

/** "the MAC prefix points", "the MAC prefix and firmware version point", "the web interface paths point". */
const verb = (kinds: Kind[]) => (kinds.length === 1 && kinds[0] !== 'httpPath' && kinds[0] !== 'scope' ? 'points' : 'point');
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// ---------------------------------------------------------------------------------------------------------------
// explain

/** A readable account of a verdict for `--explain` and the web UI: verdict, confidence, each piece of evidence, conflicts. */
export function explain(v: Verdict, names?: Map<string, string>): string {
  const name = (slug: string | null) => (slug === null ? 'nothing' : names?.get(slug) ? `${names.get(slug)} (${slug})` : slug);
  const p = v.platform ?? null;
  const lines: string[] = [];
  lines.push(`Device ${v.id ?? '(no id)'}`);
  if (v.origin) {
    lines.push(`  Produced by: ${name(v.origin)}, confidence ${pct(v.confidence)}`);
    lines.push(`  Subject to the PRC National Intelligence Law: ${v.nilSubject === true ? 'yes' : v.nilSubject === false ? 'no' : 'not known (the catalogue has no finding for this producer)'}`);
    if (p) lines.push(`  Platform: ${p.name} (${p.id}); the producer above decides the PRC question. ${p.note}`);
  } else if (p) {
    lines.push(`  Produced by: not known — the evidence shows ${p.name} (${p.id}), a platform many makers build on, not who made this one`);
    lines.push(p.nilSubject === null
      ? `  Subject to the PRC National Intelligence Law: not known — the platform alone does not settle it: ${p.note}`
      : `  Subject to the PRC National Intelligence Law: ${p.nilSubject ? 'yes' : 'no'} — the platform alone settles it, whoever made this unit: ${p.note}`);
  } else {
    lines.push(v.evidence.some((e) => e.company)
      ? `  Produced by: not known — the evidence is too weak or too contradictory to decide (best ${pct(v.confidence)})`
      : '  Produced by: not known — nothing recorded about this device identifies its producer');
    lines.push('  Subject to the PRC National Intelligence Law: not known');
  }
  if (v.evidence.length) {
    lines.push('  Evidence:');
    const order = [...v.evidence].sort((a, b) => b.weight - a.weight);
    for (const e of order) {
      const mark = e.platform ? '~' : e.company === null ? '·' : e.company === v.origin ? '+' : '-';
      const to = e.platform ? `platform ${p && p.id === e.platform ? `${p.name} (${p.id})` : e.platform}` : name(e.company);
      lines.push(`    ${mark} ${KIND_WORDS[e.kind].replace(/^the /, '')} "${e.value}" → ${to} (weight ${e.weight.toFixed(2)})`);
      lines.push(`        ${e.indicates}${e.ruleId || e.source ? ` [${[e.ruleId && `rule ${e.ruleId}`, e.source && `source ${e.source}`].filter(Boolean).join('; ')}]` : ''}`);
    }
  } else {
    lines.push('  Evidence: none');
  }
  if (v.conflicts.length) {
    lines.push('  Conflicts:');
    for (const c of v.conflicts) lines.push(`    ! ${c.message}`);
  }
  lines.push(`  Catalogue ${v.catalogueVersion}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Evidence as stored: the rule that matched and the value it read; the sentence is the rule's, so it is said once
// in the catalogue rather than once per device (a verdict's sentences were most of its bytes).

/** kind, value, weight, then (trailing nulls left off) company, rule id, source, platform, and the sentence only when the catalogue cannot give it back. */
export type StoredEvidence = [EvidenceItem['kind'], string, number, (string | null)?, (string | null)?, (string | null)?, (string | null)?, string?];

const sentenceMaps = new WeakMap<CompiledCatalogue, Map<string, string>>();

/** Rule id → the sentence it gives (a brand's twice: as labelled, and as the device reports it, keyed "claimed:"). */
function sentencesOf(c: CompiledCatalogue): Map<string, string> {
  let m = sentenceMaps.get(c);
  if (m) return m;
  m = new Map();
  for (const v of Object.values(c)) {
    const set = v as RuleSet;
    if (set && Array.isArray(set.rules)) for (const r of set.rules) m.set(r.id, r.indicates);
  }
  for (const hits of c.brands.values()) for (const h of hits) { m.set(h.ruleId, h.indicates); m.set(`claimed:${h.ruleId}`, h.claimedIndicates); }
  for (const table of [c.oui6, c.oui7, c.oui9]) for (const o of table.values()) m.set(o.ruleId, o.indicates);
  sentenceMaps.set(c, m);
  return m;
}

/** The sentence the engine gives for an item, rebuilt from its kind, value and rule; null when the catalogue cannot say. */
export function evidenceSentence(c: CompiledCatalogue, e: Pick<EvidenceItem, 'kind' | 'value' | 'ruleId' | 'company'>): string | null {
  if (e.ruleId) return sentencesOf(c).get(e.ruleId.startsWith('brand:') && e.kind !== 'label' ? `claimed:${e.ruleId}` : e.ruleId) ?? null;
  if (e.company !== null) return null;
  if (e.kind === 'label') return `Labelled ${e.value}: not a brand in the catalogue, so it says nothing about the producer`;
  if (e.kind !== 'mac' && e.kind !== 'scope') return null;
  if (!parseMac(e.value)) return e.kind === 'mac' ? `${e.value} is not a MAC address, so it says nothing about the producer` : null;
  const text = macText();
  if ((macHi & 0x020000) !== 0) return `MAC ${text} is locally administered (set by software, often random), so it says nothing about the producer`;
  const holder = c.registrantOf ? c.registrantOf(text) : null;
  return holder
    ? `MAC prefix ${text.slice(0, 8)} is registered to ${holder}, which is not a camera maker in the catalogue, so it says nothing about the producer`
    : `MAC prefix ${text.slice(0, 8)} is not held by any maker in the catalogue, so it says nothing about the producer`;
}

/** A verdict's evidence for storage; `c` is the catalogue that will render it on read (the sentence is kept where it differs). */
export function packEvidence(c: CompiledCatalogue, items: EvidenceItem[]): StoredEvidence[] {
  return items.map((e) => {
    const row: StoredEvidence = [e.kind, e.value, e.weight, e.company, e.ruleId ?? null, e.source ?? null, e.platform ?? null];
    if (evidenceSentence(c, e) !== e.indicates) row.push(e.indicates);
    while (row.length > 3 && row[row.length - 1] === null) row.pop();
    return row;
  });
}

/** Stored evidence read back as the engine gave it. Items stored whole (before migration 0014) pass through. */
export function unpackEvidence(c: CompiledCatalogue, stored: (StoredEvidence | EvidenceItem)[]): EvidenceItem[] {
  return stored.map((s) => {
    if (!Array.isArray(s)) return s;
    const [kind, value, weight, company = null, ruleId = null, source = null, platform = null, sentence] = s;
    const e: EvidenceItem = { kind, value, company, indicates: '', weight };
    if (ruleId !== null) e.ruleId = ruleId;
    if (source !== null) e.source = source;
    if (platform !== null) e.platform = platform;
    // A rule the catalogue no longer has (the verdict is then stale, and re-read at the next assessment).
    e.indicates = sentence ?? evidenceSentence(c, e) ?? `Matched ${ruleId ? `catalogue rule ${ruleId}` : 'no catalogue rule'}: ${value}`;
    return e;
  });
}
