import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { notFound } from '../../platform/errors';
import { KIND_LABELS as ASSET_KIND_LABELS, STATUS_LABELS as ASSET_STATUS_LABELS } from '../assets/schemas';
import { apiRoute, jsonBody, orgPage, submitForm, type AppDeps, type PageCtx } from '../../web/http';
import { dateFields, dateParts, list, text, yesNo, type FormBody } from '../../web/forms';
import { objectHistory } from '../audit/service';
import { allSystems } from '../systems/service';
import { LIKELIHOODS, RISK_LEVELS, SEVERITIES } from './review';
import {
  dpiaCreate, dpiaListQuery, dpiaSectionsPatch, featuresPatch, LIKELIHOOD_LABELS, OUTCOME_LABELS, OUTCOMES, REGIME_LABELS, REGIMES, RISK_LABELS, riskInput, riskPatch,
  SEVERITY_LABELS, signOffInput, STATE_LABELS, today, WHY_NEEDED, WHY_NEEDED_LABELS, type Dpia, type Risk,
} from './schemas';
import * as dpias from './service';
import { registerSignageRoutes } from './signage-routes';
import { registerDisclosureRoutes } from './disclosures-routes';

// ---- API shapes -------------------------------------------------------------------------------------------

const level = z.enum(RISK_LEVELS);
const riskOut = z.object({
  id: z.string(), position: z.number(), description: z.string(), likelihood: z.enum(LIKELIHOODS), severity: z.enum(SEVERITIES), overall: level,
  mitigation: z.string().nullable(), residualRisk: level.nullable(), approvedBy: z.string().nullable(),
});
const cameraOut = z.object({
  assetId: z.string(), kind: z.string(), name: z.string(), manufacturer: z.string().nullable(), model: z.string().nullable(), firmware: z.string().nullable(),
  siteId: z.string().nullable(), siteName: z.string().nullable(), status: z.string(),
});
const versionOut = z.object({
  id: z.string(), version: z.number(), status: z.enum(['draft', 'signed-off']),
  whyNeeded: z.array(z.enum(WHY_NEEDED)), whyNeededNotes: z.string().nullable(), regime: z.enum(REGIMES).nullable(), controller: z.string().nullable(),
  processingNature: z.string().nullable(), processingScope: z.string().nullable(), processingContext: z.string().nullable(), processingPurposes: z.string().nullable(),
  lawfulBasis: z.string().nullable(), consultation: z.string().nullable(), necessity: z.string().nullable(),
  dpoName: z.string().nullable(), dpoAdvice: z.string().nullable(), dpoAdviceAccepted: z.boolean().nullable(), dpoAdviceResponse: z.string().nullable(),
  approvedBy: z.string().nullable(), outcome: z.enum(OUTCOMES).nullable(), signedOffOn: z.string().nullable(), signedOffAt: z.string().nullable(), signedOffBy: z.string().nullable(),
  reviewDate: z.string().nullable(), createdAt: z.string(), createdBy: z.string(), updatedAt: z.string(),
  risks: z.array(riskOut), cameras: z.array(cameraOut).describe('Live from the register while a draft; frozen at sign-off'), camerasFrozen: z.boolean(),
  features: z.object({ anpr: z.boolean(), biometrics: z.boolean() }),
});
const dpiaOut = z.object({
  id: z.string(), systemId: z.string(), systemName: z.string(), state: z.enum(['draft', 'signed-off', 'review-due']),
  signedVersion: z.number().nullable(), reviewDate: z.string().nullable(),
  reviewReasons: z.array(z.object({ reason: z.string(), occurredOn: z.string(), detectedAt: z.string(), againstVersion: z.number() })),
  current: versionOut,
  versions: z.array(z.object({ version: z.number(), status: z.enum(['draft', 'signed-off']), signedOffOn: z.string().nullable(), approvedBy: z.string().nullable() })),
  createdAt: z.string(), updatedAt: z.string(),
});
const featuresOut = z.object({ systemId: z.string(), systemName: z.string(), anpr: z.boolean(), biometrics: z.boolean(), anprChangedAt: z.string().nullable(), biometricsChangedAt: z.string().nullable() });

const params = (req: FastifyRequest) => req.params as { id: string; riskId?: string; version?: string };
const versionNumber = (v: string | undefined) => {
  if (!v || !/^\d{1,6}$/.test(v)) throw notFound('DPIA version');
  return Number(v);
};

