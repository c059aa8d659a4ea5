import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { can } from '../../platform/context';
import { AppError, parseInput, ValidationError } from '../../platform/errors';
import { csvStream } from '../../platform/csv';
import { apiRoute, orgPage, type AppDeps, type PageCtx, type RouteRequest } from '../../web/http';
import { text, type FormBody } from '../../web/forms';
import { LIMITS } from './read';
import { FIELD_LABELS, IMPORT_FIELDS, mappingSchema, runListQuery, runOut, uploadFields, type ImportError } from './schemas';
import * as imports from './service';
import { registerUploads, uploadOf } from './upload';

const TAG = 'Imports';
const idOf = (req: RouteRequest<'/:id'>) => req.params.id;
const fieldItems = (selected: string) => IMPORT_FIELDS.map((f) => ({ value: f, text: FIELD_LABELS[f], selected: f === selected }));
/** Form field names for mapping selects: the heading's position, since headings can hold any character. */
const mapName = (i: number) => `map-${i}`;

function requireStoredUpload(req: FastifyRequest) {
  const upload = uploadOf(req);
  if (!upload) {
    if (!req.isMultipart()) throw new AppError(415, 'unsupported_media_type', 'Send the spreadsheet as multipart/form-data in a field named "file"', { file: 'Select a spreadsheet to upload' });
    throw new ValidationError({ file: 'Select a spreadsheet to upload (CSV or Excel .xlsx)' });
  }
  return upload;
}

/** The app's upload storage (one per app, so S3 checks its bucket once). */
const uploadFilesOf = new WeakMap<AppDeps, imports.UploadFiles>();
function filesOf(deps: AppDeps): imports.UploadFiles {
  let files = uploadFilesOf.get(deps);
  if (!files) uploadFilesOf.set(deps, files = imports.uploadFiles(deps.storage, deps.config.dataDir));
  return files;
}

const isFormError = (e: unknown): e is AppError => e instanceof AppError && !!e.fields && [409, 413, 415, 422].includes(e.status);

// ---- API ------------------------------------------------------------------------------------------------------

function registerApi(scope: FastifyInstance, deps: AppDeps) {
  const summary = z.object({ added: z.number(), updated: z.number(), unchanged: z.number(), notInFile: z.number(), errorCount: z.number() });
  const listOut = z.object({ items: z.array(runOut.extend({ summary: summary.nullable() })), next: z.string().nullable() });
  apiRoute(scope, deps, 'GET', '/imports', { summary: 'List spreadsheet imports, newest first', tag: TAG, query: runListQuery, response: listOut },
    async (req, ctx) => imports.listRuns(ctx, parseInput(runListQuery, req.query).before));
  apiRoute(scope, deps, 'POST', '/imports', {
    summary: 'Import a spreadsheet (multipart/form-data), as a background job', tag: TAG, status: 202, permission: 'assets:write',
    description: 'Send `file` (CSV or XLSX) and optionally `mapping` (JSON object of heading → field: '
      + `${IMPORT_FIELDS.join(', ')}), \`sheet\`, \`createSites\` (true to create sites the file names; manager or admin), \`dryRun\` (true to check and report without writing). `
      + 'Answers 202 with the import; GET /imports/{id} until `state` is done, failed (row errors or a bad file) or, for a dry run, previewed; `report` (or `preview`) then says what happened, row errors included.',
  }, async (req, ctx, reply) => {
    const upload = requireStoredUpload(req);
    const fields = parseInput(uploadFields, req.body ?? {});
    let mapping: Record<string, string> | undefined;
    if (fields.mapping) {
      let raw: unknown;
      try { raw = JSON.parse(fields.mapping); } catch { throw new ValidationError({ mapping: 'mapping must be a JSON object of heading → field' }); }
      mapping = parseInput(mappingSchema, raw);
    }
    const run = await imports.createRun(ctx, filesOf(deps), upload);
    const queued = await imports.queueDirect(ctx, filesOf(deps), deps.jobs, run, { mapping, sheet: fields.sheet, createSites: fields.createSites === 'true', dryRun: fields.dryRun === 'true' });
    return reply.code(202).send(apiRun(queued));
  });
  apiRoute(scope, deps, 'GET', '/imports/:id', { summary: 'An import: its state, progress and report (with every row error)', tag: TAG,
    description: 'Fields: id, state (uploaded, previewing, previewed, importing, done, failed), fileName, phase, rowsRead, rowsWritten, mapping, preview and report (ImportReport: rows, added, updated, unchanged, notInFile, sitesCreated, newSites, errors [{row, column, reason}], errorCount, normalised), error.' },
    async (req, ctx) => apiRun(await imports.getRun(ctx, idOf(req))));
}

