// The import itself, in two reads of the file. The first normalises and checks every row and works out what each
// would do (add, update, leave alone), keeping only compact indexes, never the rows. If anything is wrong nothing
// is written. Otherwise the second read writes everything in ONE transaction: new sites, new assets in multi-row
// INSERTs with their provenance verdicts and findings (catalogue compiled once, policy code shared with the rest of
// Sightline), changed assets through the same evaluation as an edit in the app, and one audit event for the import.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { can, type OrgContext, type Tx } from '../../platform/context';
import type { DbKind } from '../../platform/config';
import { AppError } from '../../platform/errors';
import { nowIso } from '../../platform/ids';
import { mintId as newId } from './ids';
import { isUniqueViolation } from '../../platform/sqlutil';
import type { AssetsTable } from '../../platform/schema';
import { catalogueRuntime } from '../../catalog';
import { identify, packEvidence } from '../../domain/provenance';
import { evaluatePolicy, type PolicyInput } from '../../domain/policy';
import { recordAudit } from '../audit/repo';
import { replaceAssetRow, searchText, toAsset } from '../assets/service';
import { textKey } from '../assets/schemas';
import { compiledForOrg, evaluateAsset, evidenceFromAsset } from '../provenance/service';
import * as N from './normalise';
import { cellText, isNotUtf8, openSheet, type OpenedSheet, type RawRow, type SheetInfo } from './read';
import * as repo from './repo';
import type { ImportError, ImportField, ImportProgress, ImportReport, Normalisation } from './schemas';

/** Errors kept in a report (the count is always complete). */
export const ERROR_CAP = 5000;
const NORMALISATION_CAP = 2000;
const PROGRESS_EVERY = 5000;
/** Rows written per batch: each batch's assets, verdicts and findings go in together. */
const WRITE_BATCH = 2000;

const MAX_LEN: Partial<Record<ImportField, number>> = {
  manufacturer: 200, model: 200, serial: 100, firmware: 200, location: 500, notes: 5000, externalKey: 200, site: 200,
};
/** Fields whose rewrites are kept as the original text. */
const KEEP_ORIGINAL = new Set<ImportField>(['manufacturer', 'mac', 'ip', 'installDate', 'warrantyEnd', 'kind', 'status']);
/** Fields compared to tell an unchanged asset from a changed one (kind, status and key are compared apart). */
const COMPARED: ImportField[] = ['manufacturer', 'model', 'serial', 'firmware', 'mac', 'ip', 'site', 'network', 'system', 'installDate', 'warrantyEnd', 'location', 'notes'];

interface Row {
  row: number;
  kind: string | null; manufacturer: string | null; model: string | null; serial: string | null; firmware: string | null;
  mac: string | null; ip: string | null; siteId: string | null; siteKey: string | null; networkId: string | null; systemId: string | null;
  installDate: string | null; warrantyEnd: string | null; status: string | null; location: string | null; notes: string | null;
  externalKey: string | null; originals: Record<string, string> | null;
}

type Target = { slot: number } | { slot: -1 };

const interned = new Map<string, string>();
/** Kinds and statuses repeat a million times: one string each. */
const intern = (s: string) => { let v = interned.get(s); if (v === undefined) { v = s; if (interned.size < 1000) interned.set(s, s); } return v; };
const looseKey = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
const mixedCase = (s: string) => /\p{Lu}/u.test(s) && /\p{Ll}/u.test(s);
const digest = (s: string) => createHash('md5').update(s).digest('base64');

export interface EngineInput {
  path: string; originalName: string; sheet?: string | null; mapping: Record<string, ImportField>;
  createSites: boolean; dryRun: boolean;
}

/** Everything the import knows between its two reads. */
class Plan {
  readonly errors: ImportError[] = [];
  errorCount = 0;
  rows = 0;
  added = 0; updated = 0; unchanged = 0;
  info!: SheetInfo;
  headings: string[] = [];
  private columns: { col: number; field: ImportField; heading: string }[] = [];
  private notesColumns = 0;
  private mapped = new Set<ImportField>();

