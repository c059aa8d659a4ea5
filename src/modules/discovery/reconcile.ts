// Reconciliation: what a scan saw, compared with what the register says. Four kinds of difference, each settled
// by one action (see service.ts actOnItem):
//   new         a device answered that no asset matches (by MAC, then serial, then IP)   → add to the register
//   changed     a matched asset's firmware, IP or MAC differs from what the device says   → update the asset
//   provenance  the device's evidence names a different maker than the register's verdict → apply the evidence
//   missing     an asset with an IP inside the scanned targets did not answer            → mark it missing
import { catalogueRuntime } from '../../catalog';
import type { Tx } from '../../platform/context';
import type { Verdict } from '../../domain/provenance-types';
import type { ScopeGuard } from '../../discovery/scope';
import type { AssetInput } from '../assets/schemas';
import * as repo from './repo';
import type { ReconciliationKind } from '../../platform/tables/discovery';

/** A device as stored for a run: the fields reconciliation compares, and the server's verdict. */
export interface SeenDevice {
  id: string; address: string; mac: string | null; serial: string | null; model: string | null; firmware: string | null; brand: string | null;
  verdict: Verdict;
  /** Hints for the kind of device (WS-Discovery types, web page title). */
  hints: string[];
}

export interface PlannedItem { kind: ReconciliationKind; deviceId: string | null; assetId: string | null; detail: Record<string, unknown> }

export type ChangeField = 'firmware' | 'ip' | 'mac';
export interface FieldChange { field: ChangeField; register: string | null; seen: string }

export const companyName = (slug: string | null) => (slug ? catalogueRuntime().companies.get(slug)?.name ?? slug : null);

/** What kind of register entry a device most likely is, from its model, page title and ONVIF types. */
export function guessKind(d: Pick<SeenDevice, 'model' | 'hints'>): AssetInput['kind'] {
  const text = [d.model, ...d.hints].filter(Boolean).join(' ');
  if (/\bNVR\b|NetworkVideoRecorder|network video recorder/i.test(text)) return 'nvr';
  if (/\b[DX]VR\b|digital video recorder/i.test(text)) return 'dvr';
  if (/encoder|video server|\bDVS\b/i.test(text)) return 'encoder';
  return 'camera';
}

/** The register fields a device's evidence can fill in (each cut to the register's own limits). */
export function evidenceFields(d: Pick<SeenDevice, 'mac' | 'model' | 'firmware' | 'serial'>) {
  const cut = (v: string | null, max: number) => (v ? v.trim().slice(0, max) || null : null);
  return { mac: d.mac, model: cut(d.model, 200), firmware: cut(d.firmware, 200), serial: cut(d.serial, 100) };
}

function matchAsset(d: SeenDevice, byMac: Map<string, repo.RegisterAsset>, bySerial: Map<string, repo.RegisterAsset>, byIp: Map<string, repo.RegisterAsset>) {
  const mac = d.mac ? byMac.get(d.mac) : undefined;
  if (mac) return { asset: mac, by: 'mac' as const };
  const serial = d.serial ? bySerial.get(d.serial) : undefined;
  if (serial) return { asset: serial, by: 'serial' as const };
  const ip = byIp.get(d.address);
  // Same address but a different MAC and serial on both sides: the device at that address was replaced, so it is a
  // new device (and the old asset, if it does not answer elsewhere, is missing).
  if (ip && !(ip.mac && d.mac && ip.mac !== d.mac) && !(ip.serial && d.serial && ip.serial !== d.serial)) return { asset: ip, by: 'ip' as const };
  return null;
}

/** Prefers assets in service over ones recorded as removed when two share a MAC, serial or IP. */
function indexBy(assets: repo.RegisterAsset[], key: (a: repo.RegisterAsset) => string | null) {
  const m = new Map<string, repo.RegisterAsset>();
  for (const a of assets) {
    const k = key(a);
    if (!k) continue;
    const have = m.get(k);
    if (!have || (have.status === 'removed' && a.status !== 'removed')) m.set(k, a);
  }
  return m;
}

/**
 * Compares the devices with the register. `scanned` says which addresses the scan covered (its targets, within the
 * organisation's allowed ranges); "missing" is only judged for a scan that ran to the end.
 */
