import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { RULES, SEVERITY_ORDER } from '../../domain/policy';
import { KIND_LABELS } from '../assets/schemas';
import { apiRoute, jsonBody, orgPage, submitForm, type AppDeps } from '../../web/http';
import { dateFields, dateParts, text, type FormBody } from '../../web/forms';
import { objectHistory } from '../audit/service';
import { getAsset } from '../assets/service';
import { allSites } from '../sites/service';
import { acceptInput, FINDING_STATUSES, findingListQuery, STATUS_LABELS } from './schemas';
import * as findings from './service';

const citationOut = z.object({ source: z.string(), reference: z.string(), summary: z.string() });
const findingOut = z.object({
  id: z.string(), assetId: z.string(), rule: z.string(), ruleVersion: z.number(), severity: z.enum(SEVERITY_ORDER as [string, ...string[]]),
  status: z.enum(FINDING_STATUSES), title: z.string(), action: z.string(), detail: z.string(), citation: citationOut, catalogueVersion: z.string(),
  firstSeenAt: z.string(), lastSeenAt: z.string(), resolvedAt: z.string().nullable(), resolution: z.string().nullable(),
  acceptedReason: z.string().nullable(), acceptedBy: z.string().nullable(), acceptedAt: z.string().nullable(), reviewDate: z.string().nullable(),
});
const listItemOut = findingOut.extend({
  asset: z.object({ id: z.string(), kind: z.string(), manufacturer: z.string().nullable(), model: z.string().nullable(), serial: z.string().nullable() }),
  site: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
});

export const SEVERITY_TAGS: Record<string, string> = { critical: 'govuk-tag--red', high: 'govuk-tag--orange', medium: 'govuk-tag--yellow', low: 'govuk-tag--blue', info: 'govuk-tag--grey' };

