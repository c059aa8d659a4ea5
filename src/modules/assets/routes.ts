import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { can, type OrgContext } from '../../platform/context';
import { apiRoute, orgPage, type AppDeps } from '../../web/http';
import { registerRecordRoutes } from '../../web/records';
import { dateFields, dateParts, text, type FormBody } from '../../web/forms';
import { objectHistory } from '../audit/service';
import { allSites } from '../sites/service';
import { allNetworks } from '../networks/service';
import { allSystems } from '../systems/service';
import { manufacturerLabels } from './repo';
import { provenanceOf, type StoredVerdict } from '../provenance/service';
import { networkEvidenceShape } from '../discovery/schemas';
import { notFound } from '../../platform/errors';
import { findingsForAsset } from '../findings/service';
import { SEVERITY_TAGS } from '../findings/routes';
import {
  ASSET_KINDS, ASSET_SORTS, ASSET_STATUSES, assetFields, assetListQuery, assetPatch, KIND_LABELS, STATUS_LABELS,
  type Asset, type AssetListQuery,
} from './schemas';
import * as assets from './service';
import { sendExport } from '../exports/routes';

const assetOut = z.object({
  id: z.string(), kind: z.enum(ASSET_KINDS), manufacturer: z.string().nullable(), model: z.string().nullable(), serial: z.string().nullable(),
  firmware: z.string().nullable(), mac: z.string().nullable(), ip: z.string().nullable(), networkId: z.string().nullable(), siteId: z.string().nullable(),
  systemId: z.string().nullable(), installDate: z.string().nullable(), warrantyEnd: z.string().nullable(), status: z.enum(ASSET_STATUSES),
  location: z.string().nullable(), notes: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
  missingSince: z.string().nullable().describe('Date of the discovery scan after which the asset was marked missing; null once a scan sees it again'),
});
const listItemOut = assetOut.extend({ siteName: z.string().nullable(), networkName: z.string().nullable(), systemName: z.string().nullable() });

const provenanceOut = z.object({
  assetId: z.string(),
  origin: z.string().nullable().describe('Catalogue slug of the real producer; null when the evidence does not settle it'),
  originName: z.string().nullable(),
  nilSubject: z.boolean().nullable().describe('Producer subject to the PRC National Intelligence Law; null when not known'),
  confidence: z.number().describe('0..1, in the origin'),
  platform: z.object({ id: z.string(), name: z.string(), note: z.string(), nilSubject: z.boolean().nullable() }).nullable()
    .describe('A board or firmware many makers use, when the evidence shows one: what is known when the producer is not'),
  evidence: z.array(z.object({
    kind: z.string(), kindName: z.string().describe('The kind of evidence, in words'), value: z.string(),
    company: z.string().nullable(), companyName: z.string().nullable(), platform: z.string().nullable(), platformName: z.string().nullable(),
    indicates: z.string().describe('What it indicates, for people'), weight: z.number(),
    ruleId: z.string().nullable().describe('The catalogue rule, brand or registrant that read it'),
    source: z.string().nullable(), sourceTitle: z.string().nullable(), sourceUrl: z.string().nullable(),
  })),
  conflicts: z.array(z.object({ companies: z.array(z.string()), kinds: z.array(z.string()), message: z.string() })),
  catalogueVersion: z.string(), evaluatedAt: z.string(), stale: z.boolean().describe('Made with an older catalogue than the one now loaded'),
  observed: z.object({
    seenAt: z.string().describe('When the scan that saw it finished'), address: z.string(), runId: z.string().nullable(),
    evidence: z.object(networkEvidenceShape),
  }).nullable().describe('What the network last said about the asset (read beside the register’s fields); null if no scan has seen it'),
});

/** The stored verdict as the API gives it: every optional part present, null when absent. */
function provenanceJson(assetId: string, v: StoredVerdict) {
  return {
    assetId, origin: v.origin, originName: v.originName, nilSubject: v.nilSubject, confidence: v.confidence, platform: v.platform,
    evidence: v.evidence.map((e) => ({
      kind: e.kind, kindName: e.kindName, value: e.value, company: e.company, companyName: e.companyName, platform: e.platform ?? null,
      platformName: e.platformName, indicates: e.indicates, weight: e.weight, ruleId: e.ruleId ?? null, source: e.source ?? null,
      sourceTitle: e.sourceTitle, sourceUrl: e.sourceUrl,
    })),
    conflicts: v.conflicts, catalogueVersion: v.catalogueVersion, evaluatedAt: v.evaluatedAt, stale: v.stale,
    observed: v.observed ? { seenAt: v.observed.seenAt, address: v.observed.address, runId: v.observed.runId, evidence: v.observed.evidence } : null,
  };
}