  // reference data of the organisation
  private sites = new Map<string, { id: string; name: string; sensitive: boolean }>();
  readonly newSites = new Map<string, string>();
  private networks = new Map<string, { id: string; name: string; kind: string }>();
  private systems = new Map<string, { id: string; name: string }>();
  private makers!: N.ManufacturerNames;

  // the organisation's assets, as slots
  private ids: string[] = [];
  private hashes: string[] = [];
  private kinds: string[] = [];
  private statuses: string[] = [];
  private keys: (string | null)[] = [];
  private serials: (string | null)[] = [];
  private bySerial = new Map<string, number>();
  private byMac = new Map<string, number>();
  private byKey = new Map<string, number>();
  private matchedBy!: Int32Array;

  // identities claimed by rows of the file
  private fileSerial = new Map<string, number>();
  private fileMac = new Map<string, number>();
  private fileKey = new Map<string, number>();

  private normalisations = new Map<string, Normalisation>();

  constructor(readonly ctx: OrgContext, readonly kind: DbKind, readonly input: EngineInput, readonly canCreateSites: boolean) {}

  get existing() { return this.ids.length; }
  get notInFile() { let n = 0; for (let i = 0; i < this.matchedBy.length; i++) if (!this.matchedBy[i]) n++; return n; }

  async load(sheet: OpenedSheet) {
    const { ctx } = this;
    this.info = sheet.info;
    this.headings = sheet.headings;
    const byHeading = new Map(Object.entries(this.input.mapping));
    this.columns = sheet.headings.map((heading, col) => ({ col, heading, field: byHeading.get(heading) ?? 'ignore' })).filter((c) => c.field !== 'ignore' && c.heading !== '');
    this.mapped = new Set(this.columns.map((c) => c.field));
    this.notesColumns = this.columns.filter((c) => c.field === 'notes').length;
    const [sites, networks, systems, labels] = await Promise.all([
      repo.sitesOf(ctx.db, ctx.orgId), repo.networksOf(ctx.db, ctx.orgId), repo.systemsOf(ctx.db, ctx.orgId), repo.manufacturerLabelsOf(ctx.db, ctx.orgId),
    ]);
    for (const s of sites) this.sites.set(N.nameKey(s.name), { id: s.id, name: s.name, sensitive: !!Number(s.sensitive) });
    for (const n of networks) this.networks.set(N.nameKey(n.name), n);
    for (const s of systems) this.systems.set(N.nameKey(s.name), s);
    this.makers = new N.ManufacturerNames(labels);

    const compared = COMPARED.filter((f) => this.mapped.has(f)).map((f) => repo.FIELD_COLUMN[f]!);
    for await (const page of repo.assetPages(ctx.db, ctx.orgId, [...compared, 'kind', 'status'])) {
      for (const a of page) {
        const slot = this.ids.length;
        this.ids.push(a.id!);
        this.hashes.push(digest(compared.map((c) => a[c] ?? '\u0000').join('\u0001')));
        this.kinds.push(intern(a.kind!));
        this.statuses.push(intern(a.status!));
        this.keys.push(a.external_key);
        this.serials.push(a.serial);
        if (a.serial) this.bySerial.set(a.serial, slot);
        // A MAC shared by two assets identifies neither.
        if (a.mac) this.byMac.set(a.mac, this.byMac.has(a.mac) ? -2 : slot);
        if (a.external_key) this.byKey.set(a.external_key, this.byKey.has(a.external_key) ? -2 : slot);
      }
    }
    this.matchedBy = new Int32Array(this.ids.length);
  }

  error(row: number, column: string, reason: string) {
    this.errorCount++;
    if (this.errors.length < ERROR_CAP) this.errors.push({ row, column, reason });
  }

  private noteRewrite(column: string, original: string, value: string) {
    const k = `${column}\u0000${original}`;
    const n = this.normalisations.get(k);
    if (n) n.rows++;
    else if (this.normalisations.size < NORMALISATION_CAP) this.normalisations.set(k, { column, original, value, rows: 1 });
  }

  normalisationSummary(limit = 100): Normalisation[] {
    return [...this.normalisations.values()].sort((a, b) => b.rows - a.rows).slice(0, limit);
  }

