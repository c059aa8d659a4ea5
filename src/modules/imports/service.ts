import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { can, requirePermission, type Actor, type OrgContext, type Role } from '../../platform/context';
import type { DbKind } from '../../platform/config';
import { AppError, notFound, ValidationError } from '../../platform/errors';
import { nowIso } from '../../platform/ids';
import type { JobQueue } from '../../platform/jobs';
import type { DB } from '../../platform/schema';
import { BlobNotFoundError, copyBlobToFile, type BlobStorage } from '../../platform/storage';
import { runEngine, ERROR_CAP } from './engine';
import { checkMapping, headingKey, resolveMapping } from './mapping';
import { mintId } from './ids';
import { cellText, FileError, LIMITS, openSheet } from './read';
import * as repo from './repo';
import { IMPORT_FIELDS, type ImportField, type ImportInput, type ImportProgress, type ImportReport } from './schemas';
import type { ImportRunsTable } from '../../platform/tables/imports';

export type { ImportReport, ImportInput, ImportProgress } from './schemas';
export { FileError } from './read';
export { ERROR_CAP };

/**
 * The database kind behind a context (it decides how bulk inserts are written). The OrgContext carries only the
 * Kysely instance, so the dialect's adapter tells: PostgresAdapter or SqliteAdapter.
 */
function dbKindOf(db: Kysely<DB>): DbKind {
  const adapter = (db as any).getExecutor?.().adapter?.constructor?.name ?? '';
  return /postgres/i.test(adapter) ? 'postgres' : 'sqlite';
}

/** The headings of a file and the mapping that would be used for them (given, saved, or suggested). */
export async function mappingFor(ctx: OrgContext, file: string, opts: { sheet?: string | null; mapping?: Record<string, string> } = {}) {
  const sheet = await openSheet(file, { sheet: opts.sheet });
  const samples: string[][] = [];
  for await (const r of sheet.rows) {
    samples.push(sheet.headings.map((_, i) => cellText(r.cells[i] ?? null).slice(0, 80)));
    if (samples.length >= 3) break;
  }
  await sheet.rows.return(undefined);
  const saved = await repo.savedMappings(ctx.db, ctx.orgId);
  const resolved = resolveMapping(sheet.headings, opts.mapping, saved);
  return { info: sheet.info, headings: sheet.headings, samples, mapping: resolved, saved };
}

/**
 * Imports a CSV or XLSX register into the organisation, all or nothing: every row is read and checked first, and
 * the register is changed (in one transaction) only when no row has an error. Bad files throw a FileError (422);
 * row errors come back in the report with `written: false`. A dry run reads and checks, and reports what an
 * import would do. Re-importing the same file changes nothing.
 */
export async function importSpreadsheet(ctx: OrgContext, input: ImportInput, opts?: { onProgress?: (p: ImportProgress) => void }): Promise<ImportReport> {
  return importWithRun(ctx, input, { ...opts, runId: null });
}

async function importWithRun(ctx: OrgContext, input: ImportInput, opts: { onProgress?: (p: ImportProgress) => void; runId: string | null }): Promise<ImportReport> {
  requirePermission(ctx, 'assets:write');
  const { headings, mapping: resolved, info } = await mappingFor(ctx, input.path, { sheet: input.sheet, mapping: input.mapping });
  // Headings named in a given mapping must exist in the file; checkMapping says which do not.
  const mapping = checkMapping(headings, { ...resolved, ...(input.mapping ?? {}) });
  return runEngine(ctx, dbKindOf(ctx.db), {
    path: input.path, originalName: input.originalName ?? path.basename(input.path), sheet: info.sheet, mapping,
    createSites: !!input.createSites, dryRun: !!input.dryRun,
  }, opts);
}

/** Reads a mapping file for the command line: a JSON object of heading → field. */
export function parseMappingFile(text: string): Record<string, string> {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) { throw new ValidationError({ mapping: `The mapping file is not valid JSON: ${(e as Error).message}` }); }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ValidationError({ mapping: 'The mapping file must be a JSON object of "heading": "field"' });
  const out: Record<string, string> = {};
  for (const [h, f] of Object.entries(raw)) {
    if (typeof f !== 'string' || !(IMPORT_FIELDS as readonly string[]).includes(f)) {
      throw new ValidationError({ [`mapping.${h}`]: `“${String(f)}” is not a field Sightline imports (choose one of ${IMPORT_FIELDS.join(', ')})` });
    }
    out[h] = f;
  }
  return out;
}

