import { requirePermission, type OrgContext } from '../../platform/context';
import { listAudit } from './repo';

export interface AuditEvent {
  id: string; at: string; actor: { type: string; id: string | null; label: string };
  action: string; objectType: string; objectId: string | null; summary: string;
  before: unknown; after: unknown; changes: Change[];
}

type Change = { field: string; before: string; after: string };

/** A stored value as words a person can read: lists joined, records as "name: value", nothing as a dash. */
export function valueText(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (Array.isArray(v)) return v.length ? v.map(valueText).join(', ') : '(none)';
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${valueText(x)}`).join('; ');
  return String(v);
}

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

// Lists of records are compared by their own identifier (an answer by its question), so a change reads
// "1.2 answer: no → yes" and not "0: [object Object]".
function keyed(v: unknown): unknown {
  if (!Array.isArray(v) || !v.length || !v.every(isRecord)) return v;
  const idOf = (r: Record<string, unknown>) => r.id ?? r.questionId ?? r.question_id;
  if (!v.every((r) => typeof idOf(r) === 'string' || typeof idOf(r) === 'number')) return v;
  return Object.fromEntries(v.map((r) => [String(idOf(r)), r]));
}

function changedFields(before: unknown, after: unknown, prefix = ''): Change[] {
  const b = keyed(before);
  const a = keyed(after);
  if (!isRecord(b) || !isRecord(a)) return [];
  const keys = new Set([...Object.keys(b), ...Object.keys(a)]);
  const out: Change[] = [];
  for (const k of keys) {
    if (['updatedAt', 'createdAt', 'updated_at', 'created_at', 'updated_by', 'id', 'questionId', 'question_id'].includes(k)) continue;
    if (JSON.stringify(b[k] ?? null) === JSON.stringify(a[k] ?? null)) continue;
    const field = prefix ? `${prefix} ${k}` : k;
    const nested = changedFields(b[k] ?? {}, a[k] ?? {}, field);
    if ((isRecord(keyed(b[k])) || isRecord(keyed(a[k]))) && nested.length) out.push(...nested);
    else out.push({ field, before: valueText(b[k]), after: valueText(a[k]) });
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