  /** One spreadsheet row in the register's terms, or null when a cell cannot be read (the errors are recorded). */
  normalise(raw: RawRow, record: boolean): Row | null {
    const r: Row = {
      row: raw.row, kind: null, manufacturer: null, model: null, serial: null, firmware: null, mac: null, ip: null, siteId: null, siteKey: null,
      networkId: null, systemId: null, installDate: null, warrantyEnd: null, status: null, location: null, notes: null, externalKey: null, originals: null,
    };
    let ok = true;
    const fail = (column: string, reason: string) => { ok = false; if (record) this.error(raw.row, column, reason); };
    if (raw.cellErrors) for (const e of raw.cellErrors) fail(this.headings[e.col] || `column ${e.col + 1}`, e.reason);
    for (const { col, field, heading } of this.columns) {
      const v = raw.cells[col] ?? null;
      if (field === 'installDate' || field === 'warrantyEnd') {
        if (v === null || (typeof v === 'string' && (v.trim() === '' || N.isPlaceholder(v.trim())))) continue;
        const d = N.date(v);
        if ('error' in d) { fail(heading, d.error); continue; }
        r[field] = d.value;
        this.keepOriginal(r, field, heading, cellText(v).trim(), d.value!, record);
        continue;
      }
      const text = N.cleanText(v);
      if (text === '' || (field !== 'notes' && field !== 'location' && N.isPlaceholder(text))) continue;
      const max = MAX_LEN[field];
      if (max && text.length > max) { fail(heading, `The value is ${text.length} characters long; at most ${max} are accepted here`); continue; }
      let value: string | null = text;
      switch (field) {
        case 'kind': case 'status': case 'mac': case 'ip': {
          const n = field === 'kind' ? N.kind(text) : field === 'status' ? N.status(text) : field === 'mac' ? N.mac(text) : N.ip(text);
          if ('error' in n) { fail(heading, n.error); continue; }
          value = n.value;
          break;
        }
        case 'manufacturer': value = this.makers.normalise(text); break;
        case 'site': {
          const key = N.nameKey(text);
          const site = this.sites.get(key);
          if (site) { r.siteId = site.id; r.siteKey = key; continue; }
          if (!this.input.createSites || !this.canCreateSites) {
            fail(heading, this.input.createSites
              ? `There is no site called “${text}” in this organisation, and only a manager or admin can create sites`
              : `There is no site called “${text}” in this organisation (add it first, or allow the import to create new sites)`);
          }
          const name = text.replace(/\s+/g, ' ');
          const prev = this.newSites.get(key);
          // The best-looking spelling names the new site ("Ashford Library" over "ASHFORD LIBRARY").
          if (prev === undefined || (!mixedCase(prev) && mixedCase(name))) this.newSites.set(key, name);
          r.siteKey = key;
          continue;
        }
        case 'network': case 'system': {
          const hit = (field === 'network' ? this.networks : this.systems).get(N.nameKey(text));
          if (!hit) { fail(heading, `There is no ${field} called “${text}” in this organisation (add it first)`); continue; }
          r[field === 'network' ? 'networkId' : 'systemId'] = hit.id;
          continue;
        }
        case 'notes':
          if (this.notesColumns > 1) value = r.notes ? `${r.notes}\n${heading}: ${text}` : `${heading}: ${text}`;
          break;
      }
      (r as any)[field] = value;
      if (KEEP_ORIGINAL.has(field) && value !== null) this.keepOriginal(r, field, heading, cellText(v).trim(), value, record);
    }
    if (r.installDate && r.warrantyEnd && r.warrantyEnd < r.installDate) {
      fail(this.headingOf('warrantyEnd'), `The warranty ends (${r.warrantyEnd}) before the install date (${r.installDate})`);
    }
    return ok ? r : null;
  }

  private headingOf(field: ImportField) { return this.columns.find((c) => c.field === field)?.heading ?? field; }

