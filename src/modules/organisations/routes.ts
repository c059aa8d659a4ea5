import type { FastifyInstance } from 'fastify';
import { can } from '../../platform/context';
import { orgPage, type AppDeps } from '../../server/http';
import { estateOverview } from './service-overview';

export function registerOverviewRoutes(app: FastifyInstance, deps: AppDeps) {
  orgPage(app, deps, 'GET', '', 'estate:read', async (_req, _reply, p) => {
    const overview = await estateOverview(p.ctx);
    return p.render('organisations/views/overview.njk', { title: p.org.name, overview, canAudit: can(p.ctx.role, 'audit:read') });
  });
}