// ---- runs: upload → mapping → preview (a job) → confirm → import (a job) -----------------------------------------

export type RunState = 'uploaded' | 'previewing' | 'previewed' | 'importing' | 'done' | 'failed';

export interface RunView {
  id: string; state: RunState;
  /** SHA-256 of the upload in the imports area of blob storage (null once imported or removed). */
  upload: string | null; fileName: string; fileSize: number; format: string; sheet: string | null; createdAt: string; createdBy: string;
  phase: string | null; rowsTotal: number | null; rowsRead: number; rowsValidated: number; rowsWritten: number;
  mapping: Record<string, ImportField>; createSites: boolean; preview: ImportReport | null; report: ImportReport | null;
  error: string | null; finishedAt: string | null;
}

function toRun(r: ImportRunsTable): RunView {
  return {
    id: r.id, state: r.state as RunState, upload: r.stored_name, fileName: r.file_name, fileSize: Number(r.file_size), format: r.file_kind, sheet: r.sheet,
    createdAt: r.created_at, createdBy: r.created_by, phase: r.phase, rowsTotal: r.rows_total === null ? null : Number(r.rows_total),
    rowsRead: Number(r.rows_read), rowsValidated: Number(r.rows_validated), rowsWritten: Number(r.rows_written),
    mapping: JSON.parse(r.mapping_json), createSites: !!Number(r.create_sites),
    preview: r.preview_json ? JSON.parse(r.preview_json) : null, report: r.report_json ? JSON.parse(r.report_json) : null,
    error: r.error, finishedAt: r.finished_at,
  };
}

/**
 * Where uploads are kept: the imports' own area of blob storage (a local directory or S3, so a worker on another
 * machine reads what the web instance received), and a scratch directory on this machine for the copy being read
 * (spreadsheet readers need a file on disk: an XLSX is a zip read from its end).
 */
export interface UploadFiles { blobs: BlobStorage; scratchDir: string }
export const uploadFiles = (storage: BlobStorage, dataDir: string): UploadFiles => ({
  blobs: storage.area('imports'), scratchDir: path.join(dataDir, 'scratch', 'imports'),
});

/** A new scratch file name (the caller deletes the file). */
export function scratchFile(files: UploadFiles): string {
  fs.mkdirSync(files.scratchDir, { recursive: true });
  return path.join(files.scratchDir, `${mintId()}.upload`);
}

const gone = () => new AppError(410, 'gone', 'The uploaded file is no longer kept. Upload it again');
const SHA256_RE = /^[0-9a-f]{64}$/;

