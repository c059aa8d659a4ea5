import type { Tx } from '../../platform/context';
import { newId, nowIso } from '../../platform/ids';

export interface AuditEntry {
  orgId: string | null;
  actor: { type: string; id: string | null; label: string };
  action: 'create' | 'update' | 'delete' | 'sign-in' | 'grant' | 'revoke' | string;
  objectType: string;
  objectId: string | null;
  summary: string;
  before?: unknown;
  after?: unknown;
}

/** Written in the same transaction as the change it describes, so a change never lands without its record. */
export async function recordAudit(tx: Tx, e: AuditEntry): Promise<void> {
  await tx.insertInto('audit_events').values({
    id: newId(),
    org_id: e.orgId,
    at: nowIso(),
    actor_type: e.actor.type,
    actor_id: e.actor.id,
    actor_label: e.actor.label,
    action: e.action,
    object_type: e.objectType,
    object_id: e.objectId,
    summary: e.summary,
    before_json: e.before === undefined ? null : JSON.stringify(e.before),
    after_json: e.after === undefined ? null : JSON.stringify(e.after),
  }).execute();
}

export interface AuditQuery { objectType?: string; objectId?: string; before?: string; limit: number }

export async function listAudit(tx: Tx, orgId: string, q: AuditQuery) {
  let query = tx.selectFrom('audit_events').selectAll().where('org_id', '=', orgId);
  if (q.objectType) query = query.where('object_type', '=', q.objectType);
  if (q.objectId) query = query.where('object_id', '=', q.objectId);
  if (q.before) query = query.where('id', '<', q.before);
  const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
  const more = rows.length > q.limit;
  return { rows: rows.slice(0, q.limit), next: more ? rows[q.limit - 1].id : null };
}
