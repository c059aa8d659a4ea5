import type { Tx } from '../../platform/context';
import type { SystemsTable } from '../../platform/schema';
import { containsText } from '../../platform/sqlutil';
import { linkedSiteIds } from '../sites/repo';
import type { System, SystemInput } from './schemas';

export function toSystem(r: SystemsTable, siteIds: string[]): System {
  return {
    id: r.id, name: r.name, purpose: r.purpose, owner: r.owner, operator: r.operator, retentionDays: Number(r.retention_days),
    siteIds, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export function systemColumns(s: SystemInput) {
  return { name: s.name, name_key: s.name.toLowerCase(), purpose: s.purpose, owner: s.owner, operator: s.operator, retention_days: s.retentionDays };
}

export async function findSystem(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('systems').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function findSystemByName(tx: Tx, orgId: string, name: string) {
  return tx.selectFrom('systems').select('id').where('org_id', '=', orgId).where('name_key', '=', name.toLowerCase()).executeTakeFirst();
}

export async function withSites(tx: Tx, orgId: string, rows: SystemsTable[]): Promise<System[]> {
  const links = await linkedSiteIds(tx, 'system_sites', orgId, rows.map((r) => r.id));
  return rows.map((r) => toSystem(r, links.get(r.id) ?? []));
}

export async function listSystems(tx: Tx, orgId: string, o: { q?: string; siteId?: string; after?: { v: string; id: string }; limit: number }) {
  let q = tx.selectFrom('systems').selectAll('systems').where('systems.org_id', '=', orgId);
  if (o.q) q = q.where(containsText('systems.name_key', o.q));
  if (o.siteId) q = q.where('systems.id', 'in', (eb) => eb.selectFrom('system_sites').select('system_id').where('org_id', '=', orgId).where('site_id', '=', o.siteId!));
  if (o.after) q = q.where((eb) => eb(eb.refTuple('systems.name_key', 'systems.id'), '>', eb.tuple(o.after!.v, o.after!.id)));
  return q.orderBy('systems.name_key').orderBy('systems.id').limit(o.limit + 1).execute();
}

export async function countAssetsInSystem(tx: Tx, orgId: string, id: string): Promise<number> {
  const r = await tx.selectFrom('assets').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).where('system_id', '=', id).executeTakeFirstOrThrow();
  return Number(r.n);
}
