import type { Catalogue, Company } from './types';
import { loadCatalogue } from './load';
import { buildOuiIndex, registrantOf } from './oui';
import { compileCatalogue, type CompiledCatalogue } from '../domain/provenance';

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
