import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../../platform/errors';
import { apiRoute, orgPage, type AppDeps } from '../../server/http';
import { text } from '../../server/forms';
import { objectTrail, organisationTrail } from './service';

const OBJECT_TYPES = ['site', 'network', 'system', 'asset', 'finding', 'replacement-costs', 'organisation-profile', 'catalogue-override', 'api-token', 'membership', 'organisation'] as const;
const query = z.object({
  objectType: z.enum(OBJECT_TYPES).optional().describe('Only events about this kind of object'),
  objectId: z.string().max(64).optional().describe('Only events about this object'),
  before: z.string().max(64).optional().describe('The `next` value of the previous page'),
}).strict();
const eventOut = z.object({
  id: z.string(), at: z.string(), actor: z.object({ type: z.string(), id: z.string().nullable(), label: z.string() }),
  action: z.string(), objectType: z.string(), objectId: z.string().nullable(), summary: z.string(), before: z.unknown(), after: z.unknown(),
});

export function registerAuditRoutes(app: FastifyInstance, deps: AppDeps) {
  apiRoute(app, deps, 'GET', '/audit', { summary: 'Read the organisation’s audit trail, newest first', tag: 'Audit', query, permission: 'admin', response: z.object({ events: z.array(eventOut), next: z.string().nullable() }) },
    async (req, ctx) => {
      const q = parseInput(query, req.query);
      const page = q.objectId && q.objectType ? await objectTrail(ctx, q.objectType, q.objectId, q.before) : await organisationTrail(ctx, { objectType: q.objectType, before: q.before });
      return { events: page.events.map(({ changes: _c, ...e }) => e), next: page.next };
    });

  orgPage(app, deps, 'GET', '/audit', 'audit:read', async (req, _reply, p) => {
    const type = text((req.query as any).type) ?? undefined;
    const objectType = OBJECT_TYPES.includes(type as any) ? type : undefined;
    const page = await organisationTrail(p.ctx, { objectType, before: text((req.query as any).before) ?? undefined });
    return p.render('audit/views/list.njk', { title: 'Audit trail', events: page.events, next: page.next, objectType, types: OBJECT_TYPES });
  });
}
