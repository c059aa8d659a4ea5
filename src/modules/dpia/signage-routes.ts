import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { apiRoute, jsonBody, orgPage, submitForm, type AppDeps, type RouteRequest, type PageCtx } from '../../web/http';
import { dateFields, dateParts, list, text, type FormBody } from '../../web/forms';
import { allSites } from '../sites/service';
import { CONDITION_LABELS, SIGN_CONDITIONS, signInput, signListQuery, signPatch, type Sign } from './schemas';
import * as signage from './signage-service';

const signOut = z.object({
  id: z.string(), siteId: z.string(), siteName: z.string(), location: z.string(), showsOperator: z.boolean(), showsPurpose: z.boolean(), showsContact: z.boolean(),
  wording: z.string().nullable(), photoDocumentId: z.string().nullable(), lastChecked: z.string().nullable(), condition: z.enum(SIGN_CONDITIONS), notes: z.string().nullable(),
  adequate: z.boolean().describe('Names the operator, the purpose and a contact, and can be read'), checkDue: z.boolean().describe('Not checked in the last year'),
  createdAt: z.string(), updatedAt: z.string(),
});

const idOf = (req: RouteRequest<'/:id'>) => req.params.id;

function signFromForm(body: FormBody) {
  const shows = list(body.shows);
  return {
    siteId: text(body.siteId) ?? '', location: text(body.location) ?? '',
    showsOperator: shows.includes('operator'), showsPurpose: shows.includes('purpose'), showsContact: shows.includes('contact'),
    wording: text(body.wording), photoDocumentId: text(body.photoDocumentId), lastChecked: dateParts(body, 'lastChecked'),
    condition: text(body.condition) ?? undefined, notes: text(body.notes),
  };
}

export function registerSignageRoutes(app: FastifyInstance, deps: AppDeps) {
  const tag = 'Signage';
  const write = 'estate:write' as const;
  apiRoute(app, deps, 'GET', '/signs', { summary: 'List the signage register', tag, query: signListQuery, response: z.object({ items: z.array(signOut), next: z.string().nullable() }) },
    async (req, ctx) => signage.listSigns(ctx, req.query));
  apiRoute(app, deps, 'POST', '/signs', { summary: 'Record a sign at a site', tag, status: 201, body: signInput, response: signOut, permission: write },
    async (req, ctx) => signage.createSign(ctx, jsonBody(req)));
  apiRoute(app, deps, 'GET', '/signs/:id', { summary: 'Get a sign', tag, response: signOut }, async (req, ctx) => signage.getSign(ctx, idOf(req)));
  apiRoute(app, deps, 'PATCH', '/signs/:id', { summary: 'Change a sign (only the fields sent), e.g. after checking it', tag, body: signPatch, response: signOut, permission: write },
    async (req, ctx) => signage.updateSign(ctx, idOf(req), jsonBody(req)));
  apiRoute(app, deps, 'DELETE', '/signs/:id', { summary: 'Delete a sign', tag, permission: 'estate:delete' },
    async (req, ctx) => { await signage.deleteSign(ctx, idOf(req)); });

  const P = '/compliance/signage';
  orgPage(app, deps, 'GET', P, 'estate:read', async (req, _reply, p) => {
    const sites = await allSites(p.ctx);
    const wanted = text(req.query.site);
    const site = sites.find((s) => s.id === wanted) ?? null;
    const signs = await signage.allSigns(p.ctx, site?.id);
    return p.render('dpia/views/signage-list.njk', {
      title: site ? `Signage at ${site.name}` : 'Signage register', signs, site, conditionLabels: CONDITION_LABELS, canWrite: can(p.ctx.role, 'estate:write'),
      siteItems: [{ value: '', text: 'All sites' }, ...sites.map((s) => ({ value: s.id, text: s.name, selected: s.id === site?.id }))],
      inadequate: signs.filter((s) => !s.adequate).length, checkDue: signs.filter((s) => s.checkDue).length,
    });
  });

  const form = async (p: PageCtx, sign: Sign | null, values: Record<string, any>, body: FormBody | null, errors: Record<string, string>, status = 200) => {
    const sites = await allSites(p.ctx);
    return p.render('dpia/views/signage-form.njk', {
      title: sign ? `Change sign: ${sign.location}` : 'Add a sign', sign, values, errors,
      siteItems: [{ value: '', text: 'Choose a site' }, ...sites.map((s) => ({ value: s.id, text: s.name, selected: s.id === values.siteId }))],
      showsItems: [
        { value: 'operator', text: 'Who operates the cameras', checked: !!values.showsOperator },
        { value: 'purpose', text: 'Why the cameras are there (the purpose)', checked: !!values.showsPurpose },
        { value: 'contact', text: 'A contact point for questions and complaints', checked: !!values.showsContact },
      ],
      conditionItems: SIGN_CONDITIONS.map((c) => ({ value: c, text: CONDITION_LABELS[c], checked: values.condition === c })),
      lastChecked: dateFields(body, 'lastChecked', body ? null : values.lastChecked ?? null),
    }, status);
  };
  orgPage(app, deps, 'GET', `${P}/new`, 'estate:write', async (req, _reply, p) =>
    form(p, null, { siteId: text(req.query.site), condition: 'good' }, null, {}));
  orgPage(app, deps, 'POST', P, 'estate:write', async (req, _reply, p) => {
    const body = req.body as FormBody;
    const input = signFromForm(body);
    return submitForm(p, async () => {
      const s = await signage.createSign(p.ctx, input);
      return { to: `${p.base}${P}?site=${s.siteId}`, flash: `Sign “${s.location}” added at ${s.siteName}` };
    }, (errors, status) => form(p, null, input, body, errors, status));
  });
  orgPage(app, deps, 'GET', `${P}/:id/edit`, 'estate:write', async (req, _reply, p) => {
    const sign = await signage.getSign(p.ctx, idOf(req));
    return form(p, sign, sign, null, {});
  });
  orgPage(app, deps, 'POST', `${P}/:id`, 'estate:write', async (req, _reply, p) => {
    const sign = await signage.getSign(p.ctx, idOf(req));
    const body = req.body as FormBody;
    const input = signFromForm(body);
    return submitForm(p, async () => {
      const s = await signage.updateSign(p.ctx, sign.id, input);
      return { to: `${p.base}${P}?site=${s.siteId}`, flash: `Sign “${s.location}” saved` };
    }, (errors, status) => form(p, sign, input, body, errors, status));
  });
  orgPage(app, deps, 'GET', `${P}/:id/delete`, 'estate:delete', async (req, _reply, p) => {
    const sign = await signage.getSign(p.ctx, idOf(req));
    return p.render('confirm-delete.njk', { title: `Delete sign ${sign.location}`, thing: 'sign', name: `${sign.location} at ${sign.siteName}`,
      action: `${p.base}${P}/${sign.id}/delete`, back: `${p.base}${P}?site=${sign.siteId}` });
  });
  orgPage(app, deps, 'POST', `${P}/:id/delete`, 'estate:delete', async (req, _reply, p) => {
    const sign = await signage.getSign(p.ctx, idOf(req));
    await signage.deleteSign(p.ctx, sign.id);
    return p.redirect(`${p.base}${P}?site=${sign.siteId}`, `Sign “${sign.location}” deleted`);
  });
}
