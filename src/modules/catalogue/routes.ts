import type { FastifyInstance } from 'fastify';
import { orgPage, type AppDeps } from '../../server/http';
import { catalogueRuntime } from '../../catalog';

const LIST_NAMES: Record<string, string> = {
  'prc-nil': 'PRC National Intelligence Law (UK test)', 'ndaa-889': 'US NDAA §889', 'fcc-covered': 'US FCC Covered List',
  'commerce-entity': 'US Commerce Entity List', 'dod-1260h': 'US DoD 1260H list',
};

/** The vendor catalogue as people can read it: every company, its list flags and the source of each claim. */
export function registerCatalogueRoutes(app: FastifyInstance, deps: AppDeps) {
  orgPage(app, deps, 'GET', '/catalogue', 'estate:read', async (_req, _reply, p) => {
    const { catalogue } = catalogueRuntime();
    const sources = new Map(catalogue.sources.map((s) => [s.id, s]));
    const companies = [...catalogue.companies].sort((a, b) => a.name.localeCompare(b.name)).map((c) => ({
      ...c,
      nil: c.flags.find((f) => f.list === 'prc-nil'),
      otherFlags: c.flags.filter((f) => f.list !== 'prc-nil').map((f) => ({ ...f, listName: LIST_NAMES[f.list] ?? f.list, sourceTitle: sources.get(f.source)?.title })),
      brands: catalogue.brands.filter((b) => b.company === c.slug),
      rules: catalogue.rules.filter((r) => r.company === c.slug).length,
    }));
    return p.render('catalogue/views/catalogue.njk', {
      title: 'Vendor catalogue', catalogue, companies, sources: [...sources.values()],
      counts: { companies: catalogue.companies.length, brands: catalogue.brands.length, rules: catalogue.rules.length, sources: catalogue.sources.length },
    });
  });
}
