import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../platform/config';
import type { OrgContext, Permission, Role } from '../platform/context';
import { requirePermission } from '../platform/context';
import { AppError } from '../platform/errors';
import { newSecret, nowIso, sha256 } from '../platform/ids';
import type { DB } from '../platform/schema';

/**
 * People, sessions, tokens and organisations as the web kit needs them. The kit sits below the modules, so it
 * cannot import the users and organisations repos; the composition root hands it this port, built by the users
 * module (src/modules/users/directory.ts).
 */
export interface Directory {
  findLiveSession(idHash: string, now: string): Promise<{
    user_id: string; email: string; name: string; current_org_id: string | null; csrf_token: string;
    must_change_password: number; last_seen_at: string;
  } | undefined>;
  findLiveToken(tokenHash: string): Promise<{ id: string; name: string; role: string; org_id: string; slug: string; last_used_at: string | null } | undefined>;
  findOrgBySlug(slug: string): Promise<{ id: string; slug: string; name: string } | undefined>;
  /** The person's role in the organisation, if they belong to it. */
  membership(userId: string, orgId: string): Promise<{ role: string } | undefined>;
  /** Every organisation the person belongs to, for the organisation switcher. */
  membershipsOf(userId: string): Promise<{ orgId: string; slug: string; name: string; role: string }[]>;
  setCurrentOrg(sessionIdHash: string, orgId: string): Promise<void>;
}

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
export async function loadSession(db: Kysely<DB>, directory: Directory, req: FastifyRequest): Promise<SessionInfo | null> {
  const raw = req.cookies[SESSION_COOKIE];
  if (!raw || raw.length > 200) return null;
  const idHash = sha256(raw);
  const now = nowIso();
  const s = await directory.findLiveSession(idHash, now);
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
export async function orgContextForSession(db: Kysely<DB>, directory: Directory, session: SessionInfo, slug: string): Promise<{ ctx: OrgContext; org: PageOrg }> {
  const org = await directory.findOrgBySlug(slug);
  const m = org ? await directory.membership(session.userId, org.id) : undefined;
  if (!org || !m) throw new AppError(404, 'not_found', 'Page not found');
  const role = m.role as Role;
  return {
    ctx: { db, orgId: org.id, orgSlug: org.slug, role, actor: { type: 'user', id: session.userId, label: session.email } },
    org: { id: org.id, slug: org.slug, name: org.name, role },
  };
}

export async function orgContextForToken(db: Kysely<DB>, directory: Directory, req: FastifyRequest): Promise<OrgContext> {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S{10,200})$/i.exec(header);
  if (!m) throw new AppError(401, 'unauthenticated', 'Send an API token in the Authorization header: "Authorization: Bearer <token>"');
  const t = await directory.findLiveToken(sha256(m[1]));
  if (!t) throw new AppError(401, 'unauthenticated', 'The API token is not valid or has been revoked');
  const now = nowIso();
  if (!t.last_used_at || Date.parse(now) - Date.parse(t.last_used_at) > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', t.id).execute();
  }
  return { db, orgId: t.org_id, orgSlug: t.slug, role: t.role as Role, actor: { type: 'token', id: t.id, label: `token ${t.name}` } };
}

export { requirePermission };
export type { Permission };
