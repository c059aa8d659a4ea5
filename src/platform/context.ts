import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema';
import { forbidden } from './errors';

export const ROLES = ['admin', 'manager', 'engineer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Who is acting: a signed-in person, an API token, the command line, or Sightline itself (seeding). */
export interface Actor {
  type: 'user' | 'token' | 'cli' | 'system';
  id: string | null;
  label: string;
}

/** Everything a service needs to act for one organisation. Every tenant query is scoped by orgId. */
export interface OrgContext {
  db: Kysely<DB>;
  orgId: string;
  orgSlug: string;
  role: Role;
  actor: Actor;
}

export type Tx = Transaction<DB> | Kysely<DB>;

export type Permission =
  | 'estate:read' | 'assets:write' | 'estate:write' | 'estate:delete' | 'audit:read' | 'org:admin';

const grants: Record<Role, Permission[]> = {
  viewer: ['estate:read'],
  engineer: ['estate:read', 'assets:write'],
  manager: ['estate:read', 'assets:write', 'estate:write', 'estate:delete'],
  admin: ['estate:read', 'assets:write', 'estate:write', 'estate:delete', 'audit:read', 'org:admin'],
};

/** The roles that hold a permission, in order of rank ("engineer, manager or admin"), as the API docs state it. */
export function rolesWith(permission: Permission): string {
  const roles = (Object.keys(grants) as Role[]).filter((r) => grants[r].includes(permission));
  return roles.length > 1 ? `${roles.slice(0, -1).join(', ')} or ${roles[roles.length - 1]}` : roles.join('');
}

export function can(role: Role, permission: Permission): boolean {
  return grants[role].includes(permission);
}

export function requirePermission(ctx: { role: Role }, permission: Permission): void {
  if (!can(ctx.role, permission)) throw forbidden(`Your role (${ctx.role}) does not allow this`);
}
