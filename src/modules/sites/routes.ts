import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { parseInput } from '../../platform/errors';
import { limitSchema } from '../../platform/paging';
import { apiRoute, jsonBody, orgPage, submitForm, type AppDeps } from '../../server/http';
import { numberOrRaw, text, yesNo, type FormBody } from '../../server/forms';
import { objectHistory } from '../audit/service';
import { SITE_TYPE_LABELS, SITE_TYPES, siteFields, sitePatch } from './schemas';
import * as sites from './service';
import { countAssetsAtSite } from './repo';

const siteOut = z.object({
  id: z.string(), name: z.string(), address: z.string().nullable(), postcode: z.string().nullable(),
  latitude: z.number().nullable(), longitude: z.number().nullable(), sensitive: z.boolean(), sensitiveReason: z.string().nullable(),
  siteType: z.enum(SITE_TYPES), createdAt: z.string(), updatedAt: z.string(),
});

const listQuery = z.object({
  q: z.string().max(200).optional().describe('Text the site name contains'),
  sensitive: z.enum(['true', 'false']).optional().describe('Only sensitive (true) or non-sensitive (false) sites'),
  cursor: z.string().max(2000).optional().describe('The `next` value of the previous page'),
  limit: limitSchema.describe('Page size, 1–500 (default 50)'),
}).strict();

function siteFromForm(body: FormBody) {
  return {
    name: text(body.name) ?? '', address: text(body.address), postcode: text(body.postcode),
    latitude: numberOrRaw(body.latitude), longitude: numberOrRaw(body.longitude),
    sensitive: yesNo(body.sensitive), sensitiveReason: text(body.sensitiveReason), siteType: text(body.siteType) ?? undefined,
  };
}

const typeItems = (selected?: string) => SITE_TYPES.map((t) => ({ value: t, text: SITE_TYPE_LABELS[t], selected: t === selected }));

export function registerSiteRoutes(app: FastifyInstance, deps: AppDeps) {
  // ---- API
  apiRoute(app, deps, 'GET', '/sites', { summary: 'List sites', tag: 'Sites', query: listQuery, response: z.object({ items: z.array(siteOut), next: z.string().nullable() }) },
    async (req, ctx) => {
      const q = parseInput(listQuery, req.query);
      return sites.listSites(ctx, { q: q.q, sensitive: q.sensitive === undefined ? undefined : q.sensitive === 'true', cursor: q.cursor, limit: q.limit });
    });
  apiRoute(app, deps, 'POST', '/sites', { summary: 'Register a site', tag: 'Sites', status: 201, body: siteFields, response: siteOut, permission: 'manager or admin' },
    async (req, ctx) => sites.createSite(ctx, jsonBody(req)));
  apiRoute(app, deps, 'GET', '/sites/:id', { summary: 'Get a site', tag: 'Sites', response: siteOut },
    async (req, ctx) => sites.getSite(ctx, (req.params as any).id));
  apiRoute(app, deps, 'PATCH', '/sites/:id', { summary: 'Change a site', tag: 'Sites', body: sitePatch, response: siteOut, permission: 'manager or admin' },
    async (req, ctx) => sites.updateSite(ctx, (req.params as any).id, jsonBody(req)));
  apiRoute(app, deps, 'DELETE', '/sites/:id', { summary: 'Delete a site (refused while assets are at it)', tag: 'Sites', permission: 'manager or admin' },
    async (req, ctx) => { await sites.deleteSite(ctx, (req.params as any).id); });

  // ---- Pages
  orgPage(app, deps, 'GET', '/sites', 'estate:read', async (req, _reply, p) => {
    const q = text((req.query as any).q) ?? undefined;
    const page = await sites.listSites(p.ctx, { q, cursor: text((req.query as any).cursor) ?? undefined, limit: 100 });
    return p.render('sites/views/list.njk', { title: 'Sites', sites: page.items, next: page.next, q, canWrite: can(p.ctx.role, 'estate:write'), labels: SITE_TYPE_LABELS });
  });

  const renderForm = (p: any, site: any, values: any, errors: Record<string, string> = {}, status = 200) =>
    p.render('sites/views/form.njk', { title: site ? `Change ${site.name}` : 'Add a site', site, values, errors, typeItems: typeItems(values.siteType) }, status);

  orgPage(app, deps, 'GET', '/sites/new', 'estate:write', async (_req, _reply, p) => renderForm(p, null, { sensitive: false, siteType: 'office' }));
  orgPage(app, deps, 'POST', '/sites', 'estate:write', async (req, _reply, p) => {
    const input = siteFromForm(req.body as FormBody);
    return submitForm(p, async () => {
      const site = await sites.createSite(p.ctx, input);
      return { to: `${p.base}/sites/${site.id}`, flash: `Site “${site.name}” added` };
    }, (errors, status) => renderForm(p, null, { ...input, latitude: text((req.body as any).latitude), longitude: text((req.body as any).longitude) }, errors, status));
  });

  orgPage(app, deps, 'GET', '/sites/:id', 'estate:read', async (req, _reply, p) => {
    const site = await sites.getSite(p.ctx, (req.params as any).id);
    const [history, assetCount] = await Promise.all([objectHistory(p.ctx, 'site', site.id), countAssetsAtSite(p.ctx.db, p.ctx.orgId, site.id)]);
    return p.render('sites/views/show.njk', {
      title: site.name, site, history, assetCount, typeLabel: SITE_TYPE_LABELS[site.siteType],
      canWrite: can(p.ctx.role, 'estate:write'), canDelete: can(p.ctx.role, 'estate:delete'),
    });
  });

  orgPage(app, deps, 'GET', '/sites/:id/edit', 'estate:write', async (req, _reply, p) => {
    const site = await sites.getSite(p.ctx, (req.params as any).id);
    return renderForm(p, site, site);
  });
  orgPage(app, deps, 'POST', '/sites/:id', 'estate:write', async (req, _reply, p) => {
    const site = await sites.getSite(p.ctx, (req.params as any).id);
    const input = siteFromForm(req.body as FormBody);
    return submitForm(p, async () => {
      const saved = await sites.updateSite(p.ctx, site.id, input);
      return { to: `${p.base}/sites/${site.id}`, flash: `Site “${saved.name}” saved` };
    }, (errors, status) => renderForm(p, site, { ...input, latitude: text((req.body as any).latitude), longitude: text((req.body as any).longitude) }, errors, status));
  });

  orgPage(app, deps, 'GET', '/sites/:id/delete', 'estate:delete', async (req, _reply, p) => {
    const site = await sites.getSite(p.ctx, (req.params as any).id);
    return p.render('confirm-delete.njk', { title: `Delete ${site.name}`, thing: 'site', name: site.name, action: `${p.base}/sites/${site.id}/delete`, back: `${p.base}/sites/${site.id}` });
  });
  orgPage(app, deps, 'POST', '/sites/:id/delete', 'estate:delete', async (req, _reply, p) => {
    const site = await sites.getSite(p.ctx, (req.params as any).id);
    await sites.deleteSite(p.ctx, site.id);
    return p.redirect(`${p.base}/sites`, `Site “${site.name}” deleted`);
  });
}
