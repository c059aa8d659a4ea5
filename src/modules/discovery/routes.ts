import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { KIND_LABELS as ASSET_KIND_LABELS } from '../assets/schemas';
import { apiRoute, jsonBody, orgPage, submitForm, type AppDeps, type PageCtx } from '../../web/http';
import { list, numberOrRaw, text, type FormBody } from '../../web/forms';
import { objectHistory } from '../audit/service';
import { CredentialStore } from './secrets';
import * as discovery from './service';
import { createSchedule, deleteSchedule, listSchedules } from './schedule';
import { CADENCE_LABELS, CADENCES, DEFAULT_PORTS, ITEM_KIND_LABELS, ITEM_KINDS, itemListQuery, rangeInput, runListQuery, scanReport, scheduleInput } from './schemas';

/** Scan reports can be large (a /16 with thousands of devices); every other route keeps the app-wide 1 MiB. */
export const UPLOAD_LIMIT = 20 * 1024 * 1024;

const rangeOut = z.object({ id: z.string(), cidr: z.string(), label: z.string().nullable(), publicSpace: z.boolean(), createdAt: z.string(), createdBy: z.string() });
const credentialOut = z.object({
  id: z.string(), name: z.string(), username: z.string(), passwordSet: z.literal(true).describe('The password is stored sealed and is never returned'),
  ranges: z.array(z.object({ id: z.string(), cidr: z.string() })), createdAt: z.string(), updatedAt: z.string(),
});
const scheduleOut = z.object({
  id: z.string(), name: z.string(), targets: z.array(z.string()), ports: z.array(z.number()), rate: z.number(), cadence: z.enum(CADENCES),
  credentialName: z.string().nullable(), enabled: z.boolean(), lastRunId: z.string().nullable(), lastStatus: z.string().nullable(),
  lastError: z.string().nullable(), lastRunAt: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
});
const summaryOut = z.object({ new: z.number(), missing: z.number(), changed: z.number(), provenance: z.number() });
const runOut = z.object({
  id: z.string(), source: z.enum(['upload', 'schedule']), scheduleId: z.string().nullable(), actor: z.string(), status: z.string(), error: z.string().nullable(),
  startedAt: z.string(), finishedAt: z.string(), targets: z.array(z.string()), ports: z.array(z.number()), hostsScanned: z.number(), interrupted: z.boolean(),
  deviceCount: z.number(), refused: z.array(z.object({ address: z.string(), reason: z.string() })), summary: summaryOut, createdAt: z.string(),
});
const itemOut = z.object({
  id: z.string(), runId: z.string(), kind: z.enum(ITEM_KINDS), detail: z.record(z.string(), z.unknown()),
  device: z.object({
    id: z.string(), address: z.string(), mac: z.string().nullable(), brand: z.string().nullable(), model: z.string().nullable(), firmware: z.string().nullable(),
    serial: z.string().nullable(), origin: z.string().nullable(), originName: z.string().nullable(), nilSubject: z.boolean().nullable(), confidence: z.number(),
  }).nullable(),
  asset: z.object({ id: z.string(), kind: z.string(), manufacturer: z.string().nullable(), model: z.string().nullable(), serial: z.string().nullable(), ip: z.string().nullable() }).nullable(),
  outcome: z.string().nullable().describe('added, linked, updated or marked-missing once acted on'), outcomeSummary: z.string().nullable(),
  outcomeAssetId: z.string().nullable(), actionedAt: z.string().nullable(), actionedBy: z.string().nullable(),
  action: z.string().nullable().describe('What acting on the item does, while it is open'),
});
const credentialIn = z.object({ name: z.string(), username: z.string(), password: z.string(), rangeIds: z.array(z.string()) });

const param = (req: FastifyRequest, name: string) => (req.params as Record<string, string>)[name];
const TAG = 'Discovery';

