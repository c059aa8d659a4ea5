import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../../platform/errors';
import { apiRoute, orgPage, type AppDeps } from '../../web/http';
import { text } from '../../web/forms';
import { objectTrail, organisationTrail } from './service';

// Every area records its own kinds of object; the API filter takes any such name, the page offers the usual ones.
const PAGE_TYPES = ['site', 'network', 'system', 'asset', 'finding', 'import', 'document', 'assessment', 'dpia', 'sign', 'disclosure',
  'maintenance-schedule', 'maintenance-visit', 'discovery-run', 'discovery-range', 'discovery-credential', 'discovery-schedule',
  'replacement-costs', 'organisation-profile', 'catalogue-override', 'api-token', 'membership', 'organisation', 'reminder'];
const objectTypeSchema = z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'A kind of object, such as site, asset or document');
const query = z.object({
  objectType: objectTypeSchema.optional().describe('Only events about this kind of object (e.g. site, asset, finding, document, dpia)'),
  objectId: z.string().max(64).optional().describe('Only events about this object'),
  before: z.string().max(64).optional().describe('The `next` value of the previous page'),
}).strict();
const eventOut = z.object({
  id: z.string(), at: z.string(), actor: z.object({ type: z.string(), id: z.string().nullable(), label: z.string() }),
  action: z.string(), objectType: z.string(), objectId: z.string().nullable(), summary: z.string(), before: z.unknown(), after: z.unknown(),
});

export function registerAuditRoutes(app: FastifyInstance, deps: AppDeps) {
  apiRoute(app, deps, 'GET', '/audit', { summary: 'Read the organisation’s audit trail, newest first', tag: 'Audit', query, permission: 'audit:read', response: z.object({ events: z.array(eventOut), next: z.string().nullable() }) },
    async (req, ctx) => {
      const q = parseInput(query, req.query);
      const page = q.objectId && q.objectType ? await objectTrail(ctx, q.objectType, q.objectId, q.before) : await organisationTrail(ctx, { objectType: q.objectType, before: q.before });
      return { events: page.events.map(({ changes: _c, ...e }) => e), next: page.next };
    });

  orgPage(app, deps, 'GET', '/audit', 'audit:read', async (req, _reply, p) => {
    const type = text(req.query.type) ?? undefined;
    const types = PAGE_TYPES;
    const objectType = type && types.includes(type) ? type : undefined;
    const page = await organisationTrail(p.ctx, { objectType, before: text(req.query.before) ?? undefined });
    return p.render('audit/views/list.njk', { title: 'Audit trail', events: page.events, next: page.next, objectType, types });
  });
}