const apiRun = (r: imports.RunView) => ({
  id: r.id, state: r.state, fileName: r.fileName, createdAt: r.createdAt, createdBy: r.createdBy, phase: r.phase, rowsRead: r.rowsRead, rowsWritten: r.rowsWritten,
  finishedAt: r.finishedAt, error: r.error, mapping: r.mapping, sheet: r.sheet, preview: r.preview, report: r.report,
});

// ---- pages ----------------------------------------------------------------------------------------------------

async function renderStart(p: PageCtx, maxBytes: number, errors: Record<string, string> = {}, status = 200) {
  const runs = await imports.listRuns(p.ctx, undefined, 20);
  return p.render('imports/views/start.njk', {
    title: 'Import a spreadsheet', runs: runs.items, errors, canImport: can(p.ctx.role, 'assets:write'),
    maxMb: maxBytes / 2 ** 20, maxColumns: LIMITS.maxColumns,
  }, status);
}

async function renderMapping(p: PageCtx, deps: AppDeps, run: imports.RunView, opts: { errors?: Record<string, string>; chosen?: Record<string, string>; status?: number } = {}) {
  const cols = await imports.runColumns(p.ctx, filesOf(deps), run);
  const rows = cols.headings.map((h, i) => ({
    index: i, heading: h || `(column ${i + 1}, no heading)`, name: mapName(i), samples: cols.samples.map((s) => s[i]).filter(Boolean),
    items: fieldItems(opts.chosen?.[h] ?? cols.mapping[h] ?? 'ignore'), error: opts.errors?.[`mapping.${h}`],
  }));
  // Errors about a heading are shown at its select; the summary links there.
  const errors: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.errors ?? {})) {
    const i = k.startsWith('mapping.') ? cols.headings.indexOf(k.slice('mapping.'.length)) : -1;
    errors[i >= 0 ? mapName(i) : k === 'mapping' ? mapName(0) : k] = v;
  }
  return p.render('imports/views/mapping.njk', {
    title: `Match the columns of ${run.fileName}`, run, rows, errors, sheets: cols.sheets, sheet: cols.sheet,
    sheetItems: cols.sheets.map((s) => ({ value: s, text: s, selected: s === cols.sheet })),
  }, opts.status ?? 200);
}

async function renderRun(p: PageCtx, req: RouteRequest, reply: FastifyReply, run: imports.RunView, opts: { errors?: Record<string, string>; status?: number } = {}) {
  const busy = imports.isBusy(run);
  const auto = req.query.auto !== '0';
  // While a job works the page reloads itself (no JavaScript needed); people can switch that off (WCAG 2.2.1).
  // The HTTP Refresh header does what <meta http-equiv="refresh"> does.
  if (busy && auto) reply.header('refresh', '3');
  const report = run.report ?? run.preview;
  return p.render('imports/views/run.njk', {
    title: run.state === 'done' ? 'Spreadsheet imported' : run.state === 'previewed' ? 'Check the import' : busy ? 'Import in progress' : `Import of ${run.fileName}`,
    run, busy, auto, report, errors: opts.errors ?? {}, errorRows: (report?.errors ?? []).slice(0, 200),
    mappingRows: Object.entries(run.mapping).filter(([, f]) => f !== 'ignore').map(([h, f]) => ({ heading: h, field: FIELD_LABELS[f] })),
    progress: progressText(run), canImport: can(p.ctx.role, 'assets:write'), canCreateSites: can(p.ctx.role, 'estate:write'),
  }, opts.status ?? 200);
}

function progressText(run: imports.RunView): string {
  const n = (x: number) => x.toLocaleString('en-GB');
  if (run.phase === 'queued' || !run.phase) return 'Waiting to start.';
  if (run.phase === 'validating' || run.phase === 'validated') return `Checked ${n(run.rowsValidated)} rows${run.rowsTotal ? ` of ${n(run.rowsTotal)}` : ''}.`;
  if (run.phase === 'writing') return `Saved ${n(run.rowsWritten)} of ${n(run.rowsTotal ?? run.rowsRead)} rows.`;
  return 'Working.';
}