  private keepOriginal(r: Row, field: ImportField, heading: string, original: string, value: string, record: boolean) {
    // "In service" for in-service is no rewrite worth keeping; "44-19-b6-…" for 44:19:B6:… is.
    if (field === 'kind' || field === 'status' ? looseKey(original) === looseKey(value) : original === value) return;
    (r.originals ??= {})[heading] = original;
    if (record) this.noteRewrite(heading, original, value);
  }

  /**
   * Which existing asset a row describes: by serial, then MAC, then the organisation's key (or Sightline's own id).
   * A weaker match never overrides a stronger identifier: a MAC match with a different serial is another device.
   */
  target(r: Row): Target {
    const agree = (slot: number) => slot >= 0 && (!r.serial || !this.serials[slot] || this.serials[slot] === r.serial);
    if (r.serial) { const s = this.bySerial.get(r.serial); if (s !== undefined) return { slot: s }; }
    if (r.mac) { const s = this.byMac.get(r.mac); if (s !== undefined && agree(s)) return { slot: s }; }
    if (r.externalKey) {
      // The organisation's own key, or Sightline's id (an export of this register brought back in).
      const s = this.byKey.get(r.externalKey) ?? this.slotOfId(r.externalKey);
      if (s !== undefined && agree(s)) return { slot: s };
    }
    return { slot: -1 };
  }

