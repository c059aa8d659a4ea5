import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { apiRoute, jsonBody, orgPage, submitForm, type AppDeps, type RouteRequest, type PageCtx } from '../../web/http';
import { dateFields, dateParts, text, type FormBody } from '../../web/forms';
import { allSystems } from '../systems/service';
import {
  disclosureFields, disclosureListQuery, disclosurePatch, REQUEST_OUTCOME_LABELS, REQUEST_OUTCOMES, REQUEST_TYPE_LABELS, REQUEST_TYPES, type Disclosure,
} from './schemas';
import * as log from './disclosures-service';

const disclosureOut = z.object({
  id: z.string(), systemId: z.string().nullable(), systemName: z.string().nullable(), requestType: z.enum(REQUEST_TYPES), requester: z.string(),
  reference: z.string().nullable(), receivedOn: z.string(),
  deadline: z.string().nullable().describe('Statutory deadline: one calendar month for subject access, 20 working days for FOI, none for third-party disclosures'),
  outcome: z.enum(REQUEST_OUTCOMES), closedOn: z.string().nullable(), notes: z.string().nullable(),
  overdue: z.boolean().describe('Open and past its deadline'), closedLate: z.boolean(), createdAt: z.string(), updatedAt: z.string(),
});

const idOf = (req: RouteRequest<'/:id'>) => req.params.id;

function fromForm(body: FormBody) {
  return {
    systemId: text(body.systemId) ?? '', requestType: text(body.requestType) ?? undefined, requester: text(body.requester) ?? '', reference: text(body.reference),
    receivedOn: dateParts(body, 'receivedOn') ?? '', outcome: text(body.outcome) ?? undefined, closedOn: dateParts(body, 'closedOn'), notes: text(body.notes),
  };
}

