import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Option, type Command } from 'commander';
import { loadConfig } from '../platform/config';
import type { OrgContext } from '../platform/context';
import { AppError, notFound, ValidationError } from '../platform/errors';
import { UUID_RE } from '../platform/ids';
// The exports' schemas only: their writers load ExcelJS, which the help and every other command need not pay for.
import { EXPORT_FORMATS, EXPORT_KINDS, type ExportFormat, type ExportKind } from '../modules/exports/schemas';

interface ExportOptions {
  org: string; what: ExportKind; format: ExportFormat; out?: string;
  site?: string; network?: string; system?: string; status?: string; kind?: string; manufacturer?: string; q?: string;
  severity?: string; rule?: string; budget?: string;
}

/** Resolves a site, network or system given by name (case-insensitive) or id to its id in this organisation. */
async function idByName(ctx: OrgContext, table: 'sites' | 'networks' | 'systems', given: string, option: string): Promise<string> {
  const [sites, networks, systems] = await Promise.all([import('../modules/sites/service'), import('../modules/networks/service'), import('../modules/systems/service')]);
  const byId = { sites: sites.getSite, networks: networks.getNetwork, systems: systems.getSystem }[table];
  const byName = { sites: sites.siteIdNamed, networks: networks.networkIdNamed, systems: systems.systemIdNamed }[table];
  const id = UUID_RE.test(given)
    ? await byId(ctx, given).then((r) => r.id, (e) => { if (e instanceof AppError && e.status === 404) return null; throw e; })
    : await byName(ctx, given);
  if (!id) throw new ValidationError({ [option]: `No ${table.slice(0, -1)} called "${given}" in ${ctx.orgSlug}` });
  return id;
}

/** The filters the CLI options name, in the shape of the export's query (the service validates them). */
async function filtersFor(ctx: OrgContext, o: ExportOptions): Promise<Record<string, unknown>> {
  const f: Record<string, unknown> = {};
  const allowed: Record<ExportKind, (keyof ExportOptions)[]> = {
    assets: ['site', 'network', 'system', 'status', 'kind', 'manufacturer', 'q'],
    findings: ['site', 'status', 'severity', 'rule'],
    plan: ['budget'],
  };
  for (const k of ['site', 'network', 'system', 'status', 'kind', 'manufacturer', 'q', 'severity', 'rule', 'budget'] as const) {
    if (o[k] === undefined) continue;
    if (!allowed[o.what].includes(k)) throw new ValidationError({ [k]: `--${k} does not apply to --what ${o.what} (it takes ${allowed[o.what].map((x) => `--${x}`).join(', ')})` });
    f[k] = k === 'site' || k === 'network' || k === 'system' ? await idByName(ctx, `${k}s`, o[k]!, k) : o[k];
  }
  return f;
}

/** `sightline export --org SLUG --what assets|findings|plan --format csv|xlsx|json [--out FILE] [filters]` */
export function registerExportCommand(program: Command, fail: (e: unknown) => never): void {
  program.command('export').description('export the asset register, findings or remediation plan as CSV, XLSX or JSON (to stdout unless --out)')
    .requiredOption('--org <slug>', 'organisation slug')
    .addOption(new Option('--what <what>', 'what to export').choices([...EXPORT_KINDS]).default('assets'))
    .addOption(new Option('--format <format>', 'file format').choices([...EXPORT_FORMATS]).default('csv'))
    .option('--out <file>', 'write to this file (written to a temporary name, then renamed when complete)')
    .option('--site <name-or-id>', 'assets or findings at this site').option('--network <name-or-id>', 'assets on this network')
    .option('--system <name-or-id>', 'assets in this system').option('--status <status>', 'asset status (in-service, faulty, removed, replacement-planned) or finding status (open, accepted, resolved)')
    .option('--kind <kind>', 'asset kind').option('--manufacturer <label>', 'labelled manufacturer (case-insensitive)')
    .option('--q <text>', 'assets whose text contains this').option('--severity <severity>', 'findings of this severity')
    .option('--rule <rule>', 'findings of this rule').option('--budget <pounds>', 'plan: mark which replacements this budget covers')
    .action(async (o: ExportOptions) => {
      const [{ migrate, openDatabase }, { organisationBySlug: findOrgBySlug }, { exportFile }] = await Promise.all([
        import('../platform/db'), import('../modules/organisations/service'), import('../modules/exports/service'),
      ]);
      const database = openDatabase(loadConfig());
      const tmp = o.out ? path.join(path.dirname(path.resolve(o.out)), `.${path.basename(o.out)}.${process.pid}.part`) : null;
      try {
        await migrate(database);
        const org = await findOrgBySlug(database.db, o.org);
        if (!org) throw notFound(`Organisation "${o.org}"`);
        const ctx: OrgContext = { db: database.db, orgId: org.id, orgSlug: org.slug, role: 'viewer', actor: { type: 'cli', id: null, label: `cli ${os.userInfo().username}@${os.hostname()} (export)` } };
        const file = exportFile(ctx, o.what, o.format, await filtersFor(ctx, o));
        // A file appears under its name only when complete, so a failed export never leaves half a register behind.
        await pipeline(file.body, tmp ? fs.createWriteStream(tmp) : process.stdout);
        if (tmp) {
          fs.renameSync(tmp, o.out!);
          console.error(`Wrote ${o.what} as ${o.format.toUpperCase()} to ${o.out}`);
        }
      } catch (e) {
        if (tmp) fs.rmSync(tmp, { force: true });
        fail(e);
      } finally {
        await database.close();
      }
    });
}