  /** Slots are loaded in id order, so an id is found by bisection (no map of a million ids). */
  private slotOfId(id: string): number | undefined {
    let lo = 0;
    let hi = this.ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.ids[mid];
      if (v === id) return mid;
      if (v < id) lo = mid + 1; else hi = mid - 1;
    }
    return undefined;
  }

  /** First read: a normalised row's identity and what it would do; errors for rows that clash with each other. */
  classify(r: Row): 'added' | 'updated' | 'unchanged' | null {
    const claim = (map: Map<string, number>, value: string | null, column: string, what: string) => {
      if (!value) return true;
      const first = map.get(value);
      if (first !== undefined) { this.error(r.row, this.headingOf(column as ImportField), `${what} ${value} is also on row ${first}; each device can appear once`); return false; }
      map.set(value, r.row);
      return true;
    };
    // Rows must be told apart by their strongest identifier.
    let ok = claim(this.fileSerial, r.serial, 'serial', 'The serial number');
    if (ok && !r.serial) ok = claim(this.fileMac, r.mac, 'mac', 'The MAC address');
    if (ok && !r.serial && !r.mac) ok = claim(this.fileKey, r.externalKey, 'externalKey', 'The asset number');
    if (!ok) return null;
    const t = this.target(r);
    if (t.slot < 0) return 'added';
    const other = this.matchedBy[t.slot];
    if (other) { this.error(r.row, this.headingOf(r.serial ? 'serial' : r.mac ? 'mac' : 'externalKey'), `This row and row ${other} describe the same asset in the register`); return null; }
    this.matchedBy[t.slot] = r.row;
    return this.same(r, t.slot) ? 'unchanged' : 'updated';
  }

  private fileKeyFor(r: Row, slot: number) {
    return r.externalKey === this.ids[slot] ? this.keys[slot] : r.externalKey;
  }

  same(r: Row, slot: number): boolean {
    if ((r.kind ?? this.kinds[slot]) !== this.kinds[slot] || (r.status ?? this.statuses[slot]) !== this.statuses[slot]) return false;
    if (this.mapped.has('externalKey') && this.fileKeyFor(r, slot) !== this.keys[slot]) return false;
    const values = COMPARED.filter((f) => this.mapped.has(f)).map((f) => {
      if (f === 'site') return r.siteId ?? (r.siteKey ? `new:${r.siteKey}` : '\u0000');
      const v = f === 'network' ? r.networkId : f === 'system' ? r.systemId : (r as any)[f];
      return v ?? '\u0000';
    });
    return digest(values.join('\u0001')) === this.hashes[slot];
  }

  // ---- writing --------------------------------------------------------------------------------------------------

  siteIdOf(r: Row): string | null {
    return r.siteId ?? (r.siteKey ? this.sites.get(r.siteKey)?.id ?? null : null);
  }

  async createSites(tx: Tx, now: string) {
    const rows: unknown[][] = [];
    for (const [key, name] of this.newSites) {
      const id = newId();
      this.sites.set(key, { id, name, sensitive: false });
      rows.push([id, this.ctx.orgId, name, name.toLowerCase(), 0, 'other', now, now]);
    }
    await repo.bulkInsert(tx, this.kind, 'sites', ['id', 'org_id', 'name', 'name_key', 'sensitive', 'site_type', 'created_at', 'updated_at'], rows);
    for (const r of rows) {
      await recordAudit(tx, { orgId: this.ctx.orgId, actor: this.ctx.actor, action: 'create', objectType: 'site', objectId: r[0] as string,
        summary: `Added site ${r[2]} (from the spreadsheet ${this.input.originalName})`, after: { name: r[2], siteType: 'other', sensitive: false } });
    }
  }

  private sitesById: Map<string, { id: string; name: string; sensitive: boolean }> | null = null;
  private networksById: Map<string, { id: string; name: string; kind: string }> | null = null;

  siteFor(id: string | null) {
    if (!id) return null;
    this.sitesById ??= new Map([...this.sites.values()].map((s) => [s.id, s]));
    return this.sitesById.get(id) ?? null;
  }

  networkFor(id: string | null) {
    if (!id) return null;
    this.networksById ??= new Map([...this.networks.values()].map((n) => [n.id, n]));
    return this.networksById.get(id) ?? null;
  }

  /** The asset row a new row becomes. */
  newAsset(r: Row, now: string): AssetsTable {
    const a = {
      kind: r.kind ?? 'camera', manufacturer: r.manufacturer, model: r.model, serial: r.serial, firmware: r.firmware, mac: r.mac, ip: r.ip, location: r.location,
    };
    return {
      id: newId(), org_id: this.ctx.orgId, ...a, manufacturer_key: textKey(r.manufacturer), model_key: textKey(r.model),
      network_id: r.networkId, site_id: this.siteIdOf(r), system_id: r.systemId, install_date: r.installDate, warranty_end: r.warrantyEnd,
      status: r.status ?? 'in-service', notes: r.notes, search_text: searchText(a), created_at: now, updated_at: now,
      external_key: r.externalKey, import_original_json: r.originals ? JSON.stringify(r.originals) : null,
    };
  }

  /** An existing asset with the row's mapped fields laid over it. */
  merged(existing: AssetsTable, r: Row, now: string, slot: number): AssetsTable {
    const m = { ...existing };
    const set = (f: ImportField, col: keyof AssetsTable, v: string | null) => { if (this.mapped.has(f)) (m as any)[col] = v; };
    if (r.kind) m.kind = r.kind;
    if (r.status) m.status = r.status;
    set('manufacturer', 'manufacturer', r.manufacturer); set('model', 'model', r.model); set('serial', 'serial', r.serial);
    set('firmware', 'firmware', r.firmware); set('mac', 'mac', r.mac); set('ip', 'ip', r.ip); set('site', 'site_id', this.siteIdOf(r));
    set('network', 'network_id', r.networkId); set('system', 'system_id', r.systemId); set('installDate', 'install_date', r.installDate);
    set('warrantyEnd', 'warranty_end', r.warrantyEnd); set('location', 'location', r.location); set('notes', 'notes', r.notes);
    set('externalKey', 'external_key', this.fileKeyFor(r, slot));
    m.manufacturer_key = textKey(m.manufacturer);
    m.model_key = textKey(m.model);
    m.search_text = searchText(m);
    m.import_original_json = r.originals ? JSON.stringify(r.originals) : existing.import_original_json ?? null;
    m.updated_at = now;
    return m;
  }

  slotOf(r: Row) { return this.target(r).slot; }
  idOf(slot: number) { return this.ids[slot]; }
}

function progressReporter(onProgress?: (p: ImportProgress) => void) {
  return (phase: string, done: number, total: number | null, force = false) => {
    if (onProgress && (force || done % PROGRESS_EVERY === 0)) onProgress({ phase, done, total });
  };
}

