// The web kit's Directory port, filled from this module and the organisations module: the kit (below the
// modules) authenticates people and resolves organisations without importing either module's repo.
import type { Kysely } from 'kysely';
import type { DB } from '../../platform/schema';
import type { Directory } from '../../web/auth';
import { findOrgBySlug, membership, membershipsOf } from '../organisations/repo';
import { findLiveSession, findLiveToken } from './repo';
import { setCurrentOrg } from './service';

export function createDirectory(db: Kysely<DB>): Directory {
  return {
    findLiveSession: (idHash, now) => findLiveSession(db, idHash, now),
    findLiveToken: (tokenHash) => findLiveToken(db, tokenHash),
    findOrgBySlug: (slug) => findOrgBySlug(db, slug),
    membership: (userId, orgId) => membership(db, userId, orgId),
    membershipsOf: (userId) => membershipsOf(db, userId),
    setCurrentOrg: (sessionIdHash, orgId) => setCurrentOrg(db, sessionIdHash, orgId),
  };
}
