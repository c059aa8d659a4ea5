import argon2 from 'argon2';
import type { Kysely } from 'kysely';
import type { Actor, Role } from '../../platform/context';
import type { DB } from '../../platform/schema';
import { AppError, conflict, notFound, parseInput } from '../../platform/errors';
import { newId, newSecret, nowIso, sha256 } from '../../platform/ids';
import { recordAudit } from '../audit/repo';
import { organisationBySlug as findOrgBySlug } from '../organisations/service';
import { passwordProblem } from './password-policy';
import * as repo from './repo';
import { changePasswordInput, signInInput, tokenInput, userInput } from './schemas';

// OWASP's argon2id baseline (19 MiB, 2 passes) keeps a sign-in well under 100 ms on this hardware.
const ARGON = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
// Compared against when the email is unknown, so a wrong email costs the same time as a wrong password.
let dummyHash: Promise<string> | null = null;

export const hashPassword = (pw: string) => argon2.hash(pw, ARGON);

export async function createUser(db: Kysely<DB>, actor: Actor, body: unknown, opts: { mustChangePassword?: boolean } = {}) {
  const input = parseInput(userInput, body);
  const hash = await hashPassword(input.password);
  return db.transaction().execute(async (tx) => {
    if (await repo.findUserByEmail(tx, input.email)) throw conflict('email', 'A user with this email address already exists');
    const user = { id: newId(), email: input.email, name: input.name, password_hash: hash, must_change_password: opts.mustChangePassword ? 1 : 0, disabled: 0, created_at: nowIso() };
    await tx.insertInto('users').values(user).execute();
    await recordAudit(tx, { orgId: null, actor, action: 'create', objectType: 'user', objectId: user.id, summary: `Created user ${user.email}`, after: { email: user.email, name: user.name } });
    return { id: user.id, email: user.email, name: user.name };
  });
}

export interface SignedIn { sessionToken: string; userId: string; mustChangePassword: boolean; expiresAt: Date }

/** Checks the password and opens a database-backed session; the cookie holds a secret whose hash is the row id. */
export async function signIn(db: Kysely<DB>, body: unknown, meta: { ip: string | null; userAgent: string | null; ttlHours: number }): Promise<SignedIn> {
  const input = parseInput(signInInput, body);
  const user = await repo.findUserByEmail(db, input.email);
  dummyHash ??= hashPassword(newSecret());
  const ok = await argon2.verify(user?.password_hash ?? (await dummyHash), input.password).catch(() => false);
  if (!user || !ok || user.disabled) {
    throw new AppError(401, 'bad_credentials', 'Enter a correct email address and password', { email: 'Enter a correct email address and password' });
  }
  const token = newSecret();
  const now = new Date();
  const expiresAt = new Date(now.getTime() + meta.ttlHours * 3600_000);
  const orgs = await db.selectFrom('memberships').select('org_id').where('user_id', '=', user.id).limit(2).execute();
  await db.transaction().execute(async (tx) => {
    // Housekeeping: sessions that ended more than 30 days ago are of no further use.
    const stale = new Date(now.getTime() - 30 * 86400_000).toISOString();
    await tx.deleteFrom('sessions').where('user_id', '=', user.id).where('expires_at', '<', stale).execute();
    await tx.insertInto('sessions').values({
      id: sha256(token), user_id: user.id, current_org_id: orgs.length === 1 ? orgs[0].org_id : null, csrf_token: newSecret(),
      created_at: now.toISOString(), expires_at: expiresAt.toISOString(), last_seen_at: now.toISOString(),
      revoked_at: null, user_agent: meta.userAgent?.slice(0, 300) ?? null, ip: meta.ip,
    }).execute();
    await recordAudit(tx, { orgId: null, actor: { type: 'user', id: user.id, label: user.email }, action: 'sign-in', objectType: 'user', objectId: user.id, summary: `${user.email} signed in` });
  });
  return { sessionToken: token, userId: user.id, mustChangePassword: !!user.must_change_password, expiresAt };
}

