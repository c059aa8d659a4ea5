import type { Tx } from '../../platform/context';

export async function findUserByEmail(tx: Tx, email: string) {
  return tx.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
}

export async function findUser(tx: Tx, id: string) {
  return tx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A live session by the SHA-256 of its cookie value, with its user. */
export async function findLiveSession(tx: Tx, idHash: string, now: string) {
  return tx.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'sessions.user_id', 'sessions.current_org_id', 'sessions.csrf_token', 'sessions.expires_at',
      'sessions.last_seen_at', 'users.email', 'users.name', 'users.must_change_password'])
    .where('sessions.id', '=', idHash).where('sessions.revoked_at', 'is', null).where('sessions.expires_at', '>', now)
    .where('users.disabled', '=', 0).executeTakeFirst();
}

export async function sessionsOf(tx: Tx, userId: string, now: string) {
  return tx.selectFrom('sessions').select(['id', 'created_at', 'last_seen_at', 'expires_at', 'user_agent', 'ip'])
    .where('user_id', '=', userId).where('revoked_at', 'is', null).where('expires_at', '>', now)
    .orderBy('created_at', 'desc').execute();
}

/** A live API token by the SHA-256 of its value, with its organisation. */
export async function findLiveToken(tx: Tx, hash: string) {
  return tx.selectFrom('api_tokens').innerJoin('organisations', 'organisations.id', 'api_tokens.org_id')
    .select(['api_tokens.id', 'api_tokens.name', 'api_tokens.role', 'api_tokens.org_id', 'api_tokens.last_used_at', 'organisations.slug'])
    .where('api_tokens.token_hash', '=', hash).where('api_tokens.revoked_at', 'is', null).executeTakeFirst();
}
