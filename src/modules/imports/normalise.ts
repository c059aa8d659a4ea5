// Turning what people type into registers into the register's own forms. Each normaliser returns the value to
// store, or a reason the cell cannot be read (which becomes a row error naming the row and column). The caller
// keeps the original text whenever the stored value differs from it.
import { isIsoDate, normaliseIp, normaliseMac } from '../../domain/netaddr';
import { catalogueRuntime } from '../../catalog';
import { brandKey } from '../../domain/provenance';
import { unneutraliseCell } from '../../platform/csv';
import { ASSET_KINDS, ASSET_STATUSES } from '../assets/schemas';
import { cellText, type CellValue } from './read';

export type Normalised<T = string> = { value: T | null } | { error: string };

/** Cell text as imported: trimmed, with the apostrophe an export put before a formula-like value taken off. */
export function cleanText(v: CellValue): string {
  return unneutraliseCell(cellText(v).trim()).trim();
}

// Words registers use for "nothing here"; treated as an empty cell (otherwise "N/A" would be a serial number).
const PLACEHOLDERS = new Set(['n/a', 'na', 'n.a.', '-', '--', '—', '?', 'none', 'unknown', 'not known', 'tbc', 'tba', 'nil', 'null', '#n/a']);
export const isPlaceholder = (s: string) => PLACEHOLDERS.has(s.toLowerCase());

export function mac(text: string): Normalised {
  const spaced = /^([0-9a-f]{2})([\s:-][0-9a-f]{2}){5}$/i.test(text) ? text.replace(/[\s-]/g, ':') : text;
  const m = normaliseMac(spaced);
  return m ? { value: m } : { error: `“${short(text)}” is not a MAC address (expected six pairs of hex digits, like 44:19:B6:12:34:56)` };
}

export function ip(text: string): Normalised {
  const bare = text.replace(/\/\d{1,3}$/, '');
  const v = normaliseIp(bare);
  return v ? { value: v } : { error: `“${short(text)}” is not an IP address (expected one like 10.20.1.15)` };
}

const MONTHS: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6, jul: 7, july: 7,
  aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11, november: 11, dec: 12, december: 12,
};

const iso = (y: number, m: number, d: number) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
const fullYear = (y: string) => (y.length === 2 ? (Number(y) < 70 ? 2000 + Number(y) : 1900 + Number(y)) : Number(y));

/** Excel's day numbers (1900 date system, as Excel and LibreOffice write them): day 25569 is 1970-01-01. */
function fromExcelSerial(n: number): string | null {
  if (!Number.isFinite(n) || n < 1 || n > 2_958_465) return null;
  const d = new Date(Math.round((Math.floor(n) - 25569) * 86_400_000));
  return d.toISOString().slice(0, 10);
}

/**
 * A date as UK registers write it: 27/03/2023, 27-3-23, 27.03.2023, 27 March 2023, 2023-03-27 (ISO, also with a
 * time), an Excel date cell, or an Excel day number. Day first, always: 03/04/2023 is 3 April.
 */
export function date(v: CellValue): Normalised {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? { error: 'The cell is not a real date' } : { value: v.toISOString().slice(0, 10) };
  if (typeof v === 'number') {
    const d = fromExcelSerial(v);
    return d ? { value: d } : { error: `${v} is not a date` };
  }
  const text = cleanText(v);
  let out: string | null = null;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(text))) out = iso(+m[1], +m[2], +m[3]);
  else if ((m = /^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(text))) out = iso(fullYear(m[3]), +m[2], +m[1]);
  else if ((m = /^(\d{1,2})(?:st|nd|rd|th)?[\s\-/]+([a-z]{3,9})\.?[\s\-/,]+(\d{4}|\d{2})$/i.exec(text)) && MONTHS[m[2].toLowerCase()]) out = iso(fullYear(m[3]), MONTHS[m[2].toLowerCase()], +m[1]);
  else if ((m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(text))) out = iso(+m[1], +m[2], +m[3]);
  else if (/^\d{5}(\.\d+)?$/.test(text)) out = fromExcelSerial(Number(text));
  if (out && isIsoDate(out)) return { value: out };
  return { error: `“${short(text)}” is not a date Sightline can read (write it day first, like 27/03/2023, or as 2023-03-27)` };
}

const KIND_WORDS: [RegExp, (typeof ASSET_KINDS)[number]][] = [
  [/\b(nvr|network video recorder|recorder)\b/, 'nvr'],
  [/\b(dvr|digital video recorder)\b/, 'dvr'],
  [/\b(encoder|video server)\b/, 'encoder'],
  [/\b(vms|video management|server)\b/, 'vms-server'],
  [/\bswitch\b/, 'switch'],
  [/\b(camera|cam|cctv|dome|bullet|ptz|turret|fisheye|fish eye|box camera|ip camera|anpr)\b/, 'camera'],
];

