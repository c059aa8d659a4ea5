import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../platform/config';
import type { OrgContext, Permission, Role } from '../platform/context';
import { requirePermission } from '../platform/context';
import { AppError } from '../platform/errors';
import { newSecret, nowIso, sha256 } from '../platform/ids';
import type { DB } from '../platform/schema';
import { findOrgBySlug, membership, membershipsOf } from '../modules/organisations/repo';
import { findLiveSession, findLiveToken } from '../modules/users/repo';

export const SESSION_COOKIE = 'sl_session';
export const PRE_AUTH_COOKIE = 'sl_csrf';

export interface SessionInfo {
  idHash: string; userId: string; email: string; name: string; currentOrgId: string | null;
  csrfToken: string; mustChangePassword: boolean;
}

declare module 'fastify' {
  interface FastifyRequest { session: SessionInfo | null }
}

export function cookieOptions(req: FastifyRequest, config: Config, expires?: Date) {
  const secure = config.secureCookies === 'auto' ? req.protocol === 'https' : config.secureCookies;
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure, expires };
}

/** Resolves the session cookie (if any) to a live, unrevoked session. Touches last_seen_at at most once a minute. */
export async function loadSession(db: Kysely<DB>, req: FastifyRequest): Promise<SessionInfo | null> {
  const raw = req.cookies[SESSION_COOKIE];
  if (!raw || raw.length > 200) return null;
  const idHash = sha256(raw);
  const now = nowIso();
  const s = await findLiveSession(db, idHash, now);
  if (!s) return null;
  if (Date.parse(now) - Date.parse(s.last_seen_at) > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', idHash).execute();
  }
  return {
    idHash, userId: s.user_id, email: s.email, name: s.name, currentOrgId: s.current_org_id,
    csrfToken: s.csrf_token, mustChangePassword: !!s.must_change_password,
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Every state-changing form carries a token: for signed-in people the one bound to their session, before sign-in
 * a double-submit cookie. A missing or wrong token is refused before any work is done.
 */
export function checkCsrf(req: FastifyRequest): void {
  const sent = typeof (req.body as any)?._csrf === 'string' ? (req.body as any)._csrf : '';
  const expected = req.session ? req.session.csrfToken : req.cookies[PRE_AUTH_COOKIE] ?? '';
  if (!sent || !expected || !safeEqual(sent, expected)) {
    throw new AppError(403, 'csrf', 'This form has expired or did not come from Sightline. Go back, reload the page and try again.');
  }
}

/** The token for an anonymous form (the sign-in page), set as a cookie and echoed in a hidden field. */
export function preAuthToken(req: FastifyRequest, reply: FastifyReply, config: Config): string {
  let t = req.cookies[PRE_AUTH_COOKIE];
  if (!t || t.length > 100) {
    t = newSecret();
    reply.setCookie(PRE_AUTH_COOKIE, t, cookieOptions(req, config));
  }
  return t;
}

export interface PageOrg { id: string; slug: string; name: string; role: Role }

/** The organisation named in the URL, if the signed-in person belongs to it; otherwise 404 (its existence is not revealed). */
export async function orgContextForSession(db: Kysely<DB>, session: SessionInfo, slug: string): Promise<{ ctx: OrgContext; org: PageOrg }> {
  const org = await findOrgBySlug(db, slug);
  const m = org ? await membership(db, session.userId, org.id) : undefined;
  if (!org || !m) throw new AppError(404, 'not_found', 'Page not found');
  const role = m.role as Role;
  return {
    ctx: { db, orgId: org.id, orgSlug: org.slug, role, actor: { type: 'user', id: session.userId, label: session.email } },
    org: { id: org.id, slug: org.slug, name: org.name, role },
  };
}

export async function orgContextForToken(db: Kysely<DB>, req: FastifyRequest): Promise<OrgContext> {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S{10,200})$/i.exec(header);
  if (!m) throw new AppError(401, 'unauthenticated', 'Send an API token in the Authorization header: "Authorization: Bearer <token>"');
  const t = await findLiveToken(db, sha256(m[1]));
  if (!t) throw new AppError(401, 'unauthenticated', 'The API token is not valid or has been revoked');
  const now = nowIso();
  if (!t.last_used_at || Date.parse(now) - Date.parse(t.last_used_at) > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', t.id).execute();
  }
  return { db, orgId: t.org_id, orgSlug: t.slug, role: t.role as Role, actor: { type: 'token', id: t.id, label: `token ${t.name}` } };
}

export { membershipsOf, requirePermission };
export type { Permission };