// ---- Forms ------------------------------------------------------------------------------------------------

function sectionsFromForm(body: FormBody) {
  return {
    whyNeeded: list(body.whyNeeded), whyNeededNotes: text(body.whyNeededNotes), regime: text(body.regime), controller: text(body.controller),
    processingNature: text(body.processingNature), processingScope: text(body.processingScope), processingContext: text(body.processingContext),
    processingPurposes: text(body.processingPurposes), lawfulBasis: text(body.lawfulBasis), consultation: text(body.consultation), necessity: text(body.necessity),
  };
}

function riskFromForm(body: FormBody) {
  return {
    description: text(body.description) ?? '', likelihood: text(body.likelihood) ?? undefined, severity: text(body.severity) ?? undefined,
    mitigation: text(body.mitigation), residualRisk: text(body.residualRisk), approvedBy: text(body.approvedBy),
  };
}

function signOffFromForm(body: FormBody) {
  return {
    dpoName: text(body.dpoName) ?? '', dpoAdvice: text(body.dpoAdvice) ?? '', dpoAdviceAccepted: yesNo(body.dpoAdviceAccepted),
    dpoAdviceResponse: text(body.dpoAdviceResponse), approvedBy: text(body.approvedBy) ?? '', outcome: text(body.outcome) ?? undefined,
    signedOffOn: dateParts(body, 'signedOffOn') ?? '', reviewDate: dateParts(body, 'reviewDate') ?? '',
  };
}

const labels = { why: WHY_NEEDED_LABELS, regime: REGIME_LABELS, outcome: OUTCOME_LABELS, likelihood: LIKELIHOOD_LABELS, severity: SEVERITY_LABELS, risk: RISK_LABELS, state: STATE_LABELS, assetKind: ASSET_KIND_LABELS, assetStatus: ASSET_STATUS_LABELS };
const RISK_TAGS: Record<string, string> = { low: 'govuk-tag--green', medium: 'govuk-tag--yellow', high: 'govuk-tag--red' };
const STATE_TAGS: Record<string, string> = { draft: 'govuk-tag--grey', 'signed-off': 'govuk-tag--green', 'review-due': 'govuk-tag--orange' };
const options = <T extends string>(values: readonly T[], names: Record<T, string>, picked: unknown) =>
  values.map((v) => ({ value: v, text: names[v], checked: Array.isArray(picked) ? picked.includes(v) : picked === v }));

export function registerDpiaRoutes(app: FastifyInstance, deps: AppDeps): void {
  registerDpiaApi(app, deps);
  registerDpiaPages(app, deps);
  registerSignageRoutes(app, deps);
  registerDisclosureRoutes(app, deps);
}

