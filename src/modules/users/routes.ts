import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors';
import { checkCsrf, cookieOptions, PRE_AUTH_COOKIE, preAuthToken, SESSION_COOKIE } from '../../web/auth';
import { renderPage, setFlash, type AppDeps } from '../../web/http';
import { organisationsOf as membershipsOf } from '../organisations/service';
import { sessionsOf } from './repo';
import * as users from './service';

/**
 * Only same-site paths are followed after sign-in, so the `next` parameter cannot send people elsewhere. Characters
 * outside printable ASCII are percent-encoded (a Location header cannot carry them; that was a 500).
 */
function safeNext(next: unknown): string | null {
  if (typeof next !== 'string' || !/^\/(?!\/)[^\s\\]*$/.test(next) || next.length >= 500) return null;
  try {
    return next.replace(/[^\x21-\x7e]+/gu, (s) => encodeURIComponent(s));
  } catch {
    return null; // a lone surrogate cannot be encoded
  }
}

async function home(deps: AppDeps, req: FastifyRequest, reply: FastifyReply) {
  const s = req.session!;
  if (s.mustChangePassword) return reply.redirect('/account/password', 303);
  const orgs = await membershipsOf(deps.db, s.userId);
  const current = orgs.find((o) => o.orgId === s.currentOrgId) ?? (orgs.length === 1 ? orgs[0] : null);
  return reply.redirect(current ? `/o/${current.slug}` : '/orgs', 303);
}

export function registerAccountRoutes(app: FastifyInstance, deps: AppDeps) {
  app.get('/', async (req, reply) => (req.session ? home(deps, req, reply) : reply.redirect('/sign-in', 303)));

  app.get<{ Querystring: Record<string, unknown> }>('/sign-in', async (req, reply) => {
    if (req.session) return home(deps, req, reply);
    const next = safeNext(req.query.next);
    return renderPage(deps, req, reply, 'users/views/sign-in.njk', { title: 'Sign in', csrfToken: preAuthToken(req, reply, deps.config), next, values: {} });
  });

  app.post('/sign-in', { config: { rateLimit: { max: deps.config.signInRateLimit, timeWindow: '1 minute' } } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    checkCsrf(req);
    try {
      const s = await users.signIn(deps.db, body, { ip: req.ip, userAgent: req.headers['user-agent'] ?? null, ttlHours: deps.config.sessionTtlHours });
      reply.setCookie(SESSION_COOKIE, s.sessionToken, cookieOptions(req, deps.config, s.expiresAt));
      reply.clearCookie(PRE_AUTH_COOKIE, { path: '/' });
      if (s.mustChangePassword) return reply.redirect('/account/password', 303);
      return reply.redirect(next ?? '/', 303);
    } catch (e) {
      if (!(e instanceof AppError) || !e.fields) throw e;
      return renderPage(deps, req, reply, 'users/views/sign-in.njk', {
        title: 'Sign in', csrfToken: preAuthToken(req, reply, deps.config), next, errors: e.fields, values: { email: body.email },
      }, e.status === 401 ? 401 : 422);
    }
  });

  app.post('/sign-out', async (req, reply) => {
    if (req.session) {
      checkCsrf(req);
      await users.revokeSession(deps.db, req.session.userId, req.session.idHash);
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/sign-in', 303);
  });

  const signedIn = (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.session) { reply.redirect(`/sign-in?next=${encodeURIComponent(req.url)}`, 303); return false; }
    return true;
  };

  app.get('/orgs', async (req, reply) => {
    if (!signedIn(req, reply)) return reply;
    const memberships = await membershipsOf(deps.db, req.session!.userId);
    return renderPage(deps, req, reply, 'users/views/orgs.njk', { title: 'Choose an organisation', memberships, currentOrgId: req.session!.currentOrgId });
  });

  app.get('/account', async (req, reply) => {
    if (!signedIn(req, reply)) return reply;
    const sessions = await sessionsOf(deps.db, req.session!.userId, new Date().toISOString());
    const memberships = await membershipsOf(deps.db, req.session!.userId);
    return renderPage(deps, req, reply, 'users/views/account.njk', {
      title: 'Your account', memberships,
      sessions: sessions.map((s) => ({ ...s, current: s.id === req.session!.idHash, ref: s.id.slice(0, 16) })),
    });
  });

  app.post<{ Body: Record<string, unknown> | undefined }>('/account/sessions/revoke', async (req, reply) => {
    if (!signedIn(req, reply)) return reply;
    checkCsrf(req);
    const ref = String(req.body?.session ?? '');
    const s = req.session!;
    if (ref === 'others') {
      const n = await users.revokeAllSessions(deps.db, s.userId, s.idHash);
      setFlash(reply, `Signed out of ${n} other session${n === 1 ? '' : 's'}`);
    } else {
      const mine = await sessionsOf(deps.db, s.userId, new Date().toISOString());
      const target = mine.find((x) => x.id.slice(0, 16) === ref);
      if (!target) throw new AppError(404, 'not_found', 'That session has already ended');
      await users.revokeSession(deps.db, s.userId, target.id);
      if (target.id === s.idHash) { reply.clearCookie(SESSION_COOKIE, { path: '/' }); return reply.redirect('/sign-in', 303); }
      setFlash(reply, 'Session signed out');
    }
    return reply.redirect('/account', 303);
  });

  app.get('/account/password', async (req, reply) => {
    if (!signedIn(req, reply)) return reply;
    return renderPage(deps, req, reply, 'users/views/password.njk', { title: 'Change your password', forced: req.session!.mustChangePassword });
  });

  app.post('/account/password', async (req, reply) => {
    if (!signedIn(req, reply)) return reply;
    checkCsrf(req);
    try {
      await users.changePassword(deps.db, req.session!.userId, req.session!.idHash, req.body);
    } catch (e) {
      if (!(e instanceof AppError) || !e.fields) throw e;
      return renderPage(deps, req, reply, 'users/views/password.njk', { title: 'Change your password', forced: req.session!.mustChangePassword, errors: e.fields }, 422);
    }
    setFlash(reply, 'Your password has been changed');
    req.session!.mustChangePassword = false;
    return home(deps, req, reply);
  });
}
