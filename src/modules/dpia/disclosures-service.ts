import { requirePermission, type OrgContext } from '../../platform/context';
import { notFound, parseInput, parsePatch, ValidationError } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import { auditedChange } from '../audit/write';
import * as repo from './repo';
import { foiDeadline, subjectAccessDeadline } from './deadlines';
import { disclosureInput, disclosureListQuery, disclosurePatch, REQUEST_TYPE_LABELS, today, type Disclosure } from './schemas';

// The subject access / disclosure log (Code principles 6 and 7): each request for images, when it arrived, the
// statutory deadline, and how it ended. It exists for accountability, so it keeps as little personal data as it can.

/** The statutory deadline for a request type; police and other third-party disclosures have none. */
export function statutoryDeadline(type: Disclosure['requestType'], receivedOn: string): string | null {
  return type === 'subject-access' ? subjectAccessDeadline(receivedOn) : type === 'foi' ? foiDeadline(receivedOn) : null;
}

export function toDisclosure(r: repo.DisclosureRow, on = today()): Disclosure {
  return {
    id: r.id, systemId: r.system_id, systemName: r.system_name, requestType: r.request_type as Disclosure['requestType'], requester: r.requester,
    reference: r.reference, receivedOn: r.received_on, deadline: r.deadline, outcome: r.outcome as Disclosure['outcome'], closedOn: r.closed_on, notes: r.notes,
    overdue: r.outcome === 'open' && !!r.deadline && on > r.deadline,
    closedLate: !!r.closed_on && !!r.deadline && r.closed_on > r.deadline,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

const describe = (d: Pick<Disclosure, 'requestType' | 'receivedOn' | 'reference'>) =>
  `${REQUEST_TYPE_LABELS[d.requestType].toLowerCase()} received ${d.receivedOn}${d.reference ? ` (${d.reference})` : ''}`;

export async function listDisclosures(ctx: OrgContext, query: unknown) {
  requirePermission(ctx, 'estate:read');
  const q = parseInput(disclosureListQuery, query);
  const on = today();
  const rows = await repo.listDisclosures(ctx.db, ctx.orgId, { systemId: q.system, status: q.status, today: on, before: q.cursor, limit: q.limit });
  const page = rows.slice(0, q.limit);
  return { items: page.map((r) => toDisclosure(r, on)), next: rows.length > q.limit ? page[page.length - 1].id : null };
}

export async function getDisclosure(ctx: OrgContext, id: string): Promise<Disclosure> {
  requirePermission(ctx, 'estate:read');
  const row = await repo.findDisclosure(ctx.db, ctx.orgId, id);
  if (!row) throw notFound('Request');
  return toDisclosure(row);
}

async function systemName(tx: OrgContext['db'], ctx: OrgContext, systemId: string) {
  const s = await repo.systemRow(tx, ctx.orgId, systemId);
  if (!s) throw new ValidationError({ systemId: 'Choose a system from this organisation' });
  return s.name;
}

const columns = (d: ReturnType<typeof disclosureInput.parse>) => ({
  system_id: d.systemId, request_type: d.requestType, requester: d.requester, reference: d.reference, received_on: d.receivedOn,
  deadline: statutoryDeadline(d.requestType, d.receivedOn), outcome: d.outcome, closed_on: d.closedOn, notes: d.notes,
});

export async function createDisclosure(ctx: OrgContext, body: unknown): Promise<Disclosure> {
  requirePermission(ctx, 'estate:write');
  const input = parseInput(disclosureInput, body);
  return auditedChange(ctx, async (tx) => {
    const system_name = await systemName(tx, ctx, input.systemId);
    const now = nowIso();
    const row = { id: newId(), org_id: ctx.orgId, ...columns(input), created_at: now, updated_at: now };
    await tx.insertInto('disclosure_requests').values(row).execute();
    const d = toDisclosure({ ...row, system_name });
    return { result: d, action: 'create', objectType: 'disclosure', objectId: d.id, summary: `Logged a ${describe(d)}`, after: d };
  });
}

export async function updateDisclosure(ctx: OrgContext, id: string, body: unknown): Promise<Disclosure> {
  requirePermission(ctx, 'estate:write');
  const patch = parsePatch(disclosurePatch, body);
  return auditedChange(ctx, async (tx) => {
    const existing = await repo.findDisclosure(tx, ctx.orgId, id);
    if (!existing) throw notFound('Request');
    const before = toDisclosure(existing);
    if (!before.systemId && patch.systemId === undefined) throw new ValidationError({ systemId: 'The system this request was about was deleted; choose a system' });
    const { systemId, requestType, requester, reference, receivedOn, outcome, closedOn, notes } = before;
    const input = parseInput(disclosureInput, { systemId, requestType, requester, reference, receivedOn, outcome, closedOn, notes, ...patch });
    const system_name = await systemName(tx, ctx, input.systemId);
    const cols = { ...columns(input), updated_at: nowIso() };
    await tx.updateTable('disclosure_requests').set(cols).where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    const after = toDisclosure({ ...existing, ...cols, system_name });
    return { result: after, action: 'update', objectType: 'disclosure', objectId: id, summary: `Changed the ${describe(after)}`, before, after };
  });
}

export async function deleteDisclosure(ctx: OrgContext, id: string): Promise<void> {
  requirePermission(ctx, 'estate:delete');
  await auditedChange(ctx, async (tx) => {
    const existing = await repo.findDisclosure(tx, ctx.orgId, id);
    if (!existing) throw notFound('Request');
    await tx.deleteFrom('disclosure_requests').where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    const before = toDisclosure(existing);
    return { result: undefined, action: 'delete', objectType: 'disclosure', objectId: id, summary: `Deleted the ${describe(before)}`, before };
  });
}
