import type { JobQueue } from '../platform/jobs';
import type { BlobStorage } from '../platform/storage';
import type { Mailer } from '../platform/mail';
import type { JobDeps } from '../platform/job-deps';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type nunjucks from 'nunjucks';
import type { Config, DbKind } from '../platform/config';
import { can, requirePermission, type OrgContext, type Permission } from '../platform/context';
import { AppError, ValidationError } from '../platform/errors';
import type { DB } from '../platform/schema';
import { checkCsrf, cookieOptions, orgContextForSession, orgContextForToken, type Directory, type PageOrg } from './auth';
import { registerOperation, type OperationDoc } from './openapi';

export interface AppDeps extends JobDeps {
  db: Kysely<DB>; dbKind: DbKind; config: Config; views: nunjucks.Environment;
  /** Background jobs (imports, scheduled discovery, reminders). */
  jobs: JobQueue;
  /** Uploaded files (documents, photos). */
  storage: BlobStorage;
  mailer: Mailer;
  /** Sessions, tokens, memberships: the users module's, reached through the kit's own port. */
  directory: Directory;
}

export interface PageCtx {
  ctx: OrgContext;
  org: PageOrg;
  base: string;
  render(template: string, data?: Record<string, unknown>, status?: number): FastifyReply;
  redirect(path: string, flash?: string): FastifyReply;
}

/** The `:name` segments of a route path ("/sites/:id/edit" -> "id"). */
type ParamNames<P extends string> = P extends `${string}:${infer N}/${infer R}` ? N | ParamNames<R> : P extends `${string}:${infer N}` ? N : never;
/** Path parameters typed from the path a route registers; a path built at run time gets a string map. */
export type PathParams<P extends string> = string extends P ? Record<string, string> : { [K in ParamNames<P>]: string };
/**
 * The request a route handler receives: params typed from its path, query values and the form or JSON body
 * as parsed (untrusted: still read through forms.ts or a zod schema).
 */
export type RouteRequest<P extends string = string> = FastifyRequest<{
  Params: PathParams<P>; Querystring: Record<string, unknown>; Body: Record<string, unknown> | undefined;
}>;

const FLASH_COOKIE = 'sl_flash';
type Method = 'GET' | 'POST';

/**
 * The header's sections, grouped so every area is one click from any page; the longest matching address is the
 * current one (so /compliance/dpias is DPIAs, not Self-assessment), and Overview is only the organisation's home.
 */
function navFor(org: PageOrg, path: string) {
  const base = `/o/${org.slug}`;
  const groups: { title: string; items: { href: string; text: string }[] }[] = [
    { title: 'Estate', items: [
      { href: base, text: 'Overview' }, { href: `${base}/sites`, text: 'Sites' }, { href: `${base}/networks`, text: 'Networks' },
      { href: `${base}/systems`, text: 'Systems' }, { href: `${base}/assets`, text: 'Assets' }, { href: `${base}/discovery`, text: 'Discovery' },
      { href: `${base}/catalogue`, text: 'Makers catalogue' }] },
    { title: 'Risk', items: [
      { href: `${base}/findings`, text: 'Findings' }, { href: `${base}/plan`, text: 'Plan' }, { href: `${base}/reports/foi`, text: 'FOI' }] },
    { title: 'Compliance', items: [
      { href: `${base}/compliance`, text: 'Self-assessment' }, { href: `${base}/compliance/dpias`, text: 'DPIAs' },
      { href: `${base}/compliance/signage`, text: 'Signage' }, { href: `${base}/compliance/disclosures`, text: 'Disclosures' },
      { href: `${base}/documents`, text: 'Documents' }] },
    { title: 'Upkeep', items: [
      { href: `${base}/maintenance`, text: 'Maintenance' }, { href: `${base}/maintenance/visits`, text: 'Visits' }, { href: `${base}/reminders`, text: 'Reminders' }] },
  ];
  if (can(org.role, 'audit:read')) groups.push({ title: 'Administration', items: [{ href: `${base}/audit`, text: 'Audit trail' }] });
  const all = groups.flatMap((g) => g.items);
  const current = all.filter((i) => path === i.href || (i.href !== base && path.startsWith(`${i.href}/`))).sort((a, b) => b.href.length - a.href.length)[0];
  return groups.map((g) => ({ ...g, items: g.items.map((i) => ({ ...i, current: i === current })) }));
}

/** Turns a field→message map into the GOV.UK error summary list, linking each message to its field. */
export function errorList(fields: Record<string, string> | undefined) {
  return Object.entries(fields ?? {}).map(([k, text]) => ({ text, href: `#${k.split('.')[0]}` }));
}