function registerDpiaApi(app: FastifyInstance, deps: AppDeps) {
  const tag = 'DPIAs';
  const write = 'estate:write' as const;
  apiRoute(app, deps, 'GET', '/dpias', { summary: 'List DPIAs, with whether each is due for review and why', tag, query: dpiaListQuery, response: z.object({ items: z.array(dpiaOut) }) },
    async (req, ctx) => ({ items: await dpias.listDpias(ctx, req.query) }));
  apiRoute(app, deps, 'POST', '/dpias', { summary: 'Start the DPIA of a system (version 1, a draft)', tag, status: 201, body: dpiaCreate, response: dpiaOut, permission: write },
    async (req, ctx) => dpias.createDpia(ctx, jsonBody(req)));
  apiRoute(app, deps, 'GET', '/dpias/:id', { summary: 'Get a DPIA: its newest version, camera list, risks and any reasons it is due for review', tag, response: dpiaOut },
    async (req, ctx) => dpias.getDpia(ctx, params(req).id));
  apiRoute(app, deps, 'PATCH', '/dpias/:id', { summary: 'Change DPIA sections (only those sent); after sign-off this starts a new draft version', tag, body: dpiaSectionsPatch, response: dpiaOut, permission: write },
    async (req, ctx) => dpias.updateSections(ctx, params(req).id, jsonBody(req)));
  apiRoute(app, deps, 'POST', '/dpias/:id/risks', { summary: 'Add a risk; its overall level is computed from likelihood and severity', tag, status: 201, body: riskInput, response: riskOut, permission: write },
    async (req, ctx) => dpias.addRisk(ctx, params(req).id, jsonBody(req)));
  apiRoute(app, deps, 'PATCH', '/dpias/:id/risks/:riskId', { summary: 'Change a risk (only the fields sent)', tag, body: riskPatch, response: riskOut, permission: write },
    async (req, ctx) => dpias.updateRisk(ctx, params(req).id, params(req).riskId!, jsonBody(req)));
  apiRoute(app, deps, 'DELETE', '/dpias/:id/risks/:riskId', { summary: 'Remove a risk', tag, permission: write },
    async (req, ctx) => { await dpias.deleteRisk(ctx, params(req).id, params(req).riskId!); });
  apiRoute(app, deps, 'POST', '/dpias/:id/sign-off', { summary: 'Record the DPO’s advice and sign off the draft, freezing it and its camera list', tag, body: signOffInput, response: dpiaOut, permission: write },
    async (req, ctx) => dpias.signOff(ctx, params(req).id, jsonBody(req)));
  apiRoute(app, deps, 'GET', '/dpias/:id/versions/:version', { summary: 'Get one version of a DPIA as it was signed off (or the draft)', tag, response: versionOut.extend({ systemName: z.string() }) },
    async (req, ctx) => dpias.getVersion(ctx, params(req).id, versionNumber(params(req).version)));
  apiRoute(app, deps, 'GET', '/systems/:id/features', { summary: 'Specialist technology on a system (ANPR, biometric recognition)', tag, response: featuresOut },
    async (req, ctx) => dpias.getFeatures(ctx, params(req).id));
  apiRoute(app, deps, 'PATCH', '/systems/:id/features', { summary: 'Switch ANPR or biometric recognition on or off; switching one on marks the DPIA due for review', tag, body: featuresPatch, response: featuresOut, permission: write },
    async (req, ctx) => dpias.setFeatures(ctx, params(req).id, jsonBody(req)));
}

