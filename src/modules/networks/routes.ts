import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { parseInput } from '../../platform/errors';
import { limitSchema } from '../../platform/paging';
import { UUID_RE } from '../../platform/ids';
import { apiRoute, orgPage, type AppDeps } from '../../web/http';
import { registerRecordRoutes } from '../../web/records';
import { list, text, type FormBody } from '../../web/forms';
import { objectHistory } from '../audit/service';
import { allSites } from '../sites/service';
import { countAssetsOnNetwork } from './repo';
import { CIDR_MESSAGE, type Network, NETWORK_KIND_LABELS, NETWORK_KINDS, networkFields, networkPatch } from './schemas';
import * as networks from './service';

const networkOut = z.object({
  id: z.string(), name: z.string(), kind: z.enum(NETWORK_KINDS), cidrs: z.array(z.string()), siteIds: z.array(z.string()),
  createdAt: z.string(), updatedAt: z.string(),
});
const listQuery = z.object({
  q: z.string().max(200).optional().describe('Text the network name contains'),
  kind: z.enum(NETWORK_KINDS).optional().describe('Kind of network'),
  site: z.string().regex(UUID_RE, 'Not a site id').optional().describe('Only networks at this site'),
  cursor: z.string().max(2000).optional().describe('The `next` value of the previous page'),
  limit: limitSchema.describe('Page size, 1–500 (default 50)'),
}).strict();

/** Ranges are typed one per line (commas also accepted); each becomes an entry the schema checks. */
function networkFromForm(body: FormBody) {
  return {
    name: text(body.name) ?? '', kind: text(body.kind) ?? undefined,
    cidrs: (text(body.cidrs) ?? '').split(/[\r\n,]+/).map((c) => c.trim()).filter(Boolean), siteIds: list(body.siteIds),
  };
}

/**
 * The API names a bad range by its position ("cidrs.2"); the form has one textarea, so its errors are
 * gathered into one message there, quoting the entries to fix.
 */
function formErrors(errors: Record<string, string>, cidrs: string[]) {
  const out: Record<string, string> = {};
  const bad: string[] = [];
  for (const [k, v] of Object.entries(errors)) {
    const m = /^cidrs\.(\d+)$/.exec(k);
    if (m) bad.push(`“${cidrs[Number(m[1])] ?? ''}”`);
    else out[k] = v;
  }
  if (bad.length) out.cidrs = [out.cidrs, `${CIDR_MESSAGE} – check ${bad.join(', ')}`].filter(Boolean).join('. ');
  return out;
}

export function registerNetworkRoutes(app: FastifyInstance, deps: AppDeps) {
  apiRoute(app, deps, 'GET', '/networks', { summary: 'List networks', tag: 'Networks', query: listQuery, response: z.object({ items: z.array(networkOut), next: z.string().nullable() }) },
    async (req, ctx) => {
      const q = parseInput(listQuery, req.query);
      return networks.listNetworks(ctx, { q: q.q, kind: q.kind, siteId: q.site, cursor: q.cursor, limit: q.limit });
    });
  orgPage(app, deps, 'GET', '/networks', 'estate:read', async (req, _reply, p) => {
    const q = text(req.query.q) ?? undefined;
    const [page, sites] = await Promise.all([networks.listNetworks(p.ctx, { q, cursor: text(req.query.cursor) ?? undefined, limit: 100 }), allSites(p.ctx)]);
    const siteName = new Map(sites.map((s) => [s.id, s.name]));
    return p.render('networks/views/list.njk', {
      title: 'Networks', q, next: page.next, canWrite: can(p.ctx.role, 'estate:write'), labels: NETWORK_KIND_LABELS,
      networks: page.items.map((n) => ({ ...n, siteNames: n.siteIds.map((id) => siteName.get(id)).filter(Boolean) })),
    });
  });

  registerRecordRoutes<Network>(app, deps, {
    path: 'networks', noun: 'network', tag: 'Networks', writePermission: 'estate:write',
    api: { out: networkOut, fields: networkFields, patch: networkPatch, writePermission: 'estate:write', deleteNote: ' (refused while assets are on it)' },
    service: { get: networks.getNetwork, create: networks.createNetwork, update: networks.updateNetwork, remove: networks.deleteNetwork },
    name: (n) => n.name,
    fromForm: networkFromForm,
    newValues: () => ({ siteIds: [] }),
    form: async (p, network, values, _body, errors, status) => {
      const sites = await allSites(p.ctx);
      return p.render('networks/views/form.njk', {
        title: network ? `Change ${network.name}` : 'Add a network', network, errors: formErrors(errors, values.cidrs ?? []),
        values: { ...values, cidrsText: (values.cidrs ?? []).join('\n') },
        kindItems: NETWORK_KINDS.map((k) => ({ value: k, text: NETWORK_KIND_LABELS[k], checked: values.kind === k })),
        siteItems: sites.map((s) => ({ value: s.id, text: s.name, checked: (values.siteIds ?? []).includes(s.id) })),
      }, status);
    },
  });

  orgPage(app, deps, 'GET', '/networks/:id', 'estate:read', async (req, _reply, p) => {
    const network = await networks.getNetwork(p.ctx, req.params.id);
    const [history, sites, assetCount] = await Promise.all([objectHistory(p.ctx, 'network', network.id), allSites(p.ctx), countAssetsOnNetwork(p.ctx.db, p.ctx.orgId, network.id)]);
    return p.render('networks/views/show.njk', {
      title: network.name, network, history, assetCount, kindLabel: NETWORK_KIND_LABELS[network.kind],
      sites: sites.filter((s) => network.siteIds.includes(s.id)),
      canWrite: can(p.ctx.role, 'estate:write'), canDelete: can(p.ctx.role, 'estate:delete'),
    });
  });
}