/** Gives the event loop a turn now and then, so a long import in the server does not hold up web requests. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

async function firstRead(ctx: OrgContext, kind: DbKind, input: EngineInput, encoding: string | null, report: ReturnType<typeof progressReporter>) {
  const sheet = await openSheet(input.path, { sheet: input.sheet, encoding });
  const plan = new Plan(ctx, kind, input, can(ctx.role, 'estate:write'));
  await plan.load(sheet);
  for await (const raw of sheet.rows) {
    plan.rows++;
    const r = plan.normalise(raw, true);
    if (r) {
      const c = plan.classify(r);
      if (c) plan[c]++;
    }
    report('validating', plan.rows, null);
    if (plan.rows % 10_000 === 0) await breathe();
  }
  report('validated', plan.rows, plan.rows, true);
  return plan;
}

export async function runEngine(ctx: OrgContext, kind: DbKind, input: EngineInput, opts: { onProgress?: (p: ImportProgress) => void; runId?: string | null } = {}): Promise<ImportReport> {
  const started = performance.now();
  const report = progressReporter(opts.onProgress);
  let plan: Plan;
  try {
    plan = await firstRead(ctx, kind, input, null, report);
  } catch (e) {
    // Valid UTF-8 at the start but not further on: the file is Windows-1252 after all.
    if (!isNotUtf8(e)) throw e;
    plan = await firstRead(ctx, kind, input, 'windows-1252', report);
  }
  let findingsOpened = 0;
  const write = !input.dryRun && plan.errorCount === 0 && plan.rows > 0;
  if (write) findingsOpened = await secondRead(plan, report, opts.runId ?? null);
  const seconds = (performance.now() - started) / 1000;
  return {
    runId: opts.runId ?? null, file: input.originalName, format: plan.info.format, encoding: plan.info.encoding, delimiter: plan.info.delimiter,
    sheet: plan.info.sheet, dryRun: input.dryRun, written: write, rows: plan.rows,
    added: plan.added, updated: plan.updated, unchanged: plan.unchanged, notInFile: plan.notInFile,
    sitesCreated: write ? plan.newSites.size : 0, newSites: [...plan.newSites.values()].sort((a, b) => a.localeCompare(b)),
    findingsOpened, errors: plan.errors, errorCount: plan.errorCount, normalised: plan.normalisationSummary(), mapping: input.mapping,
    seconds: Math.round(seconds * 1000) / 1000,
  };
}

/** Second read: everything written in one transaction (a failure or a kill part-way leaves the register as it was). */
async function secondRead(plan: Plan, report: ReturnType<typeof progressReporter>, runId: string | null): Promise<number> {
  const { ctx, kind, input } = plan;
  const rt = catalogueRuntime();
  const compiled = await compiledForOrg(ctx.db, ctx.orgId);
  const sheet = await openSheet(input.path, { sheet: plan.info.sheet, encoding: plan.info.encoding, delimiter: plan.info.delimiter });
  let findingsOpened = 0;
  try {
    await ctx.db.transaction().execute(async (tx) => {
      const now = nowIso();
      // A bigger page cache for this connection while the indexes of a large import are written (64 MiB, not SQLite's 2).
      if (kind === 'sqlite') await sql`pragma cache_size = -65536`.execute(tx);
      await plan.createSites(tx, now);
      let fresh: AssetsTable[] = [];
      let changed: { r: Row; slot: number }[] = [];
      let writing: Promise<void> = Promise.resolve();

      const flushNew = async () => {
        if (!fresh.length) return;
        const assets: unknown[][] = [];
        const verdicts: unknown[][] = [];
        const findings: unknown[][] = [];
        for (const a of fresh) {
          assets.push(repo.ASSET_INSERT_COLUMNS.map((c) => a[c]));
          const v = identify(compiled, evidenceFromAsset(a));
          verdicts.push([a.id, a.org_id, v.origin, v.nilSubject === null ? null : v.nilSubject ? 1 : 0, v.confidence, JSON.stringify(packEvidence(rt.compiled, v.evidence)), JSON.stringify(v.conflicts), v.catalogueVersion, now, v.platform ? JSON.stringify(v.platform) : null]);
          const site = plan.siteFor(a.site_id);
          const network = plan.networkFor(a.network_id);
          const company = v.origin ? rt.companies.get(v.origin) : undefined;
          const input: PolicyInput = {
            assetId: a.id, status: a.status as PolicyInput['status'], site: site ? { id: site.id, name: site.name, sensitive: site.sensitive } : null,
            network: network ? { id: network.id, name: network.name, kind: network.kind as any } : null,
            verdict: v, originName: company?.name ?? null, originFlags: company?.flags ?? [],
          };
          for (const f of evaluatePolicy(input)) {
            findings.push([newId(), a.org_id, a.id, f.rule, f.ruleVersion, f.severity, 'open', JSON.stringify(f.params), v.catalogueVersion, now, now]);
          }
        }
        findingsOpened += findings.length;
        fresh = [];
        // The database stores this batch while the next one is read and evaluated (PostgreSQL works meanwhile).
        await writing;
        writing = (async () => {
          await repo.bulkInsert(tx, kind, 'assets', repo.ASSET_INSERT_COLUMNS, assets);
          await repo.bulkInsert(tx, kind, 'asset_provenance', repo.PROVENANCE_INSERT_COLUMNS, verdicts);
          await repo.bulkInsert(tx, kind, 'findings', repo.FINDING_INSERT_COLUMNS, findings);
        })();
        writing.catch(() => undefined); // awaited by the next flush or at the end
      };

      // Changed assets go through the same evaluation as an edit in the app, each with its own audit record.
      const flushChanged = async () => {
        if (!changed.length) return;
        await writing;
        const existing = new Map((await repo.assetsByIds(tx, ctx.orgId, changed.map((c) => plan.idOf(c.slot)))).map((a) => [a.id, a]));
        for (const { r, slot } of changed) {
          const before = existing.get(plan.idOf(slot));
          if (!before) throw new AppError(409, 'register_changed', 'The register changed while the import was running (an asset was deleted). Nothing was imported; run it again');
          const after = plan.merged(before, r, now, slot);
          await replaceAssetRow(tx, after);
          const result = await evaluateAsset(tx, ctx, after);
          findingsOpened += result.opened;
          await recordAudit(tx, { orgId: ctx.orgId, actor: ctx.actor, action: 'update', objectType: 'asset', objectId: after.id,
            summary: `Changed by the spreadsheet ${input.originalName} (row ${r.row})`, before: toAsset(before), after: toAsset(after) });
        }
        changed = [];
      };

      let seen = 0;
      for await (const raw of sheet.rows) {
        seen++;
        const r = plan.normalise(raw, false);
        if (!r) throw new Error(`row ${raw.row} read differently the second time`);
        const slot = plan.slotOf(r);
        if (slot < 0) {
          fresh.push(plan.newAsset(r, now));
          if (fresh.length >= WRITE_BATCH) await flushNew();
        } else if (!plan.same(r, slot)) {
          changed.push({ r, slot });
          if (changed.length >= 500) await flushChanged();
        } // else: unchanged, nothing to write
        report('writing', seen, plan.rows);
      }
      await flushNew();
      await writing;
      await flushChanged();
      report('writing', seen, plan.rows, true);
      await recordAudit(tx, {
        orgId: ctx.orgId, actor: ctx.actor, action: 'import', objectType: 'import', objectId: runId,
        summary: `Imported ${input.originalName}: ${plan.added} added, ${plan.updated} updated, ${plan.unchanged} unchanged, ${plan.newSites.size} sites created`,
        after: { file: input.originalName, rows: plan.rows, added: plan.added, updated: plan.updated, unchanged: plan.unchanged, notInFile: plan.notInFile, sitesCreated: plan.newSites.size, findingsOpened },
      });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError(409, 'register_changed', 'The register changed while the import was running (another asset now has one of these serial numbers or site names). Nothing was imported; run it again');
    throw e;
  } finally {
    if (kind === 'sqlite') await sql`pragma cache_size = -2000`.execute(ctx.db).catch(() => undefined);
  }
  return findingsOpened;
}