function registerPages(scope: FastifyInstance, deps: AppDeps) {
  orgPage(scope, deps, 'GET', '/imports', 'estate:read', async (_req, _reply, p) => renderStart(p, deps.config.maxImportBytes));

  orgPage(scope, deps, 'POST', '/imports', 'assets:write', async (req, _reply, p) => {
    try {
      const run = await imports.createRun(p.ctx, filesOf(deps), requireStoredUpload(req));
      return p.redirect(`${p.base}/imports/${run.id}/mapping`);
    } catch (e) {
      if (isFormError(e)) return renderStart(p, deps.config.maxImportBytes, { file: Object.values(e.fields!)[0] }, e.status);
      throw e;
    }
  });

  orgPage(scope, deps, 'GET', '/imports/:id', 'estate:read', async (req, reply, p) => {
    const run = await imports.getRun(p.ctx, idOf(req));
    if (run.state === 'uploaded') return p.redirect(`${p.base}/imports/${run.id}/mapping`);
    return renderRun(p, req, reply, run);
  });

  orgPage(scope, deps, 'GET', '/imports/:id/mapping', 'assets:write', async (req, _reply, p) => {
    const run = await imports.getRun(p.ctx, idOf(req));
    if (!['uploaded', 'previewed'].includes(run.state)) return p.redirect(`${p.base}/imports/${run.id}`);
    return renderMapping(p, deps, run);
  });

  orgPage(scope, deps, 'POST', '/imports/:id/mapping', 'assets:write', async (req, _reply, p) => {
    const run = await imports.getRun(p.ctx, idOf(req));
    const body = (req.body ?? {}) as FormBody;
    const cols = await imports.runColumns(p.ctx, filesOf(deps), run);
    const chosen: Record<string, string> = {};
    cols.headings.forEach((h, i) => { const f = text(body[mapName(i)]); if (h && f) chosen[h] = f; });
    try {
      const r = await imports.chooseMapping(p.ctx, filesOf(deps), deps.jobs, run.id, { mapping: chosen, save: text(body.save) === 'yes', sheet: text(body.sheet) });
      if (!r.queued) return p.redirect(`${p.base}/imports/${run.id}/mapping`, 'Sheet changed: check the columns of this sheet');
      return p.redirect(`${p.base}/imports/${run.id}`);
    } catch (e) {
      if (isFormError(e)) return renderMapping(p, deps, run, { errors: e.fields, chosen, status: e.status });
      throw e;
    }
  });

  orgPage(scope, deps, 'POST', '/imports/:id/confirm', 'assets:write', async (req, reply, p) => {
    const run = await imports.getRun(p.ctx, idOf(req));
    try {
      await imports.confirmRun(p.ctx, deps.jobs, run.id, { createSites: text((req.body as FormBody)?.createSites) === 'yes' });
      return p.redirect(`${p.base}/imports/${run.id}`);
    } catch (e) {
      if (isFormError(e)) return renderRun(p, req, reply, run, { errors: e.fields, status: e.status });
      throw e;
    }
  });

  orgPage(scope, deps, 'GET', '/imports/:id/errors.csv', 'estate:read', async (req, reply, p) => {
    const run = await imports.getRun(p.ctx, idOf(req));
    const report = run.report ?? run.preview;
    if (!report) throw new AppError(404, 'not_found', 'This import has not been checked yet');
    async function* batches() { yield report!.errors; }
    const name = `${run.fileName.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '-').slice(0, 60) || 'import'}-errors.csv`;
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`)
      .header('x-content-type-options', 'nosniff').header('cache-control', 'no-store')
      .send(csvStream<ImportError>([
        { header: 'Row', value: (e) => e.row }, { header: 'Column', value: (e) => e.column }, { header: 'Problem', value: (e) => e.reason },
      ], batches()));
  });
}

export function registerImportsRoutes(app: FastifyInstance, deps: AppDeps): void {
  // An encapsulated scope, so multipart parsing applies to the import routes only.
  app.register(async (scope) => {
    await registerUploads(scope, deps);
    registerApi(scope, deps);
    registerPages(scope, deps);
  });
}
