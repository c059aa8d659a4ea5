import type { FastifyInstance } from 'fastify';
import { can } from '../../platform/context';
import { orgPage, submitForm, type AppDeps, type PageCtx } from '../../web/http';
import { text, type FormBody } from '../../web/forms';
import * as overrides from './service';
import { catalogueRuntime } from '../../catalog';

const LIST_NAMES: Record<string, string> = {
  'prc-nil': 'PRC National Intelligence Law (UK test)', 'ndaa-889': 'US NDAA §889', 'fcc-covered': 'US FCC Covered List',
  'commerce-entity': 'US Commerce Entity List', 'dod-1260h': 'US DoD 1260H list',
};

/** The vendor catalogue as people can read it: every company, its list flags and the source of each claim. */
export function registerCatalogueRoutes(app: FastifyInstance, deps: AppDeps) {
  orgPage(app, deps, 'GET', '/catalogue', 'estate:read', async (_req, _reply, p) => {
    return renderCatalogue(p, {}, {}, 200);
  });

  orgPage(app, deps, 'POST', '/catalogue/overrides', 'org:admin', async (req, _reply, p) => {
    const body = req.body as FormBody;
    const input = { brandName: text(body.brandName) ?? '', company: text(body.company) ?? '', basis: text(body.basis) ?? '' };
    return submitForm(p, async () => {
      const r = await overrides.addOverride(p.ctx, input);
      return { to: `${p.base}/catalogue#overrides`, flash: `Brand record saved; ${r.reevaluated} asset${r.reevaluated === 1 ? '' : 's'} re-evaluated` };
    }, (errors, status) => renderCatalogue(p, input, errors, status));
  });

  orgPage(app, deps, 'POST', '/catalogue/overrides/:id/delete', 'org:admin', async (req, _reply, p) => {
    const r = await overrides.removeOverride(p.ctx, req.params.id);
    return p.redirect(`${p.base}/catalogue#overrides`, `Brand record removed; ${r.reevaluated} asset${r.reevaluated === 1 ? '' : 's'} re-evaluated`);
  });

  async function renderCatalogue(p: PageCtx, values: Record<string, string>, errors: Record<string, string>, status: number) {
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
      title: 'Vendor catalogue', catalogue, companies, sources: [...sources.values()], overrides: await overrides.listOverrides(p.ctx),
      canOverride: can(p.ctx.role, 'org:admin'), values, errors,
      companyItems: [{ value: '', text: 'Choose a company' }, ...companies.map((c) => ({ value: c.slug, text: c.name, selected: values.company === c.slug }))],
      counts: { companies: catalogue.companies.length, brands: catalogue.brands.length, rules: catalogue.rules.length, sources: catalogue.sources.length },
    }, status);
  }
}
