import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import { AppError } from '../platform/errors';
import { buildStylesheet, createViews, GOVUK_DIST } from '../web/views';
import { loadSession } from '../web/auth';
import { sendError, type AppDeps } from '../web/http';
import { registerAccountRoutes } from '../modules/users/routes';
import { createDirectory } from '../modules/users/directory';
import { registerSiteRoutes } from '../modules/sites/routes';
import { registerNetworkRoutes } from '../modules/networks/routes';
import { registerSystemRoutes } from '../modules/systems/routes';
import { registerAssetRoutes } from '../modules/assets/routes';
import { registerAuditRoutes } from '../modules/audit/routes';
import { registerOverviewRoutes } from '../modules/organisations/routes';
import { registerFindingRoutes } from '../modules/findings/routes';
import { registerPlanRoutes } from '../modules/plan/routes';
import { registerCatalogueRoutes } from '../modules/catalogue/routes';
import { registerReportRoutes } from '../modules/reports/routes';
import { registerDocsRoutes } from '../web/docs';
import { registerImportsRoutes } from '../modules/imports/routes';
import { registerDocumentsRoutes } from '../modules/documents/routes';
import { registerDiscoveryRoutes } from '../modules/discovery/routes';
import { registerComplianceRoutes } from '../modules/compliance/routes';
import { registerDpiaRoutes } from '../modules/dpia/routes';
import { registerMaintenanceRoutes } from '../modules/maintenance/routes';
import { registerRemindersRoutes } from '../modules/reminders/routes';
import { registerExportsRoutes } from '../modules/exports/routes';
import type { Database } from '../platform/db';
import type { JobQueue } from '../platform/jobs';
import { openJobQueue } from '../platform/pgboss-queue';
import { registerJobHandlers } from './worker';
import { createStorage, type BlobStorage } from '../platform/storage';
import { createMailer, type Mailer } from '../platform/mail';
import type { Config } from '../platform/config';

export const BODY_LIMIT = 1024 * 1024;

