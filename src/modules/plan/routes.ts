import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { sendExport } from '../exports/routes';
import { apiRoute, jsonBody, orgPage, submitForm, type AppDeps } from '../../web/http';
import { numberOrRaw, text, type FormBody } from '../../web/forms';
import { ASSET_KINDS, KIND_LABELS } from '../assets/schemas';
import { SEVERITY_TAGS } from '../findings/routes';
import { costsInput, planQuery } from './schemas';
import * as plan from './service';

const gbp = (pence: number) => `£${(pence / 100).toLocaleString('en-GB', { minimumFractionDigits: 0, maximumFractionDigits: 2 })}`;

const lineOut = z.object({
  order: z.number(), tier: z.number(), tierLabel: z.string(), assetId: z.string(), kind: z.string(), manufacturer: z.string().nullable(),
  model: z.string().nullable(), serial: z.string().nullable(), origin: z.string().nullable(), site: z.string().nullable(), network: z.string().nullable(),
  worstSeverity: z.string(), rules: z.array(z.string()), unitPence: z.number(), cumulativePence: z.number(), withinBudget: z.boolean().nullable(),
});
const planOut = z.object({
  lines: z.array(lineOut), tiers: z.array(z.object({ tier: z.number(), label: z.string(), devices: z.number(), pence: z.number() })),
  totalPence: z.number(), budgetPence: z.number().nullable(), coveredDevices: z.number().nullable(),
  costs: z.array(z.object({ kind: z.string(), pence: z.number(), isDefault: z.boolean() })),
});

export function registerPlanRoutes(app: FastifyInstance, deps: AppDeps) {
  apiRoute(app, deps, 'GET', '/plan', { summary: 'Remediation plan: devices to replace, in order, with costs', tag: 'Plan', query: planQuery, response: planOut },
    async (req, ctx) => plan.remediationPlan(ctx, req.query));
  apiRoute(app, deps, 'PATCH', '/plan/costs', { summary: 'Set replacement unit costs per asset kind (pounds)', tag: 'Plan', body: costsInput, permission: 'estate:write' },
    async (req, ctx) => { await plan.setUnitCosts(ctx, jsonBody(req)); return plan.unitCosts(ctx); });

  orgPage(app, deps, 'GET', '/plan', 'estate:read', async (req, _reply, p) => {
    const budgetText = text(req.query.budget);
    let result;
    let errors: Record<string, string> = {};
    try {
      result = await plan.remediationPlan(p.ctx, budgetText ? { budget: budgetText.replace(/[£,\s]/g, '') } : {});
    } catch (e) {
      if (!(e instanceof AppError) || !e.fields) throw e;
      errors = e.fields;
      result = await plan.remediationPlan(p.ctx, {});
    }
    return p.render('plan/views/plan.njk', {
      title: 'Remediation plan', result, budgetText, errors, gbp, tags: SEVERITY_TAGS, kindLabels: KIND_LABELS,
      canWrite: can(p.ctx.role, 'estate:write'),
    }, Object.keys(errors).length ? 422 : 200);
  });

  // Kept for old links; the exports module writes the plan (CSV, XLSX, JSON under /exports/plan.*).
  orgPage(app, deps, 'GET', '/plan.csv', 'estate:read', async (_req, reply, p) => sendExport(reply, p.ctx, 'plan', 'csv', {}));

  orgPage(app, deps, 'GET', '/plan/costs', 'estate:write', async (_req, _reply, p) => {
    const costs = await plan.unitCosts(p.ctx);
    return p.render('plan/views/costs.njk', { title: 'Replacement costs', costs, kindLabels: KIND_LABELS, values: Object.fromEntries(costs.map((c) => [c.kind, (c.pence / 100).toString()])), errors: {} });
  });
  orgPage(app, deps, 'POST', '/plan/costs', 'estate:write', async (req, _reply, p) => {
    const body = req.body as FormBody;
    const input = Object.fromEntries(ASSET_KINDS.map((k) => [k, numberOrRaw(typeof body[k] === 'string' ? (body[k] as string).replace(/[£,\s]/g, '') : body[k]) ?? undefined]));
    return submitForm(p, async () => {
      await plan.setUnitCosts(p.ctx, input);
      return { to: `${p.base}/plan`, flash: 'Replacement costs saved' };
    }, async (errors, status) => p.render('plan/views/costs.njk', {
      title: 'Replacement costs', costs: await plan.unitCosts(p.ctx), kindLabels: KIND_LABELS, errors,
      values: Object.fromEntries(ASSET_KINDS.map((k) => [k, text(body[k]) ?? ''])),
    }, status));
  });
}