/** "Camera", "PTZ dome", "Recorder (NVR)", "nvr" → the register's kinds. */
export function kind(text: string): Normalised {
  const t = text.toLowerCase().trim();
  if ((ASSET_KINDS as readonly string[]).includes(t)) return { value: t };
  for (const [re, k] of KIND_WORDS) if (re.test(t)) return { value: k };
  if (t === 'other') return { value: 'other' };
  return { error: `“${short(text)}” is not a kind of device Sightline knows (camera, NVR, DVR, encoder, VMS server, switch or other)` };
}

const STATUS_WORDS: [RegExp, (typeof ASSET_STATUSES)[number]][] = [
  [/\b(replacement planned|replace|to be replaced|due for replacement|replacement)\b/, 'replacement-planned'],
  [/\b(removed|decommissioned|disposed|scrapped|retired|gone)\b/, 'removed'],
  [/\b(faulty|fault|broken|not working|defective|failed|offline|down|u\/s)\b/, 'faulty'],
  [/\b(in service|in use|live|active|working|operational|ok|online|installed|yes|in-service)\b/, 'in-service'],
];

/** "In service", "Live", "broken", "Decommissioned" → the register's statuses. */
export function status(text: string): Normalised {
  const t = text.toLowerCase().replace(/[_]+/g, ' ').trim();
  if ((ASSET_STATUSES as readonly string[]).includes(t)) return { value: t };
  for (const [re, s] of STATUS_WORDS) if (re.test(t)) return { value: s };
  return { error: `“${short(text)}” is not a status Sightline knows (in service, faulty, removed or replacement planned)` };
}

/** Trims and collapses spaces: the key sites, networks and systems are matched by. */
export const nameKey = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

const CORPORATE = new Set(['ltd', 'limited', 'inc', 'co', 'corp', 'corporation', 'company', 'gmbh', 'ag', 'ab', 'sa', 'plc', 'llc', 'bv',
  'technology', 'technologies', 'tech', 'digital', 'security', 'systems', 'system', 'solutions', 'electronics', 'communications',
  'international', 'group', 'cctv', 'uk', 'europe', 'the', 'by', 'and', 'video', 'vision']);

function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, cur[j]);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Manufacturer spellings → one label per maker: catalogue brand names and aliases ("HIK VISION", "Hik-Vision"),
 * company names ("Zhejiang Dahua Technology Co., Ltd."), near misses ("hikvison"), and the spellings the
 * organisation already uses (or that appeared earlier in the file) for makers the catalogue does not know.
 * The label is what the kit says (Honeywell stays Honeywell): who really made it is the provenance engine's job.
 */
export class ManufacturerNames {
  private known = new Map<string, string>();
  private local = new Map<string, string>();
  private memo = new Map<string, string>();
  private knownKeys: string[];

  constructor(orgLabels: string[]) {
    const rt = catalogueRuntime();
    for (const b of rt.catalogue.brands) {
      for (const n of [b.name, ...b.aliases]) if (!this.known.has(brandKey(n))) this.known.set(brandKey(n), b.name);
    }
    const ownBrand = new Map(rt.catalogue.brands.filter((b) => b.relation === 'own').map((b) => [b.company, b.name]));
    for (const c of rt.catalogue.companies) {
      const label = ownBrand.get(c.slug);
      if (label && !this.known.has(brandKey(c.name))) this.known.set(brandKey(c.name), label);
    }
    this.knownKeys = [...this.known.keys()];
    for (const l of orgLabels) {
      const k = brandKey(l);
      if (k && !this.local.has(k)) this.local.set(k, l);
    }
  }

  normalise(text: string): string {
    const hit = this.memo.get(text);
    if (hit !== undefined) return hit;
    const out = this.resolve(text);
    if (this.memo.size < 50_000) this.memo.set(text, out);
    return out;
  }

  private resolve(text: string): string {
    const key = brandKey(text);
    if (!key) return text;
    const exact = this.known.get(key);
    if (exact) return exact;
    const words = text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    const stripped = words.filter((w) => !CORPORATE.has(w)).join('');
    if (stripped && this.known.has(stripped)) return this.known.get(stripped)!;
    // "Hikvision DS-2CD…" or "Dahua Technology Europe": a known name as the first word.
    if (words.length > 1 && this.known.has(words[0]) && words[0].length >= 3) return this.known.get(words[0])!;
    const local = this.local.get(key);
    if (local) return local;
    // A near miss of a known name, if exactly one is that near ("hikvison", "Daahua").
    if (key.length >= 5) {
      const max = key.length >= 9 ? 2 : 1;
      let best: string | null = null;
      let bestD = max + 1;
      let ties = 0;
      for (const k of this.knownKeys) {
        if (k.length < 4) continue;
        const d = editDistance(key, k, max);
        if (d < bestD) { bestD = d; best = k; ties = 0; } else if (d === bestD) { if (this.known.get(k) !== this.known.get(best!)) ties++; }
      }
      if (best && bestD <= max && !ties) return this.known.get(best)!;
    }
    // Not a maker the catalogue knows: the first spelling the organisation (or this file) used wins.
    this.local.set(key, text);
    return text;
  }
}

const short = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}…` : s);
