// Pure rules of the DPIA: how a risk is scored, and which changes to a system since its DPIA was signed off
// mean the DPIA must be reviewed (the Code's guidance: redo it when cameras are added, removed, moved or
// upgraded, or when biometrics or ANPR are introduced). No I/O here.

export const LIKELIHOODS = ['remote', 'possible', 'probable'] as const;
export const SEVERITIES = ['minimal', 'significant', 'severe'] as const;
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type Likelihood = (typeof LIKELIHOODS)[number];
export type Severity = (typeof SEVERITIES)[number];
export type RiskLevel = (typeof RISK_LEVELS)[number];

/**
 * The ICO DPIA template's 3×3 matrix: likelihood × severity scored 1–3 each; 1–2 is low, 3–4 medium, 6–9 high.
 * (So a remote but severe harm is medium, and a possible, severe one is high.)
 */
export function overallRisk(likelihood: Likelihood, severity: Severity): RiskLevel {
  const score = (LIKELIHOODS.indexOf(likelihood) + 1) * (SEVERITIES.indexOf(severity) + 1);
  return score <= 2 ? 'low' : score <= 4 ? 'medium' : 'high';
}

/** One device as the DPIA's camera list shows it; frozen into the version when it is signed off. */
export interface CameraEntry {
  assetId: string; kind: string; name: string; manufacturer: string | null; model: string | null; firmware: string | null;
  siteId: string | null; siteName: string | null; status: string;
}

/** The same device now, with the dates needed to say when a change happened. */
export interface CurrentCamera extends CameraEntry { createdAt: string; updatedAt: string }

export interface Features { anpr: boolean; biometrics: boolean }
export interface CurrentFeatures extends Features { anprChangedAt: string | null; biometricsChangedAt: string | null }

/** Where an asset that left the system went: moved to another system or none, or deleted from the register (when). */
export interface Departure { assetId: string; deletedAt: string | null; movedAt: string | null }

export interface ReviewReason { key: string; reason: string; occurredOn: string }

const KIND_NAMES: Record<string, string> = { camera: 'Camera', nvr: 'NVR', dvr: 'DVR', encoder: 'Encoder', 'vms-server': 'VMS server', switch: 'Switch', other: 'Device' };

/** "Camera 'Car park 3' (DS-2CD2143)" – how a device is named in a review reason. */
export function deviceLabel(c: Pick<CameraEntry, 'kind' | 'name' | 'model'>): string {
  return `${KIND_NAMES[c.kind] ?? 'Device'} '${c.name}'${c.model ? ` (${c.model})` : ''}`;
}

const ukDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });
/** The UK calendar day of a timestamp (a change at 00:30 BST belongs to that day, not the UTC one before). */
const day = (iso: string | null, fallback: string) => {
  const v = iso ?? fallback;
  return v.length > 10 ? ukDate.format(new Date(v)) : v;
};
const same = (a: string | null, b: string | null) => (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();

/**
 * Why a signed-off DPIA is due for review: each difference between the camera list and features frozen at sign-off
 * and the register now, plus a passed review date. Keys identify the change itself (and the new value), so the
 * same change is recorded once and a later, different change is recorded again.
 */
export function reviewReasons(input: {
  signedOffAt: string; reviewDate: string | null; today: string;
  snapshot: CameraEntry[]; current: CurrentCamera[]; departures: Departure[];
  snapshotFeatures: Features; features: CurrentFeatures | null;
}): ReviewReason[] {
  const out: ReviewReason[] = [];
  const { today } = input;
  const before = new Map(input.snapshot.map((c) => [c.assetId, c]));
  const now = new Map(input.current.map((c) => [c.assetId, c]));

  for (const c of input.current) {
    const was = before.get(c.assetId);
    if (!was) {
      const isNew = c.createdAt > input.signedOffAt;
      out.push({ key: `added:${c.assetId}`, occurredOn: day(isNew ? c.createdAt : c.updatedAt, today),
        reason: `${deviceLabel(c)} ${isNew ? 'added to' : 'moved onto'} the system on ${day(isNew ? c.createdAt : c.updatedAt, today)}` });
      continue;
    }
    const on = day(c.updatedAt, today);
    if ((was.siteId ?? '') !== (c.siteId ?? '')) {
      out.push({ key: `site:${c.assetId}:${c.siteId ?? ''}`, occurredOn: on,
        reason: `${deviceLabel(c)} moved from ${was.siteName ?? 'no site'} to ${c.siteName ?? 'no site'} on ${on}` });
    }
    if (!same(was.model, c.model) || !same(was.manufacturer, c.manufacturer)) {
      out.push({ key: `model:${c.assetId}:${(c.manufacturer ?? '').toLowerCase()}:${(c.model ?? '').toLowerCase()}`, occurredOn: on,
        reason: `${deviceLabel(was)} replaced or upgraded to ${[c.manufacturer, c.model].filter(Boolean).join(' ') || 'an unrecorded model'} on ${on}` });
    }
    if (!same(was.firmware, c.firmware)) {
      out.push({ key: `firmware:${c.assetId}:${(c.firmware ?? '').toLowerCase()}`, occurredOn: on,
        reason: `${deviceLabel(c)} firmware changed from ${was.firmware ?? 'unrecorded'} to ${c.firmware ?? 'unrecorded'} on ${on}` });
    }
    if (was.status !== 'removed' && c.status === 'removed') {
      out.push({ key: `status:${c.assetId}:removed`, occurredOn: on, reason: `${deviceLabel(c)} marked as removed on ${on}` });
    }
  }

  const departures = new Map(input.departures.map((d) => [d.assetId, d]));
  for (const was of input.snapshot) {
    if (now.has(was.assetId)) continue;
    const d = departures.get(was.assetId);
    const on = day(d?.deletedAt ?? d?.movedAt ?? null, today);
    out.push({ key: `removed:${was.assetId}`, occurredOn: on,
      reason: d?.deletedAt ? `${deviceLabel(was)} deleted from the register on ${on}` : `${deviceLabel(was)} moved off the system on ${on}` });
  }

  const f = input.features;
  if (f?.anpr && !input.snapshotFeatures.anpr) {
    const on = day(f.anprChangedAt, today);
    out.push({ key: `anpr:${f.anprChangedAt ?? ''}`, occurredOn: on, reason: `Automatic number plate recognition (ANPR) enabled on the system on ${on}` });
  }
  if (f?.biometrics && !input.snapshotFeatures.biometrics) {
    const on = day(f.biometricsChangedAt, today);
    out.push({ key: `biometrics:${f.biometricsChangedAt ?? ''}`, occurredOn: on, reason: `Biometric recognition (such as facial recognition) enabled on the system on ${on}` });
  }

  if (input.reviewDate && input.reviewDate < today) {
    out.push({ key: `review-date:${input.reviewDate}`, occurredOn: input.reviewDate, reason: `The review date, ${input.reviewDate}, has passed` });
  }
  return out;
}