export async function reconcile(tx: Tx, orgId: string, devices: SeenDevice[], scanned: (ip: string) => boolean, interrupted: boolean): Promise<{
  items: PlannedItem[]; seenAssetIds: string[];
  /** Which device each seen asset is (its observed evidence is kept with the asset). */
  matched: { assetId: string; deviceId: string }[];
}> {
  const pick = (f: (d: SeenDevice) => string | null) => devices.map(f).filter((v): v is string => !!v);
  const [macs, serials, ips] = await Promise.all([
    repo.assetsMatching(tx, orgId, 'mac', pick((d) => d.mac)),
    repo.assetsMatching(tx, orgId, 'serial', pick((d) => d.serial)),
    repo.assetsMatching(tx, orgId, 'ip', pick((d) => d.address)),
  ]);
  const byMac = indexBy(macs, (a) => a.mac);
  const bySerial = indexBy(serials, (a) => a.serial);
  const byIp = indexBy(ips, (a) => a.ip);

  const items: PlannedItem[] = [];
  const seenAssets = new Set<string>();
  const matched: { d: SeenDevice; asset: repo.RegisterAsset; by: string }[] = [];
  for (const d of devices) {
    const m = matchAsset(d, byMac, bySerial, byIp);
    if (!m) {
      items.push({ kind: 'new', deviceId: d.id, assetId: null, detail: {
        address: d.address, ...evidenceFields(d), brand: d.brand, kind: guessKind(d),
        origin: d.verdict.origin, originName: companyName(d.verdict.origin), nilSubject: d.verdict.nilSubject, confidence: d.verdict.confidence,
      } });
      continue;
    }
    seenAssets.add(m.asset.id);
    matched.push({ d, asset: m.asset, by: m.by });
  }

  const origins = await repo.storedOrigins(tx, orgId, matched.map((m) => m.asset.id));
  for (const { d, asset, by } of matched) {
    const changes: FieldChange[] = [];
    if (d.firmware && d.firmware !== asset.firmware) changes.push({ field: 'firmware', register: asset.firmware, seen: evidenceFields(d).firmware! });
    if (d.address !== asset.ip) changes.push({ field: 'ip', register: asset.ip, seen: d.address });
    if (d.mac && d.mac !== asset.mac) changes.push({ field: 'mac', register: asset.mac, seen: d.mac });
    if (changes.length) items.push({ kind: 'changed', deviceId: d.id, assetId: asset.id, detail: { matchedBy: by, changes } });

    const registerOrigin = origins.get(asset.id) ?? null;
    if (d.verdict.origin && d.verdict.origin !== registerOrigin) {
      // What the register lacks and the device told us: applying it lets the register's own verdict see it too.
      const fill = Object.fromEntries(Object.entries(evidenceFields(d)).filter(([k, v]) => v && !asset[k as keyof repo.RegisterAsset]));
      items.push({ kind: 'provenance', deviceId: d.id, assetId: asset.id, detail: {
        label: asset.manufacturer, registerOrigin, registerOriginName: companyName(registerOrigin),
        seenOrigin: d.verdict.origin, seenOriginName: companyName(d.verdict.origin), seenNilSubject: d.verdict.nilSubject,
        confidence: d.verdict.confidence, evidence: d.verdict.evidence.filter((e) => e.company).slice(0, 6).map((e) => e.indicates), fill,
      } });
    }
  }

  if (!interrupted) {
    for await (const batch of repo.assetsWithIp(tx, orgId)) {
      for (const a of batch) {
        if (seenAssets.has(a.id) || !a.ip || !scanned(a.ip)) continue;
        items.push({ kind: 'missing', deviceId: null, assetId: a.id, detail: { ip: a.ip, label: a.manufacturer, model: a.model, serial: a.serial, kind: a.kind } });
      }
    }
  }
  return { items, seenAssetIds: [...seenAssets], matched: matched.map((m) => ({ assetId: m.asset.id, deviceId: m.d.id })) };
}

/** A scanned-address test: inside one of the targets and inside the allowed ranges. */
export function scannedTest(targets: ScopeGuard, allowed: ScopeGuard) {
  return (ip: string) => targets.allows(ip) && allowed.allows(ip);
}
