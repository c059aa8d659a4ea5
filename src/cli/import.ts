import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../platform/config';
import type { OrgContext } from '../platform/context';
import { notFound, ValidationError } from '../platform/errors';
import type { ImportProgress, ImportReport } from '../modules/imports/service';

interface ImportOptions { org: string; sheet?: string; mapping?: string; dryRun?: boolean; createSites?: boolean; json?: boolean }

const PHASES: Record<string, string> = { validating: 'Checking', validated: 'Checked', writing: 'Saving' };

/** A progress bar on a terminal; plain lines (every few seconds) when output goes to a file or a pipe. */
function progressPrinter() {
  if (process.stderr.isTTY) {
    let bar: cliProgress.SingleBar | null = null;
    let phase = '';
    return {
      update(p: ImportProgress) {
        if (p.phase !== phase) {
          bar?.stop();
          phase = p.phase;
          bar = new cliProgress.SingleBar({
            format: p.total ? `${PHASES[p.phase] ?? p.phase} |{bar}| {value}/{total} rows` : `${PHASES[p.phase] ?? p.phase} {value} rows`,
            stream: process.stderr, hideCursor: true,
          }, cliProgress.Presets.shades_classic);
          bar.start(p.total ?? 0, p.done);
        }
        bar?.update(p.done);
      },
      stop() { bar?.stop(); },
    };
  }
  let last = 0;
  let phase = '';
  return {
    update(p: ImportProgress) {
      const t = Date.now();
      if (t - last < 5000 && p.phase === phase) return;
      last = t;
      phase = p.phase;
      process.stderr.write(`${PHASES[p.phase] ?? p.phase}: ${p.done.toLocaleString('en-GB')}${p.total ? ` of ${p.total.toLocaleString('en-GB')}` : ''} rows\n`);
    },
    stop() { /* nothing to close */ },
  };
}

function printReport(r: ImportReport) {
  const n = (x: number) => x.toLocaleString('en-GB');
  const what = r.dryRun ? 'Dry run (nothing written)' : r.written ? 'Imported' : 'Not imported (nothing written)';
  console.log(`${what}: ${r.file} (${r.format.toUpperCase()}${r.encoding ? `, ${r.encoding}` : ''}${r.delimiter ? `, delimiter ${JSON.stringify(r.delimiter)}` : ''}${r.sheet ? `, sheet "${r.sheet}"` : ''})`);
  console.log(`  rows ${n(r.rows)}: ${n(r.added)} ${r.written ? 'added' : 'to add'}, ${n(r.updated)} ${r.written ? 'updated' : 'to update'}, ${n(r.unchanged)} unchanged; ${n(r.notInFile)} in the register but not in the file (left as they are)`);
  if (r.newSites.length) console.log(`  ${r.written ? 'sites created' : 'new sites'}: ${r.newSites.slice(0, 20).join(', ')}${r.newSites.length > 20 ? ` and ${r.newSites.length - 20} more` : ''}`);
  if (r.written) console.log(`  findings opened: ${n(r.findingsOpened)}`);
  if (r.errorCount) {
    console.log(`  ${n(r.errorCount)} error${r.errorCount === 1 ? '' : 's'}${r.errorCount > r.errors.length ? ` (the first ${n(r.errors.length)} listed)` : ''}:`);
    for (const e of r.errors) console.log(`    row ${e.row}, ${e.column}: ${e.reason}`);
  }
}

/** `sightline import <file> --org <slug> [--sheet NAME] [--mapping FILE] [--dry-run] [--create-sites] [--json]` */
export function registerImportCommand(program: Command, fail: (e: unknown) => never): void {
  program.command('import').description('import a CSV or XLSX register of devices into an organisation (all or nothing; runs here, not as a background job)')
    .argument('<file>', 'the spreadsheet (.csv or .xlsx)')
    .requiredOption('--org <slug>', 'organisation slug')
    .option('--sheet <name>', 'the sheet of an XLSX workbook (default: the first)')
    .option('--mapping <file>', 'JSON file of "column heading": "field" (fields: kind, manufacturer, model, serial, firmware, mac, ip, site, network, system, installDate, warrantyEnd, status, location, notes, externalKey, ignore); other columns are matched from their headings')
    .option('--dry-run', 'check every row and report what would change, without writing')
    .option('--create-sites', 'create the sites the file names that do not exist yet (otherwise they are row errors)')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, o: ImportOptions) => {
      // Loaded on use, not at start-up: the importer brings the database, services and ExcelJS.
      const [{ migrate, openDatabase }, { organisationBySlug: findOrgBySlug }, { importSpreadsheet, parseMappingFile }] = await Promise.all([
        import('../platform/db'), import('../modules/organisations/service'), import('../modules/imports/service'),
      ]);
      const database = openDatabase(loadConfig());
      const progress = progressPrinter();
      try {
        await migrate(database);
        const org = await findOrgBySlug(database.db, o.org);
        if (!org) throw notFound(`Organisation "${o.org}"`);
        let mapping: Record<string, string> | undefined;
        if (o.mapping) {
          if (!fs.existsSync(o.mapping)) throw new ValidationError({ mapping: `There is no mapping file at ${o.mapping}` });
          mapping = parseMappingFile(fs.readFileSync(o.mapping, 'utf8'));
        }
        const ctx: OrgContext = { db: database.db, orgId: org.id, orgSlug: org.slug, role: 'admin', actor: { type: 'cli', id: null, label: `cli ${os.userInfo().username}@${os.hostname()} (import)` } };
        const report = await importSpreadsheet(ctx, { path: file, originalName: path.basename(file), sheet: o.sheet, mapping, createSites: !!o.createSites, dryRun: !!o.dryRun },
          { onProgress: (p) => progress.update(p) });
        progress.stop();
        if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else printReport(report);
        await database.close();
        process.exit(report.errorCount ? 1 : 0);
      } catch (e) {
        progress.stop();
        await database.close().catch(() => undefined);
        fail(e);
      }
    });
}
