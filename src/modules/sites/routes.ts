import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { parseInput } from '../../platform/errors';
import { limitSchema } from '../../platform/paging';
import { apiRoute, orgPage, type AppDeps } from '../../web/http';
import { registerRecordRoutes } from '../../web/records';
import { numberOrRaw, text, yesNo, type FormBody } from '../../web/forms';
import { objectHistory } from '../audit/service';
import { SITE_TYPE_LABELS, SITE_TYPES, siteFields, sitePatch, type Site } from './schemas';
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
    sensitive: yesNo(body.sensitive) ?? null, sensitiveReason: text(body.sensitiveReason), siteType: text(body.siteType) ?? undefined,
  };
}

const typeItems = (selected?: string) => SITE_TYPES.map((t) => ({ value: t, text: SITE_TYPE_LABELS[t], selected: t === selected }));

export function registerSiteRoutes(app: FastifyInstance, deps: AppDeps) {
  apiRoute(app, deps, 'GET', '/sites', { summary: 'List sites', tag: 'Sites', query: listQuery, response: z.object({ items: z.array(siteOut), next: z.string().nullable() }) },
    async (req, ctx) => {
      const q = parseInput(listQuery, req.query);
      return sites.listSites(ctx, { q: q.q, sensitive: q.sensitive === undefined ? undefined : q.sensitive === 'true', cursor: q.cursor, limit: q.limit });
    });

  registerRecordRoutes<Site>(app, deps, {
    path: 'sites', noun: 'site', tag: 'Sites', writePermission: 'estate:write',
    api: { out: siteOut, fields: siteFields, patch: sitePatch, writePermission: 'estate:write', deleteNote: ' (refused while assets are at it)' },
    service: { get: sites.getSite, create: sites.createSite, update: sites.updateSite, remove: sites.deleteSite },
    name: (s) => s.name,
    fromForm: siteFromForm,
    // Nothing pre-set for sensitivity: an untouched answer would lower the severity of every finding at the site.
    newValues: () => ({ siteType: 'office' }),
    form: async (p, site, values, body, errors, status) => p.render('sites/views/form.njk', {
      title: site ? `Change ${site.name}` : 'Add a site', site, errors, typeItems: typeItems(values.siteType),
      // Coordinates are shown as typed, so a mistyped number can be corrected rather than lost.
      values: body ? { ...values, latitude: text(body.latitude), longitude: text(body.longitude) } : values,
    }, status),
  });

  orgPage(app, deps, 'GET', '/sites', 'estate:read', async (req, _reply, p) => {
    const q = text(req.query.q) ?? undefined;
    const page = await sites.listSites(p.ctx, { q, cursor: text(req.query.cursor) ?? undefined, limit: 100 });
    return p.render('sites/views/list.njk', { title: 'Sites', sites: page.items, next: page.next, q, canWrite: can(p.ctx.role, 'estate:write'), labels: SITE_TYPE_LABELS });
  });

  orgPage(app, deps, 'GET', '/sites/:id', 'estate:read', async (req, _reply, p) => {
    const site = await sites.getSite(p.ctx, req.params.id);
    const [history, assetCount] = await Promise.all([objectHistory(p.ctx, 'site', site.id), countAssetsAtSite(p.ctx.db, p.ctx.orgId, site.id)]);
    return p.render('sites/views/show.njk', {
      title: site.name, site, history, assetCount, typeLabel: SITE_TYPE_LABELS[site.siteType],
      canWrite: can(p.ctx.role, 'estate:write'), canDelete: can(p.ctx.role, 'estate:delete'),
    });
  });
}