/** The name (dotted path) of the first string field holding a NUL character, '' for the value itself, or null. */
function nulField(value: unknown, at = '', depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? at : null;
  if (value === null || typeof value !== 'object' || depth > 20) return null;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return (at ? `${at}.` : '') + k.replace(/\u0000/g, '\\0');
    const found = nulField(v, at ? `${at}.${k}` : k, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** URLs whose path holds a credential (calendar feeds, published self-assessments): the log keeps their shape only. */
export function redactSecretUrl(url: string): string {
  return url.replace(/^\/(calendar|p\/self-assessment)\/[^/?#]+/, (_m, kind: string) => `/${kind}/[redacted]`);
}

export interface AppOptions {
  logger?: boolean;
  /** Where the request log goes (default stdout); tests read it. */
  logStream?: NodeJS.WritableStream;
  /** Poll for background jobs (serve); tests leave it off and call deps.jobs.drain(). */
  startJobs?: boolean;
  jobs?: JobQueue;
  storage?: BlobStorage;
  mailer?: Mailer;
}

declare module 'fastify' {
  interface FastifyInstance { deps: AppDeps }
}

export async function createApp(database: Database, config: Config, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger || opts.logStream ? {
      level: config.logLevel, ...(opts.logStream ? { stream: opts.logStream } : {}),
      serializers: { req: (req) => ({ method: req.method, url: redactSecretUrl(req.url), remoteAddress: req.ip }) },
    } : false,
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy,
    // Fastify's own schema errors are not used: every input is validated by zod in the services.
    ajv: { customOptions: { removeAdditional: false } },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  const jobs = opts.jobs ?? openJobQueue(database, config, (err, job) => app.log.error({ err, job: job?.id, name: job?.name }, 'job failed'));
  const deps: AppDeps = {
    db: database.db, dbKind: database.kind, config, views: createViews(),
    jobs, storage: opts.storage ?? createStorage(config), mailer: opts.mailer ?? createMailer(config),
    directory: createDirectory(database.db),
  };
  app.decorate('deps', deps);
  // The same job handlers the worker entry registers (src/server/worker.ts); polling starts once the app is ready.
  registerJobHandlers(deps);
  if (opts.startJobs) app.addHook('onReady', async () => jobs.start());
  app.addHook('onClose', async () => { await jobs.stop(); await deps.mailer.close(); });

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  await app.register(helmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'style-src': ["'self'"], 'img-src': ["'self'", 'data:'], 'form-action': ["'self'"] } },
    hsts: config.secureCookies === true,
  });
  await app.register(rateLimit, { global: false });
  app.addHook('onSend', async (req, reply) => {
    // helmet sends HSTS only when cookies are always Secure; 'auto' sends it on answers that came over HTTPS.
    if (config.secureCookies === 'auto' && req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    // API answers hold a tenant's data: no shared or browser cache keeps them (downloads set their own).
    if (req.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  // PostgreSQL text cannot hold a NUL character (it answered 500 on 21 read endpoints and the writes), and no
  // person types one: every field of the path, query and body is checked once, here, before any handler runs.
  // Uploaded files are not fields (the multipart readers hold them apart), so binary files are unaffected.
  app.addHook('preHandler', async (req) => {
    for (const [where, value] of [['path', req.params], ['query', req.query], ['body', req.body]] as const) {
      const field = nulField(value);
      if (field !== null) throw new AppError(400, 'nul_character', `The ${where} field "${field || where}" contains a NUL character (\\u0000), which text cannot hold`, { [field || where]: 'Remove the NUL character' });
    }
  });

  app.decorateRequest('session', null);
  app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/assets/') || req.url.startsWith('/static/') || req.url.startsWith('/api/')) return;
    req.session = await loadSession(deps.db, deps.directory, req);
  });

  // Static files: GOV.UK Frontend's images and script, and the stylesheet with Sightline's branding.
  await app.register(fastifyStatic, { root: path.join(GOVUK_DIST, 'govuk/assets'), prefix: '/assets/', decorateReply: false, index: false });
  const stylesheet = buildStylesheet();
  const frontendJs = fs.readFileSync(path.join(GOVUK_DIST, 'govuk/govuk-frontend.min.js'));
  const initJs = fs.readFileSync(new URL('../web/views/init.mjs', import.meta.url));
  app.get('/static/sightline.css', (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(stylesheet));
  app.get('/static/govuk-frontend.min.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(frontendJs));
  app.get('/static/init.mjs', (_req, reply) => reply.type('text/javascript; charset=utf-8').send(initJs));

  app.get('/healthz', async (_req, reply) => {
    try {
      await deps.db.selectFrom('organisations').select('id').limit(1).execute();
      return { status: 'ok', db: deps.dbKind };
    } catch {
      return reply.code(503).send({ status: 'unavailable', db: deps.dbKind });
    }
  });

  registerAccountRoutes(app, deps);
  registerOverviewRoutes(app, deps);
  registerSiteRoutes(app, deps);
  registerNetworkRoutes(app, deps);
  registerSystemRoutes(app, deps);
  registerAssetRoutes(app, deps);
  registerFindingRoutes(app, deps);
  registerPlanRoutes(app, deps);
  registerCatalogueRoutes(app, deps);
  registerReportRoutes(app, deps);
  registerImportsRoutes(app, deps);
  registerExportsRoutes(app, deps);
  registerDiscoveryRoutes(app, deps);
  registerDocumentsRoutes(app, deps);
  registerComplianceRoutes(app, deps);
  registerDpiaRoutes(app, deps);
  registerMaintenanceRoutes(app, deps);
  registerRemindersRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerDocsRoutes(app, deps);

  app.setNotFoundHandler((req, reply) => sendError(req, reply, deps, new AppError(404, 'not_found', req.url.startsWith('/api/') ? `No API route ${req.method} ${req.url.split('?')[0]}` : 'If you typed the web address, check it is correct.')));

  app.setErrorHandler((err: any, req, reply) => {
    if (err instanceof AppError) return sendError(req, reply, deps, err);
    // Fastify's own request errors, reworded for people.
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(req, reply, deps, new AppError(413, 'body_too_large', `The request body is larger than the ${(req.routeOptions?.bodyLimit ?? BODY_LIMIT) / 1024} KiB limit`));
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(req, reply, deps, new AppError(415, 'unsupported_media_type', 'Send JSON with Content-Type: application/json'));
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return sendError(req, reply, deps, new AppError(400, 'malformed_json', 'The request body is empty; send a JSON object'));
    if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return sendError(req, reply, deps, new AppError(400, 'malformed_json', 'The request body is not valid JSON'));
    if (err.statusCode === 429) return sendError(req, reply, deps, new AppError(429, 'rate_limited', 'Too many attempts. Wait a minute and try again.'));
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return sendError(req, reply, deps, new AppError(err.statusCode, 'bad_request', err.message));
    req.log.error(err);
    return sendError(req, reply, deps, new AppError(500, 'internal', 'Sorry, there is a problem with the service. Try again later.'));
  });

  return app;
}