export async function revokeSession(db: Kysely<DB>, userId: string, sessionIdHash: string): Promise<boolean> {
  const r = await db.updateTable('sessions').set({ revoked_at: nowIso() })
    .where('id', '=', sessionIdHash).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function revokeAllSessions(db: Kysely<DB>, userId: string, exceptIdHash?: string): Promise<number> {
  let q = db.updateTable('sessions').set({ revoked_at: nowIso() }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (exceptIdHash) q = q.where('id', '!=', exceptIdHash);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function changePassword(db: Kysely<DB>, userId: string, currentSessionHash: string, body: unknown) {
  const input = parseInput(changePasswordInput, body);
  const user = await repo.findUser(db, userId);
  if (!user) throw notFound('User');
  if (!(await argon2.verify(user.password_hash, input.current).catch(() => false))) {
    throw new AppError(422, 'validation_failed', 'Some fields need correcting', { current: 'Your current password is not correct' });
  }
  const problem = passwordProblem(input.password, [user.email, user.name]);
  if (problem) throw new AppError(422, 'validation_failed', 'Some fields need correcting', { password: problem });
  const hash = await hashPassword(input.password);
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('users').set({ password_hash: hash, must_change_password: 0 }).where('id', '=', userId).execute();
    // A new password ends every other session: whoever knew the old one is signed out.
    await tx.updateTable('sessions').set({ revoked_at: nowIso() }).where('user_id', '=', userId).where('id', '!=', currentSessionHash).where('revoked_at', 'is', null).execute();
    await recordAudit(tx, { orgId: null, actor: { type: 'user', id: userId, label: user.email }, action: 'update', objectType: 'user', objectId: userId, summary: `${user.email} changed their password` });
  });
}

export async function setCurrentOrg(db: Kysely<DB>, sessionIdHash: string, orgId: string) {
  await db.updateTable('sessions').set({ current_org_id: orgId }).where('id', '=', sessionIdHash).execute();
}

/** Creates a bearer token for scripts and agents; the value is returned once and only its hash is kept. */
export async function createApiToken(db: Kysely<DB>, actor: Actor, orgSlug: string, body: { name: unknown; role: unknown }) {
  const input = parseInput(tokenInput, body);
  const org = await findOrgBySlug(db, orgSlug);
  if (!org) throw notFound(`Organisation "${orgSlug}"`);
  const token = newSecret('slt_');
  const row = { id: newId(), org_id: org.id, name: input.name, role: input.role as Role, token_hash: sha256(token), created_at: nowIso(), created_by: actor.label, last_used_at: null, revoked_at: null };
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('api_tokens').values(row).execute();
    await recordAudit(tx, { orgId: org.id, actor, action: 'create', objectType: 'api-token', objectId: row.id, summary: `Created ${input.role} token "${input.name}"`, after: { name: row.name, role: row.role } });
  });
  return { id: row.id, token, org: org.slug, role: row.role, name: row.name };
}

export async function listApiTokens(db: Kysely<DB>, orgSlug: string) {
  const org = await findOrgBySlug(db, orgSlug);
  if (!org) throw notFound(`Organisation "${orgSlug}"`);
  return db.selectFrom('api_tokens').select(['id', 'name', 'role', 'created_at', 'created_by', 'last_used_at', 'revoked_at'])
    .where('org_id', '=', org.id).orderBy('created_at').execute();
}

export async function revokeApiToken(db: Kysely<DB>, actor: Actor, orgSlug: string, tokenId: string) {
  const org = await findOrgBySlug(db, orgSlug);
  if (!org) throw notFound(`Organisation "${orgSlug}"`);
  await db.transaction().execute(async (tx) => {
    const r = await tx.updateTable('api_tokens').set({ revoked_at: nowIso() }).where('org_id', '=', org.id).where('id', '=', tokenId).where('revoked_at', 'is', null).executeTakeFirst();
    if (!Number(r.numUpdatedRows)) throw notFound('Live token');
    await recordAudit(tx, { orgId: org.id, actor, action: 'revoke', objectType: 'api-token', objectId: tokenId, summary: 'Revoked API token' });
  });
}
