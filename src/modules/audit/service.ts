import { requirePermission, type OrgContext } from '../../platform/context';
import { listAudit } from './repo';

export interface AuditEvent {
  id: string; at: string; actor: { type: string; id: string | null; label: string };
  action: string; objectType: string; objectId: string | null; summary: string;
  before: unknown; after: unknown; changes: { field: string; before: unknown; after: unknown }[];
}

function changedFields(before: any, after: any) {
  if (!before || !after || typeof before !== 'object' || typeof after !== 'object') return [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const out: { field: string; before: unknown; after: unknown }[] = [];
  for (const k of keys) {
    if (k === 'updatedAt' || k === 'createdAt') continue;
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) out.push({ field: k, before: before[k], after: after[k] });
  }
  return out;
}

function toEvent(r: any): AuditEvent {
  const before = r.before_json ? JSON.parse(r.before_json) : null;
  const after = r.after_json ? JSON.parse(r.after_json) : null;
  return {
    id: r.id, at: r.at, actor: { type: r.actor_type, id: r.actor_id, label: r.actor_label },
    action: r.action, objectType: r.object_type, objectId: r.object_id, summary: r.summary,
    before, after, changes: changedFields(before, after),
  };
}

/** The organisation-wide trail: admins only. */
export async function organisationTrail(ctx: OrgContext, opts: { objectType?: string; before?: string; limit?: number }) {
  requirePermission(ctx, 'audit:read');
  const page = await listAudit(ctx.db, ctx.orgId, { objectType: opts.objectType, before: opts.before, limit: opts.limit ?? 50 });
  return { events: page.rows.map(toEvent), next: page.next };
}

/** One object's history: shown on its page to anyone who may read the object. */
export async function objectHistory(ctx: OrgContext, objectType: string, objectId: string, limit = 100) {
  requirePermission(ctx, 'estate:read');
  const page = await listAudit(ctx.db, ctx.orgId, { objectType, objectId, limit });
  return page.rows.map(toEvent);
}

/** Per-object trail for admins via the API (same data, with the full before/after). */
export async function objectTrail(ctx: OrgContext, objectType: string, objectId: string, before?: string) {
  requirePermission(ctx, 'audit:read');
  const page = await listAudit(ctx.db, ctx.orgId, { objectType, objectId, before, limit: 100 });
  return { events: page.rows.map(toEvent), next: page.next };
}