function registerDpiaPages(app: FastifyInstance, deps: AppDeps) {
  const P = '/compliance/dpias';
  const showDpia = (p: PageCtx, d: Dpia) => `${p.base}${P}/${d.id}`;

  const listPage = async (p: PageCtx, errors: Record<string, string> = {}, status = 200) => {
    const [all, systems] = await Promise.all([dpias.listDpias(p.ctx), allSystems(p.ctx)]);
    const bySystem = new Map(all.map((d) => [d.systemId, d]));
    return p.render('dpia/views/list.njk', {
      title: 'Data protection impact assessments', errors, labels, stateTags: STATE_TAGS, canWrite: can(p.ctx.role, 'estate:write'),
      rows: systems.map((s) => ({ system: s, dpia: bySystem.get(s.id) ?? null })), dueCount: all.filter((d) => d.state === 'review-due').length,
    }, status);
  };

  orgPage(app, deps, 'GET', P, 'estate:read', async (_req, _reply, p) => listPage(p));
  orgPage(app, deps, 'POST', P, 'estate:write', async (req, _reply, p) => {
    const input = { systemId: text((req.body as FormBody).systemId) ?? '' };
    return submitForm(p, async () => {
      const d = await dpias.createDpia(p.ctx, input);
      return { to: `${showDpia(p, d)}/edit`, flash: `DPIA for ${d.systemName} started: version 1 is a draft` };
    }, (errors, status) => listPage(p, errors, status));
  });

  orgPage(app, deps, 'GET', `${P}/:id`, 'estate:read', async (req, _reply, p) => {
    const d = await dpias.getDpia(p.ctx, params(req).id);
    const history = await objectHistory(p.ctx, 'dpia', d.id);
    return p.render('dpia/views/show.njk', {
      title: `DPIA: ${d.systemName}`, d, v: d.current, history, labels, riskTags: RISK_TAGS, stateTags: STATE_TAGS, canWrite: can(p.ctx.role, 'estate:write'),
      gaps: d.current.status === 'draft' ? dpias.signOffGaps(d.current) : {},
    });
  });

  orgPage(app, deps, 'GET', `${P}/:id/versions/:version`, 'estate:read', async (req, _reply, p) => {
    const d = await dpias.getDpia(p.ctx, params(req).id);
    const v = await dpias.getVersion(p.ctx, d.id, versionNumber(params(req).version));
    return p.render('dpia/views/version.njk', { title: `DPIA: ${d.systemName}, version ${v.version}`, d, v, labels, riskTags: RISK_TAGS });
  });

  // All the written sections on one form; saving after sign-off starts the next version as a draft.
  const editForm = (p: PageCtx, d: Dpia, values: Record<string, any>, errors: Record<string, string>, status = 200) => p.render('dpia/views/edit.njk', {
    title: `Change the DPIA for ${d.systemName}`, d, values, errors,
    whyItems: options(WHY_NEEDED, WHY_NEEDED_LABELS, values.whyNeeded ?? []), regimeItems: options(REGIMES, REGIME_LABELS, values.regime),
  }, status);
  orgPage(app, deps, 'GET', `${P}/:id/edit`, 'estate:write', async (req, _reply, p) => {
    const d = await dpias.getDpia(p.ctx, params(req).id);
    return editForm(p, d, d.current, {});
  });
  orgPage(app, deps, 'POST', `${P}/:id`, 'estate:write', async (req, _reply, p) => {
    const d = await dpias.getDpia(p.ctx, params(req).id);
    const input = sectionsFromForm(req.body as FormBody);
    return submitForm(p, async () => {
      const saved = await dpias.updateSections(p.ctx, d.id, input);
      return { to: showDpia(p, d), flash: `DPIA saved as version ${saved.current.version} (${saved.current.status === 'draft' ? 'draft' : 'signed off'})` };
    }, (errors, status) => editForm(p, d, input, errors, status));
  });

  // Risks.
  const riskForm = (p: PageCtx, d: Dpia, risk: Risk | null, values: Record<string, any>, errors: Record<string, string>, status = 200) => p.render('dpia/views/risk-form.njk', {
    title: risk ? `Change risk ${risk.position}` : 'Add a risk', d, risk, values, errors,
    likelihoodItems: options(LIKELIHOODS, LIKELIHOOD_LABELS, values.likelihood), severityItems: options(SEVERITIES, SEVERITY_LABELS, values.severity),
    residualItems: options(RISK_LEVELS, RISK_LABELS, values.residualRisk),
  }, status);
  orgPage(app, deps, 'GET', `${P}/:id/risks/new`, 'estate:write', async (req, _reply, p) => riskForm(p, await dpias.getDpia(p.ctx, params(req).id), null, {}, {}));
  orgPage(app, deps, 'POST', `${P}/:id/risks`, 'estate:write', async (req, _reply, p) => {
    const d = await dpias.getDpia(p.ctx, params(req).id);
    const input = riskFromForm(req.body as FormBody);
    return submitForm(p, async () => {
      const r = await dpias.addRisk(p.ctx, d.id, input);
      return { to: `${showDpia(p, d)}#risks`, flash: `Risk ${r.position} added: overall risk ${r.overall}` };
    }, (errors, status) => riskForm(p, d, null, input, errors, status));
  });
  orgPage(app, deps, 'GET', `${P}/:id/risks/:riskId/edit`, 'estate:write', async (req, _reply, p) => {
    const { dpia, risk } = await dpias.getRisk(p.ctx, params(req).id, params(req).riskId!);
    return riskForm(p, dpia, risk, risk, {});
  });
  orgPage(app, deps, 'POST', `${P}/:id/risks/:riskId`, 'estate:write', async (req, _reply, p) => {
    const { dpia, risk } = await dpias.getRisk(p.ctx, params(req).id, params(req).riskId!);
    const input = riskFromForm(req.body as FormBody);
    return submitForm(p, async () => {
      const r = await dpias.updateRisk(p.ctx, dpia.id, risk.id, input);
      return { to: `${showDpia(p, dpia)}#risks`, flash: `Risk ${r.position} saved: overall risk ${r.overall}` };
    }, (errors, status) => riskForm(p, dpia, risk, input, errors, status));
  });
  orgPage(app, deps, 'GET', `${P}/:id/risks/:riskId/delete`, 'estate:write', async (req, _reply, p) => {
    const { dpia, risk } = await dpias.getRisk(p.ctx, params(req).id, params(req).riskId!);
    return p.render('confirm-delete.njk', { title: `Remove risk ${risk.position}`, thing: 'risk', name: risk.description.slice(0, 80),
      action: `${showDpia(p, dpia)}/risks/${risk.id}/delete`, back: `${showDpia(p, dpia)}#risks` });
  });
  orgPage(app, deps, 'POST', `${P}/:id/risks/:riskId/delete`, 'estate:write', async (req, _reply, p) => {
    const { dpia, risk } = await dpias.getRisk(p.ctx, params(req).id, params(req).riskId!);
    await dpias.deleteRisk(p.ctx, dpia.id, risk.id);
    return p.redirect(`${showDpia(p, dpia)}#risks`, `Risk ${risk.position} removed`);
  });

  // Sign-off.
  const signOffForm = (p: PageCtx, d: Dpia, values: Record<string, any>, body: FormBody | null, errors: Record<string, string>, status = 200) => p.render('dpia/views/sign-off.njk', {
    title: `Sign off the DPIA for ${d.systemName}`, d, v: d.current, values, errors, gaps: dpias.signOffGaps(d.current), labels,
    outcomeItems: options(OUTCOMES, OUTCOME_LABELS, values.outcome),
    signedOffOn: dateFields(body, 'signedOffOn', values.signedOffOn ?? null), reviewDate: dateFields(body, 'reviewDate', values.reviewDate ?? null),
  }, status);
  orgPage(app, deps, 'GET', `${P}/:id/sign-off`, 'estate:write', async (req, _reply, p) => {
    const d = await dpias.getDpia(p.ctx, params(req).id);
    if (d.current.status !== 'draft') return p.redirect(showDpia(p, d), `Version ${d.current.version} is already signed off; change the DPIA to start a new draft`);
    const previous = d.signedVersion ? await dpias.getVersion(p.ctx, d.id, d.signedVersion) : null;
    const t = today();
    return signOffForm(p, d, { dpoName: previous?.dpoName, signedOffOn: t, reviewDate: `${Number(t.slice(0, 4)) + 1}${t.slice(4)}`.replace(/-02-29$/, '-02-28') }, null, {});
  });
  orgPage(app, deps, 'POST', `${P}/:id/sign-off`, 'estate:write', async (req, _reply, p) => {
    const d = await dpias.getDpia(p.ctx, params(req).id);
    const body = req.body as FormBody;
    const input = signOffFromForm(body);
    return submitForm(p, async () => {
      const signed = await dpias.signOff(p.ctx, d.id, input);
      return { to: showDpia(p, d), flash: `Version ${signed.signedVersion} signed off with ${signed.current.cameras.length} device${signed.current.cameras.length === 1 ? '' : 's'} on its camera list` };
    }, (errors, status) => signOffForm(p, d, input, body, errors, status));
  });

  // From a system's page: its DPIA if it has one, else the list where one can be started.
  orgPage(app, deps, 'GET', `${P}/systems/:id`, 'estate:read', async (req, _reply, p) => {
    const f = await dpias.getFeatures(p.ctx, params(req).id);
    const dpia = (await dpias.listDpias(p.ctx, { system: f.systemId }))[0];
    return p.redirect(dpia ? `${p.base}${P}/${dpia.id}` : `${p.base}${P}`);
  });

  // Specialist technology on a system.
  const featuresForm = async (p: PageCtx, systemId: string, errors: Record<string, string> = {}, status = 200) => {
    const f = await dpias.getFeatures(p.ctx, systemId);
    const dpia = (await dpias.listDpias(p.ctx, { system: systemId }))[0] ?? null;
    return p.render('dpia/views/features.njk', { title: `Specialist technology on ${f.systemName}`, f, dpia, errors, canWrite: can(p.ctx.role, 'estate:write') }, status);
  };
  orgPage(app, deps, 'GET', `${P}/systems/:id/features`, 'estate:read', async (req, _reply, p) => featuresForm(p, params(req).id));
  orgPage(app, deps, 'POST', `${P}/systems/:id/features`, 'estate:write', async (req, _reply, p) => {
    const f = await dpias.getFeatures(p.ctx, params(req).id);
    const body = req.body as FormBody;
    return submitForm(p, async () => {
      await dpias.setFeatures(p.ctx, f.systemId, { anpr: yesNo(body.anpr), biometrics: yesNo(body.biometrics) });
      return { to: `${p.base}${P}/systems/${f.systemId}/features`, flash: 'Specialist technology saved' };
    }, (errors, status) => featuresForm(p, f.systemId, errors, status));
  });
}

