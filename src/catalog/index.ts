import { ORGANISATION_RECORD_SOURCE, type Catalogue, type Company } from './types';
import { loadCatalogue } from './load';
import { buildOuiIndex, registrantOf } from './oui';
import { brandKey, compileCatalogue, type CompiledCatalogue } from '../domain/provenance';

export interface CatalogueRuntime {
  catalogue: Catalogue;
  compiled: CompiledCatalogue;
  companies: Map<string, Company>;
  version: string;
}

let runtime: CatalogueRuntime | null = null;

/** The shipped catalogue, validated and compiled once per process. */
export function catalogueRuntime(): CatalogueRuntime {
  if (!runtime) {
    const catalogue = loadCatalogue();
    // registrantOf lets an explanation name who holds a MAC prefix that is not a camera maker's.
    const compiled = compileCatalogue(catalogue, buildOuiIndex(catalogue), { registrantOf });
    runtime = { catalogue, compiled, companies: new Map(catalogue.companies.map((c) => [c.slug, c])), version: catalogue.version };
  }
  return runtime;
}

export interface BrandOverride { brandName: string; company: string; basis: string }


/**
 * The catalogue as one organisation sees it: its own brand attributions replace the shipped ones for those names.
 * They stay label evidence (the weakest kind): a contract saying who makes a brand does not outweigh a MAC prefix.
 */
export function compileWithOverrides(overrides: BrandOverride[]): CompiledCatalogue {
  const rt = catalogueRuntime();
  if (!overrides.length) return rt.compiled;
  const keys = new Set(overrides.map((o) => brandKey(o.brandName)));
  const brands = rt.catalogue.brands
    .filter((b) => !keys.has(brandKey(b.name)))
    .map((b) => ({ ...b, aliases: b.aliases.filter((a) => !keys.has(brandKey(a))) }));
  for (const o of overrides) {
    brands.push({ name: o.brandName, aliases: [], company: o.company, relation: 'oem', confidence: 0.95, from: null, until: null, source: ORGANISATION_RECORD_SOURCE, note: o.basis });
  }
  const catalogue: Catalogue = {
    ...rt.catalogue, brands,
    sources: [...rt.catalogue.sources, { id: ORGANISATION_RECORD_SOURCE, title: 'Your organisation’s own record', publisher: 'This organisation', url: null, date: null }],
  };
  return compileCatalogue(catalogue, buildOuiIndex(rt.catalogue), { registrantOf });
}
