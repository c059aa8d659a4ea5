import type { OrgContext, Tx } from '../../platform/context';
import { recordAudit } from './repo';

export interface Change<T> {
  result: T;
  action: string;
  objectType: string;
  objectId: string | null;
  summary: string;
  before?: unknown;
  after?: unknown;
}

/**
 * Runs a change and its audit record in one transaction: both land or neither does.
 * Every write to tenant data goes through here.
 */
export async function auditedChange<T>(ctx: OrgContext, work: (tx: Tx) => Promise<Change<T>>): Promise<T> {
  return ctx.db.transaction().execute(async (tx) => {
    const change = await work(tx);
    await recordAudit(tx, {
      orgId: ctx.orgId, actor: ctx.actor, action: change.action, objectType: change.objectType,
      objectId: change.objectId, summary: change.summary, before: change.before, after: change.after,
    });
    return change.result;
  });
}
