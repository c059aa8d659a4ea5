import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../platform/config';
import type { OrgContext } from '../platform/context';
import { AppError, notFound, ValidationError } from '../platform/errors';

// Each kind loads what it renders with (views, PDF and XLSX writers) when it runs, not at CLI start-up.

/** The options every report kind may read; each kind says which it needs. */
interface ReportOptions { org: string; kind: string; format: string; out: string; system?: string; version?: string }

/** One kind of report: the formats it can produce and how to make it for an organisation. */
interface ReportKind {
  description: string;
  formats: string[];
  make(ctx: OrgContext, orgName: string, o: ReportOptions): Promise<Buffer>;
}

const KINDS: Record<string, ReportKind> = {
  'self-assessment': {
    description: 'a system’s Surveillance Camera Code self-assessment, showing only what the organisation chose to publish (needs --system; --version defaults to the latest completed)',
    formats: ['pdf', 'html'],
    async make(ctx, _orgName, o) {
      if (!o.system) throw new ValidationError({ system: 'Give the system id with --system' });
      const version = o.version === undefined ? undefined : Number(o.version);
      if (version !== undefined && (!Number.isInteger(version) || version < 1)) throw new ValidationError({ version: 'Version must be a whole number, 1 or more' });
      const [{ publishedView }, { publicHtml, publicPdf }, { createViews }] = await Promise.all([
        import('../modules/compliance/service'), import('../modules/compliance/publish'), import('../web/views'),
      ]);
      const { view } = await publishedView(ctx, o.system, version);
      return o.format === 'pdf' ? publicPdf(view) : Buffer.from(publicHtml(createViews(), view, { standalone: true }), 'utf8');
    },
  },
  'estate-risk': {
    description: 'the estate risk report for a senior risk owner',
    formats: ['pdf', 'xlsx'],
    async make(ctx, orgName, o) {
      const { riskReportData, riskReportPdf, riskReportXlsx } = await import('../modules/reports/risk-report');
      const data = await riskReportData(ctx, orgName);
      return o.format === 'pdf' ? riskReportPdf(data) : riskReportXlsx(data);
    },
  },
};

/** `sightline report --org <slug> --kind <kind> --format <format> --out FILE`; a new kind is one more entry in KINDS. */
export function registerReportCommand(program: Command, fail: (e: unknown) => never): void {
  program.command('report').description(`write a report to a file. Kinds:\n${Object.entries(KINDS).map(([k, v]) => `  ${k} (${v.formats.join(', ')}): ${v.description}`).join('\n')}`)
    .requiredOption('--org <slug>', 'organisation slug')
    .requiredOption('--kind <kind>', Object.keys(KINDS).join(' | '))
    .requiredOption('--format <format>', 'file format the kind offers, e.g. pdf or html')
    .requiredOption('--out <file>', 'where to write it ("-" for standard output)')
    .option('--system <id>', 'system id (self-assessment)')
    .option('--version <n>', 'completed version number (self-assessment)')
    .action(async (o: ReportOptions) => {
      const kind = KINDS[o.kind];
      try {
        if (!kind) throw new ValidationError({ kind: `Unknown kind "${o.kind}"; choose ${Object.keys(KINDS).join(' or ')}` });
        if (!kind.formats.includes(o.format)) throw new ValidationError({ format: `${o.kind} comes as ${kind.formats.join(' or ')}` });
      } catch (e) { fail(e); }
      const [{ migrate, openDatabase }, { organisationBySlug: findOrgBySlug }] = await Promise.all([import('../platform/db'), import('../modules/organisations/service')]);
      const database = openDatabase(loadConfig());
      try {
        await migrate(database);
        const org = await findOrgBySlug(database.db, o.org);
        if (!org) throw notFound(`Organisation "${o.org}"`);
        const ctx: OrgContext = { db: database.db, orgId: org.id, orgSlug: org.slug, role: 'viewer', actor: { type: 'cli', id: null, label: `cli ${os.userInfo().username}@${os.hostname()} (report)` } };
        const bytes = await kind.make(ctx, org.name, o);
        if (o.out === '-') process.stdout.write(bytes);
        else { fs.writeFileSync(o.out, bytes); console.error(`Wrote ${o.kind} (${o.format}, ${bytes.length.toLocaleString('en-GB')} bytes) to ${o.out}`); }
      } catch (e) {
        if (e instanceof AppError) fail(e);
        throw e;
      } finally {
        await database.close();
      }
    });
}