export function registerDisclosureRoutes(app: FastifyInstance, deps: AppDeps) {
  const tag = 'Disclosure log';
  const write = 'estate:write' as const;
  apiRoute(app, deps, 'GET', '/disclosures', { summary: 'List the subject access and disclosure log, newest first', tag, query: disclosureListQuery, response: z.object({ items: z.array(disclosureOut), next: z.string().nullable() }) },
    async (req, ctx) => log.listDisclosures(ctx, req.query));
  apiRoute(app, deps, 'POST', '/disclosures', { summary: 'Log a request for images; the statutory deadline is computed', tag, status: 201, body: disclosureFields, response: disclosureOut, permission: write },
    async (req, ctx) => log.createDisclosure(ctx, jsonBody(req)));
  apiRoute(app, deps, 'GET', '/disclosures/:id', { summary: 'Get a logged request', tag, response: disclosureOut }, async (req, ctx) => log.getDisclosure(ctx, idOf(req)));
  apiRoute(app, deps, 'PATCH', '/disclosures/:id', { summary: 'Change a logged request (only the fields sent), e.g. record its outcome', tag, body: disclosurePatch, response: disclosureOut, permission: write },
    async (req, ctx) => log.updateDisclosure(ctx, idOf(req), jsonBody(req)));
  apiRoute(app, deps, 'DELETE', '/disclosures/:id', { summary: 'Delete a logged request', tag, permission: 'estate:delete' },
    async (req, ctx) => { await log.deleteDisclosure(ctx, idOf(req)); });

  const P = '/compliance/disclosures';
  orgPage(app, deps, 'GET', P, 'estate:read', async (req, _reply, p) => {
    const q = req.query as Record<string, unknown>;
    const systems = await allSystems(p.ctx);
    const system = systems.find((s) => s.id === text(q.system)) ?? null;
    const status = (['open', 'overdue', 'closed'] as const).find((s) => s === text(q.status));
    const page = await log.listDisclosures(p.ctx, { system: system?.id, status, cursor: text(q.cursor) ?? undefined, limit: 200 });
    const keep = new URLSearchParams({ ...(system ? { system: system.id } : {}), ...(status ? { status } : {}) });
    return p.render('dpia/views/disclosures-list.njk', {
      title: 'Subject access and disclosure log', page, typeLabels: REQUEST_TYPE_LABELS, outcomeLabels: REQUEST_OUTCOME_LABELS, canWrite: can(p.ctx.role, 'estate:write'),
      systemItems: [{ value: '', text: 'All systems' }, ...systems.map((s) => ({ value: s.id, text: s.name, selected: s.id === system?.id }))],
      statusItems: [{ value: '', text: 'Any status' }, { value: 'open', text: 'Open', selected: status === 'open' }, { value: 'overdue', text: 'Overdue', selected: status === 'overdue' }, { value: 'closed', text: 'Closed', selected: status === 'closed' }],
      nextHref: page.next ? `${p.base}${P}?${new URLSearchParams({ ...Object.fromEntries(keep), cursor: page.next })}` : null,
    });
  });

  const form = async (p: PageCtx, item: Disclosure | null, values: Record<string, any>, body: FormBody | null, errors: Record<string, string>, status = 200) => {
    const systems = await allSystems(p.ctx);
    return p.render('dpia/views/disclosure-form.njk', {
      title: item ? 'Change a logged request' : 'Log a request for images', item, values, errors,
      systemItems: [{ value: '', text: 'Choose a system' }, ...systems.map((s) => ({ value: s.id, text: s.name, selected: s.id === values.systemId }))],
      typeItems: REQUEST_TYPES.map((t) => ({ value: t, text: REQUEST_TYPE_LABELS[t], checked: values.requestType === t })),
      outcomeItems: REQUEST_OUTCOMES.map((o) => ({ value: o, text: REQUEST_OUTCOME_LABELS[o], selected: values.outcome === o })),
      receivedOn: dateFields(body, 'receivedOn', body ? null : values.receivedOn ?? null), closedOn: dateFields(body, 'closedOn', body ? null : values.closedOn ?? null),
    }, status);
  };
  orgPage(app, deps, 'GET', `${P}/new`, 'estate:write', async (req, _reply, p) =>
    form(p, null, { systemId: text(req.query.system), outcome: 'open' }, null, {}));
  orgPage(app, deps, 'POST', P, 'estate:write', async (req, _reply, p) => {
    const body = req.body as FormBody;
    const input = fromForm(body);
    return submitForm(p, async () => {
      const d = await log.createDisclosure(p.ctx, input);
      return { to: `${p.base}${P}`, flash: `Request logged${d.deadline ? `: respond by ${d.deadline}` : ''}` };
    }, (errors, status) => form(p, null, input, body, errors, status));
  });
  orgPage(app, deps, 'GET', `${P}/:id/edit`, 'estate:write', async (req, _reply, p) => {
    const item = await log.getDisclosure(p.ctx, idOf(req));
    return form(p, item, item, null, {});
  });
  orgPage(app, deps, 'POST', `${P}/:id`, 'estate:write', async (req, _reply, p) => {
    const item = await log.getDisclosure(p.ctx, idOf(req));
    const body = req.body as FormBody;
    const input = fromForm(body);
    return submitForm(p, async () => {
      await log.updateDisclosure(p.ctx, item.id, input);
      return { to: `${p.base}${P}`, flash: 'Request saved' };
    }, (errors, status) => form(p, item, input, body, errors, status));
  });
  orgPage(app, deps, 'GET', `${P}/:id/delete`, 'estate:delete', async (req, _reply, p) => {
    const item = await log.getDisclosure(p.ctx, idOf(req));
    return p.render('confirm-delete.njk', { title: 'Delete a logged request', thing: 'request', name: `${REQUEST_TYPE_LABELS[item.requestType]} received ${item.receivedOn}`,
      action: `${p.base}${P}/${item.id}/delete`, back: `${p.base}${P}` });
  });
  orgPage(app, deps, 'POST', `${P}/:id/delete`, 'estate:delete', async (req, _reply, p) => {
    const item = await log.getDisclosure(p.ctx, idOf(req));
    await log.deleteDisclosure(p.ctx, item.id);
    return p.redirect(`${p.base}${P}`, 'Request deleted from the log');
  });
}