/** Runs `read` on a local copy of a run's upload, deleted afterwards. A missing upload is 410 Gone. */
async function withLocalCopy<T>(files: UploadFiles, upload: string | null, read: (file: string) => Promise<T>): Promise<T> {
  // Runs from before uploads went to blob storage hold a file name here; their file stayed on the old disk.
  if (!upload || !SHA256_RE.test(upload)) throw gone();
  const file = scratchFile(files);
  try {
    await copyBlobToFile(files.blobs, upload, file, LIMITS.maxFileBytes);
  } catch (e) {
    if (e instanceof BlobNotFoundError) throw gone();
    throw e;
  }
  try {
    return await read(file);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** The run no longer keeps its upload; the blob goes when no other run keeps the same bytes. */
async function releaseUpload(db: Kysely<DB>, files: UploadFiles, run: { org_id: string; id: string; stored_name: string | null }, set: Partial<ImportRunsTable> = {}) {
  await repo.updateRun(db, run.org_id, run.id, { ...set, stored_name: null });
  const sha = run.stored_name;
  // Best effort: a blob left behind costs space, not correctness.
  if (sha && SHA256_RE.test(sha) && !(await repo.uploadInUse(db, sha))) await files.blobs.remove(sha).catch(() => undefined);
}

/** Uploads not taken further are removed after this long. */
const ABANDONED_MS = 7 * 86_400_000;

/**
 * Registers an uploaded file (received into a scratch file on this machine, which the caller deletes) as a new run:
 * it must read as a spreadsheet, and its columns get a suggested mapping; then it is kept in blob storage, where the
 * import job reads it from. A file that is not a spreadsheet is refused and never stored.
 */
export async function createRun(ctx: OrgContext, files: UploadFiles, upload: { id: string; path: string; fileName: string; size: number }): Promise<RunView> {
  requirePermission(ctx, 'assets:write');
  const found = await mappingFor(ctx, upload.path);
  const blob = await files.blobs.putFile(upload.path);
  const now = nowIso();
  const id = upload.id;
  const row: ImportRunsTable = {
    id, org_id: ctx.orgId, created_at: now, updated_at: now, created_by: ctx.actor.label, file_name: upload.fileName.slice(0, 200) || 'spreadsheet',
    file_size: upload.size, file_kind: found.info.format, stored_name: blob.sha256, sheet: found.info.sheet, mapping_json: JSON.stringify(found.mapping),
    create_sites: 0, state: 'uploaded', phase: null, rows_total: null, rows_read: 0, rows_validated: 0, rows_written: 0,
    preview_json: null, report_json: null, error: null, finished_at: null,
  };
  await repo.insertRun(ctx.db, row);
  purgeAbandoned(ctx.db, files).catch(() => undefined);
  return toRun(row);
}

async function purgeAbandoned(db: Kysely<DB>, files: UploadFiles) {
  const cutoff = new Date(Date.now() - ABANDONED_MS).toISOString();
  const old = await db.selectFrom('import_runs').select(['id', 'org_id', 'stored_name']).where('stored_name', 'is not', null)
    .where('updated_at', '<', cutoff).where('state', 'in', ['uploaded', 'previewed', 'failed']).limit(100).execute();
  for (const r of old) {
    await releaseUpload(db, files, r, { state: 'failed', error: 'The uploaded file was removed after a week without being imported' });
  }
}

export async function getRun(ctx: OrgContext, id: string): Promise<RunView> {
  requirePermission(ctx, 'estate:read');
  const r = await repo.findRun(ctx.db, ctx.orgId, id);
  if (!r) throw notFound('Import');
  return toRun(r);
}

export async function listRuns(ctx: OrgContext, before?: string, limit = 20) {
  requirePermission(ctx, 'estate:read');
  const rows = await repo.listRuns(ctx.db, ctx.orgId, before, limit);
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({
      id: r.id, state: r.state as RunState, fileName: r.file_name, createdAt: r.created_at, createdBy: r.created_by, phase: r.phase,
      rowsRead: Number(r.rows_read), rowsWritten: Number(r.rows_written), finishedAt: r.finished_at, error: r.error,
      summary: r.report_json ? summaryOf(JSON.parse(r.report_json)) : null,
    })),
    next: rows.length > limit ? page[page.length - 1].id : null,
  };
}

const summaryOf = (r: ImportReport) => ({ added: r.added, updated: r.updated, unchanged: r.unchanged, notInFile: r.notInFile, errorCount: r.errorCount });

/** The headings, a few sample values and the current mapping of a run, for the mapping page. */
export async function runColumns(ctx: OrgContext, files: UploadFiles, run: Pick<RunView, 'id' | 'upload' | 'format' | 'sheet'> & { mapping: Record<string, string> }) {
  const found = await withLocalCopy(files, run.upload, (file) => mappingFor(ctx, file, { sheet: run.sheet, mapping: run.mapping }));
  return { headings: found.headings, samples: found.samples, mapping: found.mapping, sheets: found.info.sheets, sheet: found.info.sheet };
}

const editable = (run: RunView) => {
  if (!['uploaded', 'previewed', 'failed'].includes(run.state) || (run.state === 'failed' && run.report)) {
    throw new AppError(409, 'not_editable', run.state === 'done' ? 'This spreadsheet has been imported already; upload it again to import it again' : 'This import is already running');
  }
};

/**
 * Sets the mapping (and sheet) of a run, optionally saving it for the organisation's next imports, and queues the
 * dry run whose report the person confirms.
 */
