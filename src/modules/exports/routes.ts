import type { FastifyInstance, FastifyReply } from 'fastify';
import type { OrgContext } from '../../platform/context';
import { apiRoute, orgPage, type AppDeps } from '../../web/http';
import { EXPORT_FORMATS, EXPORT_KINDS, EXPORT_TITLES, exportQueries, type ExportFormat, type ExportKind } from './schemas';
import { exportFile } from './service';

/** Streams an export as a download; Fastify pipes the stream, so a slow client slows the database reads. */
export function sendExport(reply: FastifyReply, ctx: OrgContext, what: ExportKind, format: ExportFormat, query: unknown) {
  const file = exportFile(ctx, what, format, query);
  return reply.type(file.contentType)
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(file.body);
}

/**
 * Filters from a page's query string: GET forms send empty fields (an empty filter means "any"), and links made
 * from a list page may carry its paging, which an export (always every matching row) ignores.
 */
const setFilters = (query: unknown) => Object.fromEntries(Object.entries((query ?? {}) as Record<string, unknown>)
  .filter(([k, v]) => typeof v === 'string' && v !== '' && k !== 'cursor' && k !== 'limit'));

/** `/exports/<what>.<format>` as pages (session) and as API operations (token), e.g. /exports/assets.xlsx. */
export function registerExportsRoutes(app: FastifyInstance, deps: AppDeps): void {
  for (const what of EXPORT_KINDS) {
    for (const format of EXPORT_FORMATS) {
      const path = `/exports/${what}.${format}`;
      apiRoute(app, deps, 'GET', path, {
        summary: `Export the ${EXPORT_TITLES[what]} as ${format.toUpperCase()} (same filters as the list)`, tag: 'Exports', query: exportQueries[what],
        description: format === 'json' ? 'A JSON array of the same objects the list returns, streamed.' : 'Cells starting with = + - @, tab or carriage return are prefixed with an apostrophe so spreadsheets do not run them.',
      }, async (req, ctx, reply) => sendExport(reply, ctx, what, format, req.query));
      orgPage(app, deps, 'GET', path, 'estate:read', async (req, reply, p) => sendExport(reply, p.ctx, what, format, setFilters(req.query)));
    }
  }
}
