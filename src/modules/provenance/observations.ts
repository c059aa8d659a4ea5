// What the network said about an asset, kept with it: the fields of DeviceEvidence a scan observes (banners,
// realms, ONVIF answers, scopes, TLS, favicon hashes, service answers…), as opposed to the register's own fields
// (brand, model, firmware, serial, MAC), which stay the register's. The engine reads both whenever the asset is
// evaluated, so an edit, an import or a re-assessment never forgets what discovery saw.
import type { Tx } from '../../platform/context';
import * as repo from './repo';
import type { DeviceEvidence } from '../../domain/provenance-types';

export const NETWORK_FIELDS = [
  'httpServer', 'httpTitle', 'httpPaths', 'rtspServer', 'onvif', 'scopes', 'realm', 'realms', 'wwwAuthenticate',
  'ftpBanner', 'telnetBanner', 'sshBanner', 'loginBanner', 'snmpSysDescr', 'snmpSysObjectId', 'x509Subject', 'x509Issuer',
  'httpBody', 'faviconMd5', 'faviconMmh3', 'dhcpVendorClass', 'sipUserAgent', 'upnpServer', 'upnpManufacturer',
  'upnpModelName', 'service', 'port', 'rawResponse', 'services',
] as const satisfies readonly (keyof DeviceEvidence)[];

export type NetworkEvidence = Pick<DeviceEvidence, (typeof NETWORK_FIELDS)[number]>;

const ONVIF_FIELDS = ['manufacturer', 'model', 'firmwareVersion', 'serialNumber', 'hardwareId'] as const;

const blank = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

/**
 * A device's network evidence with empty fields dropped, keys always in the same order (so two observations
 * compare as text). Unknown fields are not carried.
 */
export function networkEvidence(d: NetworkEvidence): NetworkEvidence {
  const out: Record<string, unknown> = {};
  for (const k of NETWORK_FIELDS) {
    const v = d[k];
    if (blank(v)) continue;
    if (k === 'onvif') {
      const o = v as NonNullable<DeviceEvidence['onvif']>;
      const kept = Object.fromEntries(ONVIF_FIELDS.filter((f) => !blank(o[f])).map((f) => [f, o[f]]));
      if (Object.keys(kept).length) out.onvif = kept;
    } else if (k === 'services') {
      const list = (v as NonNullable<DeviceEvidence['services']>).filter((s) => s && !blank(s.rawResponse))
        .map((s) => ({ service: s.service ?? null, port: s.port ?? null, rawResponse: s.rawResponse }));
      if (list.length) out.services = list;
    } else out[k] = v;
  }
  return out as NetworkEvidence;
}

export interface Observation {
  evidence: NetworkEvidence;
  /** The scan's finish time. */
  seenAt: string;
  address: string;
  runId: string | null;
}

type Row = repo.ObservationRow;
const toObservation = (r: Row): Observation => ({ evidence: JSON.parse(r.evidence_json), seenAt: r.seen_at, address: r.address, runId: r.run_id });
const CHUNK = 500;

export async function observationOf(tx: Tx, orgId: string, assetId: string): Promise<Observation | null> {
  const r = await repo.observationRowOf(tx, orgId, assetId);
  return r ? toObservation(r) : null;
}

export async function observationsOf(tx: Tx, orgId: string, assetIds: string[]): Promise<Map<string, Observation>> {
  const out = new Map<string, Observation>();
  const ids = [...new Set(assetIds)];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await repo.observationRowsOf(tx, orgId, ids.slice(i, i + CHUNK));
    for (const r of rows) out.set(r.asset_id, toObservation(r));
  }
  return out;
}

/**
 * Keeps what scans saw of these assets. A newer scan's observation is never replaced by an older one's (a report
 * uploaded late), and a scan that got no network evidence (say every web probe timed out) does not erase what an
 * earlier one saw. Returns the assets whose evidence changed, each with the observation kept, which the caller
 * re-evaluates with.
 */
export async function recordObservations(tx: Tx, orgId: string, seen: { assetId: string; observation: Observation }[]): Promise<Map<string, Observation>> {
  // One observation per asset (two devices of one scan matched to the same asset: the first is kept).
  const byAsset = new Map<string, Observation>();
  for (const s of seen) if (Object.keys(s.observation.evidence).length && !byAsset.has(s.assetId)) byAsset.set(s.assetId, s.observation);
  const useful = [...byAsset].map(([assetId, observation]) => ({ assetId, observation }));
  const before = await observationsOf(tx, orgId, useful.map((s) => s.assetId));
  const changed = new Map<string, Observation>();
  const rows: (Row & { org_id: string })[] = [];
  for (const { assetId, observation: o } of useful) {
    const had = before.get(assetId);
    if (had && had.seenAt > o.seenAt) continue;
    const json = JSON.stringify(o.evidence);
    if (!had || JSON.stringify(had.evidence) !== json) changed.set(assetId, o);
    rows.push({ asset_id: assetId, org_id: orgId, run_id: o.runId, address: o.address, evidence_json: json, seen_at: o.seenAt });
  }
  await repo.upsertObservationsIfNewer(tx, orgId, rows);
  return changed;
}