function assetFromForm(body: FormBody) {
  return {
    kind: text(body.kind) ?? undefined, manufacturer: text(body.manufacturer), model: text(body.model), serial: text(body.serial),
    firmware: text(body.firmware), mac: text(body.mac), ip: text(body.ip), networkId: text(body.networkId), siteId: text(body.siteId),
    systemId: text(body.systemId), installDate: dateParts(body, 'installDate'), warrantyEnd: dateParts(body, 'warrantyEnd'),
    status: text(body.status) ?? undefined, location: text(body.location), notes: text(body.notes),
  };
}

/** Keeps only the filter parameters a person set, for links that preserve them (paging, export, sort). */
function filterParams(f: AssetListQuery, extra: Record<string, string | undefined> = {}) {
  const p = new URLSearchParams();
  for (const k of ['site', 'network', 'system', 'kind', 'status', 'manufacturer', 'q', 'sort', 'order'] as const) {
    const v = f[k];
    if (v !== undefined && v !== '' && !(k === 'sort' && v === 'manufacturer') && !(k === 'order' && v === 'asc')) p.set(k, String(v));
  }
  for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v);
  return p.toString();
}

async function pickLists(ctx: OrgContext) {
  const [sites, networks, systems] = await Promise.all([allSites(ctx), allNetworks(ctx), allSystems(ctx)]);
  return { sites, networks, systems };
}

const options = (list: { id: string; name: string }[], selected: string | null | undefined, none: string) =>
  [{ value: '', text: none }, ...list.map((x) => ({ value: x.id, text: x.name, selected: x.id === selected }))];
const enumOptions = (labels: Record<string, string>, selected: string | null | undefined, none?: string) =>
  [...(none ? [{ value: '', text: none, selected: false }] : []), ...Object.entries(labels).map(([value, t]) => ({ value, text: t, selected: value === selected }))];

