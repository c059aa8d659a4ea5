import type { Command } from 'commander';
import { loadConfig } from '../platform/config';
import type { OrgContext } from '../platform/context';
import { AppError, notFound } from '../platform/errors';
import { renderFinding } from '../domain/policy';
import os from 'node:os';

/** `sightline assess --org <slug> [--json]`: re-evaluates every asset's provenance and findings, then reports. */
export function registerAssessCommand(program: Command, fail: (e: unknown) => never) {
  program.command('assess').description('re-evaluate provenance and policy findings for every asset of an organisation')
    .requiredOption('--org <slug>', 'organisation slug').option('--json', 'print the summary and findings as JSON')
    .action(async (o: { org: string; json?: boolean }) => {
      // Loaded on use, not at start-up: every other command would pay for the database and services.
      const [{ migrate, openDatabase }, { organisationBySlug: findOrgBySlug }, { assessOrganisation, estateSize }, { unresolvedFindings }] = await Promise.all([
        import('../platform/db'), import('../modules/organisations/service'), import('../modules/provenance/service'), import('../modules/findings/service'),
      ]);
      const database = openDatabase(loadConfig());
      try {
        await migrate(database);
        const org = await findOrgBySlug(database.db, o.org);
        if (!org) throw notFound(`Organisation "${o.org}"`);
        const ctx: OrgContext = { db: database.db, orgId: org.id, orgSlug: org.slug, role: 'admin', actor: { type: 'cli', id: null, label: `cli ${os.userInfo().username}@${os.hostname()} (assess)` } };
        const total = await estateSize(ctx);
        const tty = process.stderr.isTTY;
        const started = Date.now();
        const summary = await assessOrganisation(ctx, {
          onProgress: (done) => {
            const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
            if (tty) process.stderr.write(`\rAssessed ${done.toLocaleString('en-GB')} of ${total.toLocaleString('en-GB')} assets (${rate.toLocaleString('en-GB')}/s)   `);
          },
        });
        if (tty) process.stderr.write('\n');
        if (o.json) {
          const rows = await unresolvedFindings(ctx);
          process.stdout.write(JSON.stringify({
            summary: { assets: summary.assets, nilSubject: summary.nilSubject, unknown: summary.unknown, bySeverity: summary.bySeverity, catalogueVersion: summary.catalogueVersion },
            findings: rows.map((r) => ({ assetId: r.assetId, rule: r.rule, severity: r.severity, status: r.status, action: r.action, citation: r.citation })),
            changes: summary.changes,
          }, null, 2) + '\n');
        } else {
          const s = summary;
          console.log(`${org.name}: ${s.assets} assets in service or awaiting replacement (catalogue ${s.catalogueVersion})`);
          console.log(`  produced by companies subject to PRC National Intelligence Law: ${s.nilSubject}`);
          console.log(`  not subject: ${s.notSubject}   provenance unknown: ${s.unknown}`);
          console.log(`  open or accepted findings: critical ${s.bySeverity.critical}, high ${s.bySeverity.high}, medium ${s.bySeverity.medium}, low ${s.bySeverity.low}, info ${s.bySeverity.info}`);
          const c = s.changes;
          console.log(`  since the last assessment${c.previousCatalogueVersion ? ` (catalogue ${c.previousCatalogueVersion})` : ''}: ${c.originChanged} changed origin, ${c.findingsOpened} findings opened, ${c.findingsResolved} resolved`);
        }
      } catch (e) {
        if (e instanceof AppError) fail(e);
        throw e;
      } finally {
        await database.close();
      }
    });
}
