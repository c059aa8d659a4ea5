import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { parseInput } from '../../platform/errors';
import { limitSchema } from '../../platform/paging';
import { UUID_RE } from '../../platform/ids';
import { apiRoute, orgPage, type AppDeps } from '../../web/http';
import { registerRecordRoutes } from '../../web/records';
import { list, numberOrRaw, text, type FormBody } from '../../web/forms';
import { objectHistory } from '../audit/service';
import { allSites } from '../sites/service';
import { countAssetsInSystem } from './repo';
import { type System, systemFields, systemPatch } from './schemas';
import * as systems from './service';

const systemOut = z.object({
  id: z.string(), name: z.string(), purpose: z.string(), owner: z.string(), operator: z.string().nullable(), retentionDays: z.number(),
  siteIds: z.array(z.string()), createdAt: z.string(), updatedAt: z.string(),
});
const listQuery = z.object({
  q: z.string().max(200).optional().describe('Text the system name contains'),
  site: z.string().regex(UUID_RE, 'Not a site id').optional().describe('Only systems covering this site'),
  cursor: z.string().max(2000).optional().describe('The `next` value of the previous page'),
  limit: limitSchema.describe('Page size, 1–500 (default 50)'),
}).strict();

function systemFromForm(body: FormBody) {
  return {
    name: text(body.name) ?? '', purpose: text(body.purpose) ?? '', owner: text(body.owner) ?? '', operator: text(body.operator),
    retentionDays: numberOrRaw(body.retentionDays) ?? undefined, siteIds: list(body.siteIds),
  };
}

export function registerSystemRoutes(app: FastifyInstance, deps: AppDeps) {
  apiRoute(app, deps, 'GET', '/systems', { summary: 'List surveillance camera systems', tag: 'Systems', query: listQuery, response: z.object({ items: z.array(systemOut), next: z.string().nullable() }) },
    async (req, ctx) => {
      const q = parseInput(listQuery, req.query);
      return systems.listSystems(ctx, { q: q.q, siteId: q.site, cursor: q.cursor, limit: q.limit });
    });
  orgPage(app, deps, 'GET', '/systems', 'estate:read', async (req, _reply, p) => {
    const q = text(req.query.q) ?? undefined;
    const [page, sites] = await Promise.all([systems.listSystems(p.ctx, { q, cursor: text(req.query.cursor) ?? undefined, limit: 100 }), allSites(p.ctx)]);
    const siteName = new Map(sites.map((s) => [s.id, s.name]));
    return p.render('systems/views/list.njk', {
      title: 'Systems', q, next: page.next, canWrite: can(p.ctx.role, 'estate:write'),
      systems: page.items.map((s) => ({ ...s, siteNames: s.siteIds.map((id) => siteName.get(id)).filter(Boolean) })),
    });
  });

  registerRecordRoutes<System>(app, deps, {
    path: 'systems', noun: 'system', tag: 'Systems', writePermission: 'estate:write',
    api: { out: systemOut, fields: systemFields, patch: systemPatch, writePermission: 'estate:write', deleteNote: ' (refused while assets belong to it)' },
    service: { get: systems.getSystem, create: systems.createSystem, update: systems.updateSystem, remove: systems.deleteSystem },
    name: (s) => s.name,
    fromForm: systemFromForm,
    newValues: () => ({ siteIds: [] }),
    form: async (p, system, values, body, errors, status) => {
      const sites = await allSites(p.ctx);
      return p.render('systems/views/form.njk', {
        title: system ? `Change ${system.name}` : 'Add a system', system, errors,
        // Retention is shown as typed, so a mistyped number can be corrected rather than lost.
        values: body ? { ...values, retentionDays: text(body.retentionDays) } : values,
        siteItems: sites.map((s) => ({ value: s.id, text: s.name, checked: (values.siteIds ?? []).includes(s.id) })),
      }, status);
    },
  });

  orgPage(app, deps, 'GET', '/systems/:id', 'estate:read', async (req, _reply, p) => {
    const system = await systems.getSystem(p.ctx, req.params.id);
    const [history, sites, assetCount] = await Promise.all([objectHistory(p.ctx, 'system', system.id), allSites(p.ctx), countAssetsInSystem(p.ctx.db, p.ctx.orgId, system.id)]);
    return p.render('systems/views/show.njk', {
      title: system.name, system, history, assetCount, sites: sites.filter((s) => system.siteIds.includes(s.id)),
      canWrite: can(p.ctx.role, 'estate:write'), canDelete: can(p.ctx.role, 'estate:delete'),
    });
  });
}
