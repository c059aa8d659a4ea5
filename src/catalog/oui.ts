// MAC prefix -> producer, read from the IEEE registry as shipped in the npm package `oui-data`.
// The catalogue names registrants (exact registered names), never prefixes: the registry is the source of truth,
// so a registry update brings new prefixes without anyone hand-copying a list.
import { createRequire } from 'node:module';
import type { Catalogue } from './types';

export interface OuiEntry {
  company: string;     // Company.slug
  registrant: string;  // the registrant name as registered (first line of the registry entry)
}

type Registry = Record<string, string>;

let registry: Registry | null = null;

/** The raw registry: hex prefix (6 = MA-L, 7 = MA-M, 9 = MA-S digits) -> "Registrant\naddress…". Loaded lazily (5 MB). */
export function ouiRegistry(): Registry {
  if (!registry) registry = createRequire(import.meta.url)('oui-data') as Registry;
  return registry;
}

/** The first line of a registry entry (the registrant's name; the postal address follows). */
function firstLine(entry: string): string {
  const end = entry.indexOf('\n');
  return end < 0 ? entry : entry.slice(0, end);
}

/** How registrant names are compared: first line, whitespace collapsed, case-insensitive. */
export function normaliseRegistrant(name: string): string {
  const line = firstLine(name);
  // Most names have single spaces only: the regular expression runs for the few that need it.
  return (/\s\s|[^\S ]/.test(line) ? line.replace(/\s+/g, ' ') : line).trim().toLowerCase();
}

let registrantPrefixes: Map<string, string[]> | null = null;

/**
 * Every registrant name in the registry (normalised) -> its MA-L prefixes: one pass over the 50,000 entries, shared
 * by validating the catalogue's names and by the prefix index (each used to make its own pass, about 0.2 s of
 * start-up in every process that identifies devices).
 */
function prefixesByRegistrant(): Map<string, string[]> {
  if (!registrantPrefixes) {
    const byName = new Map<string, string[]>();
    for (const [prefix, entry] of Object.entries(ouiRegistry())) {
      const key = normaliseRegistrant(entry);
      let prefixes = byName.get(key);
      if (!prefixes) byName.set(key, (prefixes = []));
      if (prefix.length === 6) prefixes.push(prefix);
    }
    registrantPrefixes = byName;
  }
  return registrantPrefixes;
}

/** Every registrant name in the registry (normalised), for validating the catalogue's names. */
export function knownRegistrantNames(): { has(name: string): boolean } {
  return prefixesByRegistrant();
}

// One index per catalogue object: the catalogue is immutable once loaded, and a test may build its own.
const indexCache = new WeakMap<Catalogue, Map<string, OuiEntry>>();

/**
 * MA-L prefix (6 upper-case hex digits, e.g. "4419B6") -> the company whose registrant name matches exactly.
 * Only MA-L blocks are indexed: MA-M/MA-S blocks sit under prefixes registered to the IEEE Registration Authority
 * itself, so a 6-digit lookup of such a MAC finds no company (use registrantOf for the precise holder).
 */
export function buildOuiIndex(catalogue: Catalogue): Map<string, OuiEntry> {
  const cached = indexCache.get(catalogue);
  if (cached) return cached;
  const byName = new Map<string, string>();
  for (const r of catalogue.ouiRegistrants) for (const n of r.names) byName.set(normaliseRegistrant(n), r.company);
  const registry = ouiRegistry();
  const prefixes = prefixesByRegistrant();
  const index = new Map<string, OuiEntry>();
  for (const [name, company] of byName) {
    for (const prefix of prefixes.get(name) ?? []) index.set(prefix.toUpperCase(), { company, registrant: firstLine(registry[prefix]).trim() });
  }
  indexCache.set(catalogue, index);
  return index;
}

/**
 * The registrant (raw first line) of the most specific block holding `prefix`, for explanations.
 * Accepts a prefix or a whole MAC in any common format ("44:19:B6", "4419b6", "44-19-B6-01-02-03");
 * tries MA-S (9 digits), then MA-M (7), then MA-L (6). Null when unregistered or too short.
 */
export function registrantOf(prefix: string): string | null {
  const hex = prefix.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  const reg = ouiRegistry();
  for (const len of [9, 7, 6]) {
    if (hex.length < len) continue;
    const entry = reg[hex.slice(0, len)];
    if (entry) return firstLine(entry).trim();
  }
  return null;
}