export async function chooseMapping(ctx: OrgContext, files: UploadFiles, jobs: JobQueue, id: string, input: { mapping: Record<string, string>; save: boolean; sheet?: string | null }) {
  requirePermission(ctx, 'assets:write');
  const run = await getRun(ctx, id);
  editable(run);
  const sheetChanged = !!input.sheet && input.sheet !== run.sheet;
  const cols = await runColumns(ctx, files, { ...run, sheet: input.sheet ?? run.sheet });
  if (sheetChanged) {
    // Another sheet has other headings: show its mapping first.
    await repo.updateRun(ctx.db, ctx.orgId, id, { sheet: cols.sheet, mapping_json: JSON.stringify(cols.mapping), updated_at: nowIso() });
    return { queued: false };
  }
  const mapping = checkMapping(cols.headings, input.mapping);
  const now = nowIso();
  if (input.save) {
    await repo.saveMapping(ctx.db, ctx.orgId, ctx.actor.label, Object.entries(mapping).map(([heading, field]) => ({ key: headingKey(heading), heading, field })), now);
  }
  await repo.updateRun(ctx.db, ctx.orgId, id, {
    mapping_json: JSON.stringify(mapping), sheet: cols.sheet, state: 'previewing', phase: 'queued', rows_read: 0, rows_validated: 0, rows_written: 0,
    preview_json: null, error: null, updated_at: now,
  });
  await jobs.enqueue('imports.run', jobPayload(ctx, id, true), { orgId: ctx.orgId, maxAttempts: 3 });
  return { queued: true };
}

/** After a clean dry run: import for real (new sites only when the person confirmed them). */
export async function confirmRun(ctx: OrgContext, jobs: JobQueue, id: string, input: { createSites: boolean }) {
  requirePermission(ctx, 'assets:write');
  const run = await getRun(ctx, id);
  if (run.state !== 'previewed' || !run.preview) throw new AppError(409, 'not_previewed', 'Check the mapping and the preview before importing');
  if (run.preview.errorCount > 0) throw new AppError(409, 'has_errors', 'The file has errors; correct them and upload it again');
  if (run.preview.newSites.length && !input.createSites) {
    throw new ValidationError({ createSites: `Confirm that the ${run.preview.newSites.length === 1 ? 'new site' : `${run.preview.newSites.length} new sites`} should be created, or correct the file` });
  }
  if (run.preview.newSites.length && !can(ctx.role, 'estate:write')) throw new AppError(403, 'forbidden', 'Only a manager or admin can create sites; ask one to import this file');
  await repo.updateRun(ctx.db, ctx.orgId, id, { state: 'importing', phase: 'queued', create_sites: input.createSites ? 1 : 0, rows_read: 0, rows_validated: 0, rows_written: 0, updated_at: nowIso() });
  await jobs.enqueue('imports.run', jobPayload(ctx, id, false), { orgId: ctx.orgId, maxAttempts: 3 });
}

/** API: an upload imported (or dry-run) in one go, with the mapping given or suggested. */
export async function queueDirect(ctx: OrgContext, files: UploadFiles, jobs: JobQueue, run: RunView, input: { mapping?: Record<string, string>; sheet?: string; createSites: boolean; dryRun: boolean }) {
  const cols = await runColumns(ctx, files, { ...run, sheet: input.sheet ?? run.sheet, mapping: input.mapping ?? run.mapping });
  const mapping = checkMapping(cols.headings, { ...cols.mapping, ...(input.mapping ?? {}) });
  if (input.createSites) requirePermission(ctx, 'estate:write');
  await repo.updateRun(ctx.db, ctx.orgId, run.id, {
    mapping_json: JSON.stringify(mapping), sheet: cols.sheet, create_sites: input.createSites ? 1 : 0,
    state: input.dryRun ? 'previewing' : 'importing', phase: 'queued', updated_at: nowIso(),
  });
  await jobs.enqueue('imports.run', jobPayload(ctx, run.id, input.dryRun), { orgId: ctx.orgId, maxAttempts: 3 });
  return getRun(ctx, run.id);
}

interface JobPayload { runId: string; orgId: string; dryRun: boolean; role: Role; actor: Actor }
const jobPayload = (ctx: OrgContext, runId: string, dryRun: boolean): JobPayload => ({ runId, orgId: ctx.orgId, dryRun, role: ctx.role, actor: ctx.actor });

/**
 * The `imports.run` job: a dry run (the preview) or the import, with progress stored on the run as it goes.
 * Problems with the file or the rows are the run's outcome, not job failures (a retry would find the same).
 */