/** Renders a page with everything the layout needs (user, organisation, navigation, CSRF token, flash message). */
export function renderPage(deps: AppDeps, req: FastifyRequest, reply: FastifyReply, template: string, data: Record<string, unknown>, status = 200) {
  const flash = req.cookies[FLASH_COOKIE];
  if (flash) reply.clearCookie(FLASH_COOKIE, { path: '/' });
  const org = data.org as PageOrg | undefined;
  const html = deps.views.render(template, {
    user: req.session ? { email: req.session.email, name: req.session.name } : null,
    csrfToken: req.session?.csrfToken ?? data.csrfToken,
    cspNonce: (reply as any).cspNonce?.script,
    nav: org ? navFor(org, req.url.split('?')[0]) : [],
    flash: flash ? decodeURIComponent(flash).slice(0, 200) : null,
    ...data,
    errorList: data.errors ? errorList(data.errors as Record<string, string>) : [],
  });
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

export function setFlash(reply: FastifyReply, message: string) {
  // Secure exactly when the session cookie is (cookieOptions decides, for 'auto' from the request's protocol).
  reply.setCookie(FLASH_COOKIE, encodeURIComponent(message), { ...cookieOptions(reply.request, reply.server.deps.config), expires: undefined, maxAge: 60 });
}

const pageRoutes: { method: Method; path: string }[] = [];
/** Every organisation page registered, so tests can prove each one keeps tenants apart. */
export const listOrgPages = () => pageRoutes.slice();

/** Registers a page inside an organisation (`/o/:slug/...`): signed-in members only, CSRF-checked when it changes things. */
export function orgPage<P extends string>(app: FastifyInstance, deps: AppDeps, method: Method, path: P, permission: Permission,
  handler: (req: RouteRequest<P>, reply: FastifyReply, p: PageCtx) => Promise<unknown>) {
  if (!pageRoutes.some((r) => r.method === method && r.path === path)) pageRoutes.push({ method, path });
  app.route({
    method, url: `/o/:slug${path}`,
    handler: async (req, reply) => {
      if (!req.session) return reply.redirect(`/sign-in?next=${encodeURIComponent(req.url)}`, 303);
      if (req.session.mustChangePassword) return reply.redirect('/account/password', 303);
      if (method === 'POST') checkCsrf(req);
      const { ctx, org } = await orgContextForSession(deps.db, deps.directory, req.session, (req.params as { slug: string }).slug);
      requirePermission(ctx, permission);
      if (req.session.currentOrgId !== org.id) {
        await deps.directory.setCurrentOrg(req.session.idHash, org.id);
      }
      const memberships = await deps.directory.membershipsOf(req.session.userId);
      const base = `/o/${org.slug}`;
      const p: PageCtx = {
        ctx, org, base,
        render: (template, data = {}, status = 200) => renderPage(deps, req, reply, template, { org, memberships, base, ...data }, status),
        redirect: (to, flash) => { if (flash) setFlash(reply, flash); return reply.redirect(to, 303); },
      };
      return handler(req as RouteRequest<P>, reply, p);
    },
  });
}

const tokenContexts = new WeakMap<FastifyRequest, OrgContext>();

/** Registers an API operation under /api/v1: bearer token only (no cookies, so no CSRF exposure), JSON in and out. */
export function apiRoute<P extends string>(app: FastifyInstance, deps: AppDeps, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: P, doc: OperationDoc,
  handler: (req: RouteRequest<P>, ctx: OrgContext, reply: FastifyReply) => Promise<unknown>) {
  registerOperation(method, `/api/v1${path}`, doc);
  app.route({
    method, url: `/api/v1${path}`,
    ...(doc.bodyLimit ? { bodyLimit: doc.bodyLimit } : {}),
    // The token is checked before a byte of the body is read: a large upload with a bad token is refused at once.
    onRequest: async (req) => { tokenContexts.set(req, await orgContextForToken(deps.db, deps.directory, req)); },
    handler: async (req, reply) => {
      const ctx = tokenContexts.get(req)!;
      if (doc.permission) requirePermission(ctx, doc.permission);
      const result = await handler(req as RouteRequest<P>, ctx, reply);
      if (reply.sent || result === reply) return reply;
      if (result === undefined) return reply.code(204).send();
      return reply.code(doc.status ?? 200).send(result);
    },
  });
}

export function sendError(req: FastifyRequest, reply: FastifyReply, deps: AppDeps, err: AppError) {
  if (req.url.startsWith('/api/') || req.url.startsWith('/healthz')) {
    return reply.code(err.status).type('application/json').send({ error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) } });
  }
  const titles: Record<number, string> = { 400: 'There is a problem with your request', 401: 'Sign in to continue', 403: 'You cannot do this', 404: 'Page not found', 409: 'This cannot be done yet', 413: 'That was too large', 422: 'There is a problem', 429: 'Too many attempts' };
  const message = err instanceof ValidationError ? Object.values(err.fields ?? {}).join('. ') : err.message;
  return renderPage(deps, req, reply, 'error.njk', { title: titles[err.status] ?? 'Sorry, there is a problem', message }, err.status);
}

export { cookieOptions };

/**
 * Runs a form's action; on bad input re-renders the form with the GOV.UK error summary instead of losing
 * what the person typed. Anything else (not found, forbidden) goes to the error page.
 */
export async function submitForm(p: PageCtx, action: () => Promise<{ to: string; flash: string }>,
  rerender: (errors: Record<string, string>, status: number) => FastifyReply | Promise<FastifyReply>) {
  try {
    const { to, flash } = await action();
    return p.redirect(to, flash);
  } catch (e) {
    if (e instanceof AppError && e.fields && (e.status === 422 || e.status === 409)) return rerender(e.fields, e.status);
    throw e;
  }
}

/** Query-string and JSON-body guards shared by the API routes. */
export function jsonBody(req: FastifyRequest): unknown {
  const ct = req.headers['content-type'] ?? '';
  if (!ct.startsWith('application/json')) throw new AppError(415, 'unsupported_media_type', 'Send JSON with Content-Type: application/json');
  if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) throw new AppError(400, 'malformed_json', 'The request body must be a JSON object');
  return req.body;
}