export function registerAssetRoutes(app: FastifyInstance, deps: AppDeps) {
  // ---- API
  apiRoute(app, deps, 'GET', '/assets', { summary: 'List assets: filter, sort and page by cursor', tag: 'Assets', query: assetListQuery, response: z.object({ items: z.array(listItemOut), next: z.string().nullable(), prev: z.string().nullable() }) },
    async (req, ctx) => assets.listAssets(ctx, assets.parseListQuery(req.query)));
  // The register's CSV (also /exports/assets.csv, with XLSX and JSON beside it): one writer in the exports module.
  apiRoute(app, deps, 'GET', '/assets.csv', { summary: 'Export the filtered asset list as CSV (same filters as the list)', tag: 'Assets', query: assetListQuery.omit({ cursor: true, limit: true }) },
    async (req, ctx, reply) => sendExport(reply, ctx, 'assets', 'csv', req.query));
  apiRoute(app, deps, 'GET', '/assets/:id/provenance', { summary: 'Who made an asset: the verdict, each piece of evidence with the rule that read it, and what the network last said', tag: 'Assets', response: provenanceOut },
    async (req, ctx) => {
      const asset = await assets.getAsset(ctx, req.params.id);
      const v = await provenanceOf(ctx, asset.id);
      if (!v) throw notFound('Provenance of this asset');
      return provenanceJson(asset.id, v);
    });
  // ---- Pages
  const readFilters = (query: unknown) => {
    const raw = Object.fromEntries(Object.entries((query ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'string' && v !== ''));
    const r = assetListQuery.safeParse({ ...raw, limit: 50 });
    // A hand-edited URL with a bad filter shows the unfiltered list rather than an error page.
    return r.success ? r.data : assetListQuery.parse({ limit: 50 });
  };

  orgPage(app, deps, 'GET', '/assets', 'estate:read', async (req, _reply, p) => {
    const f = readFilters(req.query);
    const [page, count, lists, makes] = await Promise.all([assets.listAssets(p.ctx, f), assets.countAssets(p.ctx, f), pickLists(p.ctx), manufacturerLabels(p.ctx.db, p.ctx.orgId)]);
    const sortLinks = Object.fromEntries(ASSET_SORTS.map((s) => {
      const order = f.sort === s && f.order === 'asc' ? 'desc' : 'asc';
      return [s, { href: `${p.base}/assets?${filterParams({ ...f, sort: s, order })}`, ariaSort: f.sort === s ? (f.order === 'asc' ? 'ascending' : 'descending') : 'none' }];
    }));
    return p.render('assets/views/list.njk', {
      title: 'Assets', page, count, f, makes, canWrite: can(p.ctx.role, 'assets:write'),
      siteItems: options(lists.sites, f.site, 'All sites'), networkItems: options(lists.networks, f.network, 'All networks'),
      systemItems: options(lists.systems, f.system, 'All systems'),
      kindItems: enumOptions(KIND_LABELS, f.kind, 'All kinds'), statusItems: enumOptions(STATUS_LABELS, f.status, 'Any status'),
      sortItems: [['manufacturer', 'Manufacturer'], ['model', 'Model'], ['status', 'Status'], ['kind', 'Kind'], ['updated', 'Last changed'], ['created', 'Date added']].map(([value, t]) => ({ value, text: t, selected: value === f.sort })),
      orderItems: [{ value: 'asc', text: 'Ascending', selected: f.order === 'asc' }, { value: 'desc', text: 'Descending', selected: f.order === 'desc' }],
      sortLinks, kindLabels: KIND_LABELS, statusLabels: STATUS_LABELS,
      nextHref: page.next ? `${p.base}/assets?${filterParams(f, { cursor: page.next })}` : null,
      prevHref: page.prev ? `${p.base}/assets?${filterParams(f, { cursor: page.prev })}` : null,
      firstHref: f.cursor ? `${p.base}/assets?${filterParams(f)}` : null,
      exportHrefs: Object.fromEntries(['csv', 'xlsx', 'json'].map((x) => [x, `${p.base}/exports/assets.${x}?${filterParams(f)}`])),
      filtered: !!(f.site || f.network || f.system || f.kind || f.status || f.manufacturer || f.q),
    });
  });

  orgPage(app, deps, 'GET', '/assets.csv', 'estate:read', async (req, reply, p) => {
    const { cursor: _cursor, limit: _limit, ...f } = readFilters(req.query);
    return sendExport(reply, p.ctx, 'assets', 'csv', f);
  });

  registerRecordRoutes<Asset>(app, deps, {
    path: 'assets', noun: 'asset', tag: 'Assets', writePermission: 'assets:write',
    api: { out: assetOut, fields: assetFields, patch: assetPatch, writePermission: 'assets:write', deleteNote: '' },
    service: { get: assets.getAsset, create: assets.createAsset, update: assets.updateAsset, remove: assets.deleteAsset },
    name: assets.describe,
    fromForm: assetFromForm,
    // Kind is not pre-set: an untouched form is refused rather than saving a blank camera.
    newValues: (req) => ({ status: 'in-service', siteId: text(req.query.site) }),
    form: async (p, asset, values, body, errors, status) => {
      const lists = await pickLists(p.ctx);
      return p.render('assets/views/form.njk', {
        title: asset ? 'Change asset' : 'Add an asset', asset, values, errors,
        kindItems: enumOptions(KIND_LABELS, values.kind, asset ? undefined : 'Choose the kind of asset'), statusItems: enumOptions(STATUS_LABELS, values.status ?? 'in-service').map((i) => ({ ...i, checked: i.selected })),
        siteItems: options(lists.sites, values.siteId, 'Not recorded'), networkItems: options(lists.networks, values.networkId, 'Not recorded'),
        systemItems: options(lists.systems, values.systemId, 'Not recorded'),
        installDate: dateFields(body, 'installDate', values.installDate), warrantyEnd: dateFields(body, 'warrantyEnd', values.warrantyEnd),
      }, status);
    },
  });

  orgPage(app, deps, 'GET', '/assets/:id', 'estate:read', async (req, _reply, p) => {
    const asset = await assets.getAsset(p.ctx, req.params.id);
    const [history, lists, provenance, findings] = await Promise.all([
      objectHistory(p.ctx, 'asset', asset.id), pickLists(p.ctx), provenanceOf(p.ctx, asset.id), findingsForAsset(p.ctx, asset.id)]);
    const nameOf = (list: { id: string; name: string }[], id: string | null) => list.find((x) => x.id === id) ?? null;
    return p.render('assets/views/show.njk', {
      title: assets.describe(asset), asset, history, kindLabel: KIND_LABELS[asset.kind], statusLabel: STATUS_LABELS[asset.status],
      provenance, findings: findings.filter((f) => f.status !== 'resolved'), resolvedFindings: findings.filter((f) => f.status === 'resolved'), tags: SEVERITY_TAGS,
      site: nameOf(lists.sites, asset.siteId), network: nameOf(lists.networks, asset.networkId), system: nameOf(lists.systems, asset.systemId),
      canWrite: can(p.ctx.role, 'assets:write'), canDelete: can(p.ctx.role, 'estate:delete'),
    });
  });
}