export function registerFindingRoutes(app: FastifyInstance, deps: AppDeps) {
  apiRoute(app, deps, 'GET', '/findings', { summary: 'List findings: newest first, or most severe first with sort=severity', tag: 'Findings', query: findingListQuery, response: z.object({ items: z.array(listItemOut), next: z.string().nullable() }) },
    async (req, ctx) => findings.listFindings(ctx, req.query));
  apiRoute(app, deps, 'GET', '/findings/:id', { summary: 'Get a finding', tag: 'Findings', response: findingOut },
    async (req, ctx) => findings.getFinding(ctx, req.params.id));
  apiRoute(app, deps, 'POST', '/findings/:id/accept', { summary: 'Accept the risk, with a reason and a review date', tag: 'Findings', body: acceptInput, response: findingOut, permission: 'estate:write' },
    async (req, ctx) => findings.acceptFinding(ctx, req.params.id, jsonBody(req)));
  apiRoute(app, deps, 'POST', '/findings/:id/reopen', { summary: 'Withdraw an accepted risk', tag: 'Findings', response: findingOut, permission: 'estate:write' },
    async (req, ctx) => findings.reopenFinding(ctx, req.params.id));

  orgPage(app, deps, 'GET', '/findings', 'estate:read', async (req, _reply, p) => {
    const raw = Object.fromEntries(Object.entries((req.query ?? {}) as Record<string, unknown>).filter(([k, v]) => typeof v === 'string' && v !== '' && k !== 'limit'));
    // Open findings, most severe first, unless the person chose otherwise; "any" status drops the filter.
    const chosen = { status: 'open', sort: 'severity', ...raw } as Record<string, string>;
    const query = Object.fromEntries(Object.entries(chosen).filter(([k, v]) => !(k === 'status' && v === 'any')));
    let page;
    try { page = await findings.listFindings(p.ctx, { ...query, limit: 100 }); } catch (e) {
      if (e instanceof AppError && e.status === 422) page = await findings.listFindings(p.ctx, { status: 'open', sort: 'severity', limit: 100 }); else throw e;
    }
    const sites = await allSites(p.ctx);
    const q = chosen;
    const keep = (extra: Record<string, string>) => new URLSearchParams({ ...q, ...extra }).toString();
    // One row per device (in the list's order), its findings inside: a device is not repeated two or three times.
    const devices = new Map<string, { asset: (typeof page.items)[number]['asset']; site: (typeof page.items)[number]['site']; findings: typeof page.items }>();
    for (const f of page.items) {
      const d = devices.get(f.asset.id) ?? { asset: f.asset, site: f.site, findings: [] };
      d.findings.push(f);
      devices.set(f.asset.id, d);
    }
    return p.render('findings/views/list.njk', {
      title: 'Findings', page, devices: [...devices.values()], q, exportQuery: Object.fromEntries(Object.entries(query).filter(([k]) => k !== 'cursor')), tags: SEVERITY_TAGS, statusLabels: STATUS_LABELS, kindLabels: KIND_LABELS,
      statusItems: [{ value: 'any', text: 'Any status', selected: q.status === 'any' }, ...FINDING_STATUSES.map((s) => ({ value: s, text: STATUS_LABELS[s], selected: q.status === s }))],
      severityItems: [{ value: '', text: 'Any severity' }, ...SEVERITY_ORDER.map((s) => ({ value: s, text: s[0].toUpperCase() + s.slice(1), selected: q.severity === s }))],
      ruleItems: [{ value: '', text: 'Any rule' }, ...RULES.map((r) => ({ value: r.id, text: r.title, selected: q.rule === r.id }))],
      sortItems: [{ value: 'severity', text: 'Most severe first', selected: q.sort !== 'newest' }, { value: 'newest', text: 'Newest first', selected: q.sort === 'newest' }],
      siteItems: [{ value: '', text: 'All sites' }, ...sites.map((s) => ({ value: s.id, text: s.name, selected: q.site === s.id }))],
      nextHref: page.next ? `${p.base}/findings?${keep({ cursor: page.next })}` : null,
    });
  });

  orgPage(app, deps, 'GET', '/findings/:id', 'estate:read', async (req, _reply, p) => {
    const finding = await findings.getFinding(p.ctx, req.params.id);
    const [asset, history] = await Promise.all([getAsset(p.ctx, finding.assetId), objectHistory(p.ctx, 'finding', finding.id)]);
    return p.render('findings/views/show.njk', {
      title: finding.title, finding, asset, history, tags: SEVERITY_TAGS, statusLabels: STATUS_LABELS,
      canDecide: can(p.ctx.role, 'estate:write'), values: {}, errors: {}, reviewDate: dateFields(null, 'reviewDate', null),
      today: new Date().toISOString().slice(0, 10),
    });
  });

  orgPage(app, deps, 'POST', '/findings/:id/accept', 'estate:write', async (req, _reply, p) => {
    const finding = await findings.getFinding(p.ctx, req.params.id);
    const body = req.body as FormBody;
    const input = { reason: text(body.reason) ?? '', reviewDate: dateParts(body, 'reviewDate') ?? '' };
    return submitForm(p, async () => {
      await findings.acceptFinding(p.ctx, finding.id, input);
      return { to: `${p.base}/findings/${finding.id}`, flash: 'Risk accepted and recorded' };
    }, async (errors, status) => {
      const [asset, history] = await Promise.all([getAsset(p.ctx, finding.assetId), objectHistory(p.ctx, 'finding', finding.id)]);
      return p.render('findings/views/show.njk', {
        title: finding.title, finding, asset, history, tags: SEVERITY_TAGS, statusLabels: STATUS_LABELS, canDecide: true,
        values: input, errors, reviewDate: dateFields(body, 'reviewDate', null), today: new Date().toISOString().slice(0, 10),
      }, status);
    });
  });

  orgPage(app, deps, 'POST', '/findings/:id/reopen', 'estate:write', async (req, _reply, p) => {
    const finding = await findings.reopenFinding(p.ctx, req.params.id);
    return p.redirect(`${p.base}/findings/${finding.id}`, 'Accepted risk withdrawn: the finding is open again');
  });
}