export function registerDiscoveryRoutes(app: FastifyInstance, deps: AppDeps): void {
  const credentials = new CredentialStore(deps.config);

  // ---- API ----
  apiRoute(app, deps, 'GET', '/discovery/ranges', { summary: 'Address ranges discovery may scan (the scope guard)', tag: TAG, response: z.object({ items: z.array(rangeOut) }) },
    async (_req, ctx) => ({ items: await discovery.listRanges(ctx) }));
  apiRoute(app, deps, 'POST', '/discovery/ranges', { summary: 'Allow discovery in a range', tag: TAG, status: 201, body: rangeInput, permission: 'org:admin',
    description: 'A range including public (internet) address space needs confirmPublic: true, and the answer carries a warning.',
    response: rangeOut.extend({ warning: z.string().nullable() }) },
  async (req, ctx) => discovery.addRange(ctx, jsonBody(req)));
  apiRoute(app, deps, 'DELETE', '/discovery/ranges/:id', { summary: 'Stop allowing discovery in a range', tag: TAG, permission: 'org:admin' },
    async (req, ctx) => { await discovery.removeRange(ctx, param(req, 'id')); });

  apiRoute(app, deps, 'GET', '/discovery/credentials', { summary: 'Device credentials (names, user names and ranges; never passwords)', tag: TAG, permission: 'org:admin', response: z.object({ items: z.array(credentialOut) }) },
    async (_req, ctx) => ({ items: await credentials.list(ctx) }));
  apiRoute(app, deps, 'POST', '/discovery/credentials', { summary: 'Store a device credential (replaces one of the same name)', tag: TAG, status: 201, body: credentialIn, permission: 'org:admin', response: credentialOut,
    description: 'The password is sealed with AES-256-GCM and never returned; it is only used for devices inside the ranges given.' },
  async (req, ctx) => credentials.save(ctx, jsonBody(req)));
  apiRoute(app, deps, 'DELETE', '/discovery/credentials/:id', { summary: 'Delete a device credential', tag: TAG, permission: 'org:admin' },
    async (req, ctx) => { await credentials.remove(ctx, param(req, 'id')); });

  apiRoute(app, deps, 'GET', '/discovery/schedules', { summary: 'Scheduled discovery scans', tag: TAG, response: z.object({ items: z.array(scheduleOut) }) },
    async (_req, ctx) => ({ items: await listSchedules(ctx) }));
  apiRoute(app, deps, 'POST', '/discovery/schedules', { summary: 'Schedule a discovery scan run by the server', tag: TAG, status: 201, body: scheduleInput, permission: 'org:admin', response: scheduleOut },
    async (req, ctx) => createSchedule(ctx, credentials, jsonBody(req), deps.config.serverScanAllow));
  apiRoute(app, deps, 'DELETE', '/discovery/schedules/:id', { summary: 'Delete a scheduled scan', tag: TAG, permission: 'org:admin' },
    async (req, ctx) => { await deleteSchedule(ctx, param(req, 'id')); });

  apiRoute(app, deps, 'POST', '/discovery/runs', {
    summary: 'Upload a scan report (`sightline discover --upload`)', tag: TAG, status: 201, permission: 'assets:write', body: scanReport, response: runOut, bodyLimit: UPLOAD_LIMIT,
    description: `Body: the ScanReport JSON the command writes (up to ${UPLOAD_LIMIT / 1024 / 1024} MiB). Devices outside the organisation’s allowed ranges are refused and listed in \`refused\`; the rest are identified and reconciled with the register.`,
  }, async (req, ctx) => discovery.ingestReport(ctx, jsonBody(req)));
  apiRoute(app, deps, 'GET', '/discovery/runs', { summary: 'Scan runs, newest first', tag: TAG, query: runListQuery, response: z.object({ items: z.array(runOut), next: z.string().nullable() }) },
    async (req, ctx) => discovery.listRuns(ctx, req.query));
  apiRoute(app, deps, 'GET', '/discovery/runs/:id', { summary: 'Get a scan run', tag: TAG, response: runOut },
    async (req, ctx) => discovery.getRun(ctx, param(req, 'id')));
  apiRoute(app, deps, 'GET', '/discovery/runs/:id/items', { summary: 'A scan run’s reconciliation with the register', tag: TAG, query: itemListQuery, response: z.object({ items: z.array(itemOut), next: z.string().nullable() }) },
    async (req, ctx) => discovery.listItems(ctx, param(req, 'id'), req.query));
  apiRoute(app, deps, 'POST', '/discovery/runs/:id/items/:itemId/action', {
    summary: 'Act on a reconciliation item: add to the register, update the asset, apply the evidence or mark missing', tag: TAG, permission: 'assets:write', response: itemOut,
    description: 'Idempotent: an item already acted on is returned with its outcome.',
  }, async (req, ctx) => discovery.actOnItem(ctx, param(req, 'id'), param(req, 'itemId')));

  // ---- pages ----
  orgPage(app, deps, 'GET', '/discovery', 'estate:read', async (_req, _reply, p) => {
    const [runs, ranges, schedules] = await Promise.all([discovery.listRuns(p.ctx, { limit: 20 }), discovery.listRanges(p.ctx), listSchedules(p.ctx)]);
    return p.render('discovery/views/home.njk', {
      title: 'Discovery', runs: runs.items, ranges, schedules, isAdmin: can(p.ctx.role, 'org:admin'), uploadUrl: `${deps.config.publicUrl}/api/v1/discovery/runs`,
    });
  });

  orgPage(app, deps, 'GET', '/discovery/runs/:id', 'estate:read', async (req, _reply, p) => {
    const run = await discovery.getRun(p.ctx, param(req, 'id'));
    const [groups, history] = await Promise.all([discovery.itemsByKind(p.ctx, run.id), objectHistory(p.ctx, 'discovery-run', run.id)]);
    return p.render('discovery/views/run.njk', {
      title: `Scan of ${run.finishedAt.slice(0, 10)}`, run, groups, history, kindLabels: ITEM_KIND_LABELS, assetKindLabels: ASSET_KIND_LABELS, canAct: can(p.ctx.role, 'assets:write'),
    });
  });

  orgPage(app, deps, 'POST', '/discovery/runs/:id/items/:itemId', 'assets:write', async (req, _reply, p) => {
    const runId = param(req, 'id');
    try {
      const item = await discovery.actOnItem(p.ctx, runId, param(req, 'itemId'));
      return p.redirect(`${p.base}/discovery/runs/${runId}#item-${item.id}`, item.outcomeSummary ?? 'Done');
    } catch (e) {
      // A refusal the person can understand (serial already used, asset deleted since the scan) goes back to the run page.
      if (e instanceof AppError && (e.status === 409 || e.status === 422)) return p.redirect(`${p.base}/discovery/runs/${runId}`, `Not done: ${Object.values(e.fields ?? {})[0] ?? e.message}`);
      throw e;
    }
  });

  const rangesPage = async (p: PageCtx, values: Record<string, unknown>, errors: Record<string, string>, status: number) => p.render('discovery/views/ranges.njk', {
    title: 'Allowed ranges', ranges: await discovery.listRanges(p.ctx), isAdmin: can(p.ctx.role, 'org:admin'), values, errors,
  }, status);
  orgPage(app, deps, 'GET', '/discovery/ranges', 'estate:read', async (_req, _reply, p) => rangesPage(p, {}, {}, 200));
  orgPage(app, deps, 'POST', '/discovery/ranges', 'org:admin', async (req, _reply, p) => {
    const body = req.body as FormBody;
    const input = { cidr: text(body.cidr) ?? '', label: text(body.label), confirmPublic: text(body.confirmPublic) === 'yes' };
    return submitForm(p, async () => {
      const r = await discovery.addRange(p.ctx, input);
      return { to: `${p.base}/discovery/ranges`, flash: r.warning ? `${r.cidr} allowed. ${r.warning}` : `${r.cidr} allowed` };
    }, (errors, status) => rangesPage(p, input, errors, status));
  });
  orgPage(app, deps, 'POST', '/discovery/ranges/:id/delete', 'org:admin', async (req, _reply, p) => {
    await discovery.removeRange(p.ctx, param(req, 'id'));
    return p.redirect(`${p.base}/discovery/ranges`, 'Range removed: discovery and credentials no longer reach it');
  });

  const credentialsPage = async (p: PageCtx, values: Record<string, unknown>, errors: Record<string, string>, status: number) => p.render('discovery/views/credentials.njk', {
    title: 'Device credentials', credentials: await credentials.list(p.ctx), ranges: await discovery.listRanges(p.ctx), values, errors,
  }, status);
  orgPage(app, deps, 'GET', '/discovery/credentials', 'org:admin', async (_req, _reply, p) => credentialsPage(p, { rangeIds: [] }, {}, 200));
  orgPage(app, deps, 'POST', '/discovery/credentials', 'org:admin', async (req, _reply, p) => {
    const body = req.body as FormBody;
    const input = { name: text(body.name) ?? '', username: text(body.username) ?? '', password: typeof body.password === 'string' ? body.password : '', rangeIds: list(body.rangeIds) };
    return submitForm(p, async () => {
      const c = await credentials.save(p.ctx, input);
      return { to: `${p.base}/discovery/credentials`, flash: `Credential “${c.name}” saved. Its password cannot be shown again.` };
    // The password is never sent back to the page, even after a mistake elsewhere on the form.
    }, (errors, status) => credentialsPage(p, { ...input, password: '' }, errors, status));
  });
  orgPage(app, deps, 'POST', '/discovery/credentials/:id/delete', 'org:admin', async (req, _reply, p) => {
    await credentials.remove(p.ctx, param(req, 'id'));
    return p.redirect(`${p.base}/discovery/credentials`, 'Credential deleted');
  });

  const schedulesPage = async (p: PageCtx, values: Record<string, unknown>, errors: Record<string, string>, status: number) => {
    const isAdmin = can(p.ctx.role, 'org:admin');
    return p.render('discovery/views/schedules.njk', {
      title: 'Scheduled discovery', schedules: await listSchedules(p.ctx), isAdmin, values, errors, cadenceLabels: CADENCE_LABELS,
      cadenceItems: CADENCES.map((c) => ({ value: c, text: CADENCE_LABELS[c], checked: values.cadence === c })),
      credentialItems: isAdmin ? [{ value: '', text: 'None (anonymous probes only)' }, ...(await credentials.list(p.ctx)).map((c) => ({ value: c.name, text: c.name, selected: values.credentialName === c.name }))] : [],
    }, status);
  };
  orgPage(app, deps, 'GET', '/discovery/schedules', 'estate:read', async (_req, _reply, p) => schedulesPage(p, { ports: DEFAULT_PORTS.join(', '), rate: 200, cadence: 'daily' }, {}, 200));
  orgPage(app, deps, 'POST', '/discovery/schedules', 'org:admin', async (req, _reply, p) => {
    const body = req.body as FormBody;
    const portsText = text(body.ports);
    const input = {
      name: text(body.name) ?? '', targets: (text(body.targets) ?? '').split(/[\s,]+/).filter(Boolean),
      ports: portsText ? portsText.split(/[\s,]+/).filter(Boolean).map((v) => numberOrRaw(v)) : undefined,
      rate: numberOrRaw(body.rate) ?? undefined, cadence: text(body.cadence) ?? undefined, credentialName: text(body.credentialName),
    };
    return submitForm(p, async () => {
      const s = await createSchedule(p.ctx, credentials, input, deps.config.serverScanAllow);
      return { to: `${p.base}/discovery/schedules`, flash: `Scheduled “${s.name}”: ${CADENCE_LABELS[s.cadence].toLowerCase()}` };
    }, (errors, status) => schedulesPage(p, { ...input, targets: text(body.targets), ports: portsText }, errors, status));
  });
  orgPage(app, deps, 'POST', '/discovery/schedules/:id/delete', 'org:admin', async (req, _reply, p) => {
    await deleteSchedule(p.ctx, param(req, 'id'));
    return p.redirect(`${p.base}/discovery/schedules`, 'Schedule deleted');
  });
}

