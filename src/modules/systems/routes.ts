import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { parseInput } from '../../platform/errors';
import { limitSchema } from '../../platform/paging';
import { UUID_RE } from '../../platform/ids';
import { apiRoute, jsonBody, orgPage, submitForm, type AppDeps, type PageCtx } from '../../server/http';
import { list, numberOrRaw, text, type FormBody } from '../../server/forms';
import { objectHistory } from '../audit/service';
import type { Site } from '../sites/schemas';
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
  apiRoute(app, deps, 'POST', '/systems', { summary: 'Register a system', tag: 'Systems', status: 201, body: systemFields, response: systemOut, permission: 'manager or admin' },
    async (req, ctx) => systems.createSystem(ctx, jsonBody(req)));
  apiRoute(app, deps, 'GET', '/systems/:id', { summary: 'Get a system', tag: 'Systems', response: systemOut },
    async (req, ctx) => systems.getSystem(ctx, (req.params as any).id));
  apiRoute(app, deps, 'PATCH', '/systems/:id', { summary: 'Change a system', tag: 'Systems', body: systemPatch, response: systemOut, permission: 'manager or admin' },
    async (req, ctx) => systems.updateSystem(ctx, (req.params as any).id, jsonBody(req)));
  apiRoute(app, deps, 'DELETE', '/systems/:id', { summary: 'Delete a system (refused while assets belong to it)', tag: 'Systems', permission: 'manager or admin' },
    async (req, ctx) => { await systems.deleteSystem(ctx, (req.params as any).id); });

  orgPage(app, deps, 'GET', '/systems', 'estate:read', async (req, _reply, p) => {
    const q = text((req.query as any).q) ?? undefined;
    const [page, sites] = await Promise.all([systems.listSystems(p.ctx, { q, cursor: text((req.query as any).cursor) ?? undefined, limit: 100 }), allSites(p.ctx)]);
    const siteName = new Map(sites.map((s) => [s.id, s.name]));
    return p.render('systems/views/list.njk', {
      title: 'Systems', q, next: page.next, canWrite: can(p.ctx.role, 'estate:write'),
      systems: page.items.map((s) => ({ ...s, siteNames: s.siteIds.map((id) => siteName.get(id)).filter(Boolean) })),
    });
  });

  // Sites are loaded before the action runs, so the form can be redrawn (with what was typed) without another wait.
  const renderForm = (p: PageCtx, sites: Site[], system: System | null, values: any, errors: Record<string, string> = {}, status = 200) =>
    p.render('systems/views/form.njk', {
      title: system ? `Change ${system.name}` : 'Add a system', system, values, errors,
      siteItems: sites.map((s) => ({ value: s.id, text: s.name, checked: (values.siteIds ?? []).includes(s.id) })),
    }, status);

  orgPage(app, deps, 'GET', '/systems/new', 'estate:write', async (_req, _reply, p) => renderForm(p, await allSites(p.ctx), null, { siteIds: [] }));
  orgPage(app, deps, 'POST', '/systems', 'estate:write', async (req, _reply, p) => {
    const input = systemFromForm(req.body as FormBody);
    const sites = await allSites(p.ctx);
    return submitForm(p, async () => {
      const s = await systems.createSystem(p.ctx, input);
      return { to: `${p.base}/systems/${s.id}`, flash: `System “${s.name}” added` };
    }, (errors, status) => renderForm(p, sites, null, { ...input, retentionDays: text((req.body as FormBody).retentionDays) }, errors, status));
  });

  orgPage(app, deps, 'GET', '/systems/:id', 'estate:read', async (req, _reply, p) => {
    const system = await systems.getSystem(p.ctx, (req.params as any).id);
    const [history, sites, assetCount] = await Promise.all([objectHistory(p.ctx, 'system', system.id), allSites(p.ctx), countAssetsInSystem(p.ctx.db, p.ctx.orgId, system.id)]);
    return p.render('systems/views/show.njk', {
      title: system.name, system, history, assetCount, sites: sites.filter((s) => system.siteIds.includes(s.id)),
      canWrite: can(p.ctx.role, 'estate:write'), canDelete: can(p.ctx.role, 'estate:delete'),
    });
  });

  orgPage(app, deps, 'GET', '/systems/:id/edit', 'estate:write', async (req, _reply, p) => {
    const system = await systems.getSystem(p.ctx, (req.params as any).id);
    return renderForm(p, await allSites(p.ctx), system, system);
  });
  orgPage(app, deps, 'POST', '/systems/:id', 'estate:write', async (req, _reply, p) => {
    const system = await systems.getSystem(p.ctx, (req.params as any).id);
    const input = systemFromForm(req.body as FormBody);
    const sites = await allSites(p.ctx);
    return submitForm(p, async () => {
      const saved = await systems.updateSystem(p.ctx, system.id, input);
      return { to: `${p.base}/systems/${system.id}`, flash: `System “${saved.name}” saved` };
    }, (errors, status) => renderForm(p, sites, system, { ...input, retentionDays: text((req.body as FormBody).retentionDays) }, errors, status));
  });

  orgPage(app, deps, 'GET', '/systems/:id/delete', 'estate:delete', async (req, _reply, p) => {
    const system = await systems.getSystem(p.ctx, (req.params as any).id);
    return p.render('confirm-delete.njk', { title: `Delete ${system.name}`, thing: 'system', name: system.name, action: `${p.base}/systems/${system.id}/delete`, back: `${p.base}/systems/${system.id}` });
  });
  orgPage(app, deps, 'POST', '/systems/:id/delete', 'estate:delete', async (req, _reply, p) => {
    const system = await systems.getSystem(p.ctx, (req.params as any).id);
    await systems.deleteSystem(p.ctx, system.id);
    return p.redirect(`${p.base}/systems`, `System “${system.name}” deleted`);
  });
}
