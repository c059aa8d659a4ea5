import type { Tx } from '../../platform/context';
import type { NetworksTable } from '../../platform/schema';
import { containsText } from '../../platform/sqlutil';
import { linkedSiteIds } from '../sites/repo';
import type { Network, NetworkInput } from './schemas';

export function toNetwork(r: NetworksTable, siteIds: string[]): Network {
  return { id: r.id, name: r.name, kind: r.kind as Network['kind'], cidrs: JSON.parse(r.cidrs), siteIds, createdAt: r.created_at, updatedAt: r.updated_at };
}

export function networkColumns(n: NetworkInput) {
  return { name: n.name, name_key: n.name.toLowerCase(), kind: n.kind, cidrs: JSON.stringify(n.cidrs) };
}

export async function findNetwork(tx: Tx, orgId: string, id: string) {
  return tx.selectFrom('networks').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function findNetworkByName(tx: Tx, orgId: string, name: string) {
  return tx.selectFrom('networks').select('id').where('org_id', '=', orgId).where('name_key', '=', name.toLowerCase()).executeTakeFirst();
}

export async function withSites(tx: Tx, orgId: string, rows: NetworksTable[]): Promise<Network[]> {
  const links = await linkedSiteIds(tx, 'network_sites', orgId, rows.map((r) => r.id));
  return rows.map((r) => toNetwork(r, links.get(r.id) ?? []));
}

export async function listNetworks(tx: Tx, orgId: string, o: { q?: string; kind?: string; siteId?: string; after?: { v: string; id: string }; limit: number }) {
  let q = tx.selectFrom('networks').selectAll('networks').where('networks.org_id', '=', orgId);
  if (o.q) q = q.where(containsText('networks.name_key', o.q));
  if (o.kind) q = q.where('networks.kind', '=', o.kind);
  if (o.siteId) q = q.where('networks.id', 'in', (eb) => eb.selectFrom('network_sites').select('network_id').where('org_id', '=', orgId).where('site_id', '=', o.siteId!));
  if (o.after) q = q.where((eb) => eb(eb.refTuple('networks.name_key', 'networks.id'), '>', eb.tuple(o.after!.v, o.after!.id)));
  return q.orderBy('networks.name_key').orderBy('networks.id').limit(o.limit + 1).execute();
}

export async function countAssetsOnNetwork(tx: Tx, orgId: string, id: string): Promise<number> {
  const r = await tx.selectFrom('assets').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).where('network_id', '=', id).executeTakeFirstOrThrow();
  return Number(r.n);
}