export async function runImportJob(db: Kysely<DB>, dbKind: DbKind, files: UploadFiles, payload: JobPayload, heartbeat: () => Promise<void>) {
  const org = await db.selectFrom('organisations').select(['id', 'slug']).where('id', '=', payload.orgId).executeTakeFirst();
  if (!org) return { skipped: 'organisation gone' };
  const ctx: OrgContext = { db, orgId: org.id, orgSlug: org.slug, role: payload.role, actor: payload.actor };
  const row = await repo.findRun(db, org.id, payload.runId);
  if (!row) return { skipped: 'import gone' };
  const run = toRun(row);
  try {
    // The worker may be another machine: it reads the upload from blob storage into its own scratch space.
    return await withLocalCopy(files, row.stored_name, (file) => importRunFile(ctx, dbKind, files, run, file, payload, heartbeat));
  } catch (e) {
    if (!(e instanceof AppError) || e.status !== 410) throw e;
    await repo.updateRun(db, org.id, run.id, { state: 'failed', error: e.message, finished_at: nowIso(), updated_at: nowIso() });
    return { failed: true };
  }
}

async function importRunFile(ctx: OrgContext, dbKind: DbKind, files: UploadFiles, run: RunView, file: string, payload: JobPayload, heartbeat: () => Promise<void>) {
  const { db } = ctx;
  const org = { id: ctx.orgId };
  // Progress goes to the run now and then, never waited for (on SQLite the import's own transaction holds the
  // only connection while writing, so that phase's progress shows when it commits).
  let last = 0;
  let inFlight = false;
  const onProgress = (p: ImportProgress) => {
    const t = Date.now();
    if (inFlight || t - last < 1000 || (p.phase === 'writing' && dbKind === 'sqlite')) return;
    last = t;
    inFlight = true;
    const set: Partial<ImportRunsTable> = { phase: p.phase, rows_total: p.total, updated_at: nowIso() };
    if (p.phase === 'validating' || p.phase === 'validated') { set.rows_read = p.done; set.rows_validated = p.done; } else set.rows_written = p.done;
    Promise.all([repo.updateRun(db, org.id, run.id, set), heartbeat()]).catch(() => undefined).finally(() => { inFlight = false; });
  };
  await repo.updateRun(db, org.id, run.id, { phase: 'validating', updated_at: nowIso() });
  try {
    const report = await importWithRun(ctx, {
      path: file, originalName: run.fileName, sheet: run.sheet ?? undefined, mapping: run.mapping,
      createSites: payload.dryRun ? can(ctx.role, 'estate:write') : run.createSites, dryRun: payload.dryRun,
    }, { onProgress, runId: run.id });
    const now = nowIso();
    // Let a pending progress write land first, so it cannot overwrite the outcome.
    while (inFlight) await new Promise((r) => setTimeout(r, 5));
    if (payload.dryRun) {
      await repo.updateRun(db, org.id, run.id, { state: 'previewed', phase: null, rows_total: report.rows, rows_read: report.rows, rows_validated: report.rows, preview_json: JSON.stringify(report), updated_at: now });
    } else {
      await repo.updateRun(db, org.id, run.id, {
        state: report.written ? 'done' : 'failed', phase: null, rows_total: report.rows, rows_read: report.rows, rows_validated: report.rows,
        rows_written: report.written ? report.rows : 0, report_json: JSON.stringify(report), finished_at: now, updated_at: now,
        error: report.written ? null : `${report.errorCount} row error${report.errorCount === 1 ? '' : 's'}: nothing was imported`,
      });
      if (report.written) await releaseUpload(db, files, { org_id: org.id, id: run.id, stored_name: run.upload });
    }
    return summaryOf(report);
  } catch (e) {
    while (inFlight) await new Promise((r) => setTimeout(r, 5));
    if (!(e instanceof AppError)) throw e; // unexpected (the database went away): the job is retried
    await repo.updateRun(db, org.id, run.id, { state: 'failed', phase: null, error: e.message, finished_at: nowIso(), updated_at: nowIso() });
    return { failed: true, error: e.message };
  }
}

/** Whether a run is waiting for or doing work (its page refreshes itself meanwhile). */
export const isBusy = (run: RunView) => run.state === 'previewing' || run.state === 'importing';
