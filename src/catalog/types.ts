// The vendor catalogue: versioned reference data about who makes surveillance equipment, which rules apply to
// them, and the evidence that identifies their devices. Every claim carries a source id (see `sources`).
// Loaded and validated by load.ts; read by the provenance engine (src/domain/provenance.ts).

/** ISO 3166-1 alpha-2 country code of a company's jurisdiction, e.g. "CN", "SE", "KR", "US". */
export type Country = string;

export interface Source {
  id: string;            // e.g. "uk-wms-2022-11-24"
  title: string;         // what it is, e.g. "Written ministerial statement HCWS386: Security update on surveillance equipment"
  publisher: string;     // e.g. "UK Parliament"
  url: string | null;    // where to read it (null for e.g. a contract held by the organisation)
  date: string | null;   // YYYY-MM-DD it was published, if known
}

/** The lists a company can be on. `prc-nil` is the UK test: subject to the PRC National Intelligence Law (2017). */
export type ListId = 'prc-nil' | 'ndaa-889' | 'fcc-covered' | 'commerce-entity' | 'dod-1260h';

export interface ListFlag {
  list: ListId;
  /** For ndaa-889: 'named' or 'affiliate'; for the others: 'listed'. `prc-nil` uses 'subject' | 'not-subject'. */
  status: 'subject' | 'not-subject' | 'named' | 'affiliate' | 'listed';
  since: string | null;  // YYYY-MM-DD
  until: string | null;  // YYYY-MM-DD, when removed from the list (null while current)
  confidence: number;    // 0..1; below 0.7 means "unconfirmed: a lead, not settled"
  source: string;        // Source.id
  note?: string;
}

export interface Company {
  slug: string;          // canonical, lower-case: 'hikvision', 'dahua', 'axis', …
  name: string;          // legal or usual full name
  country: Country;      // jurisdiction of the producer (decides the UK test)
  flags: ListFlag[];
  parent?: string;       // slug of a parent company, if any (e.g. axis → canon)
  note?: string;
}

/**
 * A name that appears on equipment or in registers and what it tells about the real producer.
 * own: the company's own name; brand: the maker's own sub-brand; subsidiary: an owned company;
 * oem: another company sells the maker's products under its own name; former: a past relationship (dates matter).
 */
export interface Brand {
  name: string;          // as usually written, e.g. "EZVIZ"
  aliases: string[];     // other spellings seen in registers, e.g. ["Ezviz", "EZ VIZ"] (matched case- and space-insensitively)
  company: string;       // Company.slug of the real producer
  relation: 'own' | 'brand' | 'subsidiary' | 'oem' | 'former';
  confidence: number;    // 0..1 that this brand's kit is produced by `company`
  from: string | null;   // YYYY-MM-DD the relationship began, if known
  until: string | null;  // YYYY-MM-DD it ended (for 'former'), if known
  source: string;
  note?: string;
}

/** IEEE registry registrant names (exactly as registered) that belong to a company. Never a hand-copied prefix list. */
export interface OuiRegistrant {
  company: string;
  names: string[];       // matched exactly after collapsing whitespace and case, e.g. "Hangzhou Hikvision Digital Technology Co.,Ltd."
  source: string;
}

/** Where a piece of evidence comes from, matching the device fields the engine reads. */
export const EVIDENCE_FIELDS = [
  'model', 'firmware', 'serial', 'httpServer', 'httpTitle', 'httpPath', 'rtspServer',
  'onvifManufacturer', 'onvifModel', 'onvifFirmware', 'onvifHardwareId', 'scope',
  // What a network says about a device beyond HTTP titles and ONVIF (issue: identify real networks' devices).
  'realm', 'wwwAuthenticate', 'ftpBanner', 'telnetBanner', 'sshBanner', 'loginBanner', 'snmpSysDescr', 'snmpSysObjectId',
  'x509Subject', 'x509Issuer', 'httpBody', 'faviconMd5', 'faviconMmh3', 'dhcpVendorClass', 'sipUserAgent',
  'upnpServer', 'upnpManufacturer', 'upnpModelName', 'rawResponse',
] as const;
export type EvidenceField = (typeof EVIDENCE_FIELDS)[number];

/**
 * A platform many makers build on (a HiSilicon DVR board, a white-label XMeye-style firmware sold to many brands):
 * evidence for it says what the device is without naming its producer, so the verdict's origin stays unknown.
 * `nilSubject` says whether the platform alone settles the UK test (true only when every producer of it is a PRC
 * company); null when it does not.
 */
export interface Platform {
  id: string;            // e.g. "hisilicon-dvr"
  name: string;          // for people: "HiSilicon-based DVR/NVR firmware from a Chinese OEM"
  nilSubject: boolean | null;
  note: string;          // what is known, and why it does or does not settle PRC-NIL
  source: string;
}

/** A pattern that, when it matches a field, points to a producer. */
export interface EvidenceRule {
  id: string;            // unique, e.g. "hikvision-model-ds-2cd"
  field: EvidenceField;
  pattern: string;       // JavaScript regular expression source, matched case-insensitively; must not match everything
  /** The producer a match points to; exactly one of company and platform. */
  company?: string;
  /** A platform (see Platform) a match points to, when the evidence names no single producer. */
  platform?: string;
  /** rawResponse rules only: the ports (TCP or UDP) whose answers the rule reads; any port when absent. */
  ports?: number[];
  weight: number;        // 0..1: how strongly a match points to `company` on its own
  indicates: string;     // what a match means, for people: "Hikvision IP camera model family (DS-2CD…)"
  source: string;
  /** Strings the pattern must match and must not match: checked at load, so a rule cannot silently rot. */
  examples: { match: string[]; noMatch: string[] };
}

export interface Catalogue {
  version: string;       // e.g. "2026.11.28-1": stored with every provenance result
  sources: Source[];
  companies: Company[];
  brands: Brand[];
  ouiRegistrants: OuiRegistrant[];
  platforms: Platform[];
  rules: EvidenceRule[];
}

/** Source id of brand attributions an organisation recorded itself (see catalog/index.ts compileWithOverrides). */
export const ORGANISATION_RECORD_SOURCE = 'organisation-record';
