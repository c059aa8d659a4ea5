import type { FastifyInstance } from 'fastify';
import { can } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { orgPage, type AppDeps } from '../../web/http';
import { estateOverview, onboardingTasks, whatNeedsDoing } from './service-overview';
import { assessOrganisation, lastAssessment, originCounts, siteRisk, staleVerdicts } from '../provenance/service';
import { barChartSvg } from '../../web/charts';
import { SEVERITY_TAGS } from '../findings/routes';
import { SEVERITY_ORDER } from '../../domain/policy';

/** Above this many assets an assessment runs from the command line (`sightline assess`), not inside a page request. */
const IN_PAGE_ASSESS_LIMIT = 5000;

export function registerOverviewRoutes(app: FastifyInstance, deps: AppDeps) {
  orgPage(app, deps, 'POST', '/assess', 'assets:write', async (_req, _reply, p) => {
    const n = (await estateOverview(p.ctx)).assets;
    if (n > IN_PAGE_ASSESS_LIMIT) throw new AppError(409, 'too_large', `This estate has ${n.toLocaleString('en-GB')} assets: run "sightline assess --org ${p.org.slug}" on the server, which shows its progress.`);
    const r = await assessOrganisation(p.ctx);
    return p.redirect(p.base, `Assessment complete: ${r.changes.evaluated} devices evaluated, ${r.changes.findingsOpened} findings opened, ${r.changes.findingsResolved} resolved`);
  });

  orgPage(app, deps, 'GET', '', 'estate:read', async (_req, _reply, p) => {
    const [overview, origins, last, stale, sites, now, onboarding] = await Promise.all([estateOverview(p.ctx), originCounts(p.ctx), lastAssessment(p.ctx), staleVerdicts(p.ctx), siteRisk(p.ctx),
      whatNeedsDoing(p.ctx, { canAdminister: can(p.ctx.role, 'org:admin') }), onboardingTasks(p.ctx)]);
    // Open findings only: an accepted risk is a decision already taken, counted apart.
    const open = (sev: string) => now.open[sev] ?? 0;
    return p.render('organisations/views/overview.njk', {
      title: p.org.name, overview, origins, sites, now, onboarding, canAudit: can(p.ctx.role, 'audit:read'), tags: SEVERITY_TAGS, last, stale,
      canAssess: can(p.ctx.role, 'assets:write') && overview.assets <= IN_PAGE_ASSESS_LIMIT, assessLimit: IN_PAGE_ASSESS_LIMIT,
      severities: SEVERITY_ORDER.map((s) => ({ severity: s, n: open(s), accepted: now.accepted[s] ?? 0 })),
      severityChart: barChartSvg(SEVERITY_ORDER.map((sev) => ({ label: sev, value: open(sev), highlight: sev === 'critical' })), 'Bar chart of open findings by severity; the table below gives the figures, with accepted risks apart.', { width: 360 }),
      originChart: barChartSvg(origins.map((o) => ({ label: o.name, value: o.n, highlight: o.nilSubject === true })), `Bar chart of devices by real producer; the table below gives the figures.`),
      nil: origins.filter((o) => o.nilSubject === true).reduce((n, o) => n + o.n, 0),
      unknown: origins.filter((o) => o.nilSubject === null).reduce((n, o) => n + o.n, 0),
    });
  });
}
