import type { OrgContext } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { renderFinding } from '../../domain/policy';
import type { EvidenceKind } from '../../domain/compliance';
import { describe, getAsset } from '../assets/service';
import { getFinding } from '../findings/service';
import { getSite } from '../sites/service';
import type { Asset } from '../assets/schemas';
import { getDocument } from '../documents/service';
import { getVisit, type Visit } from '../maintenance/service';

/** A record linked as evidence: its label, and whether the module that owns it confirmed it exists in this organisation. */
export interface ResolvedEvidence { label: string; verified: boolean }

const notFoundIn = (e: unknown) => e instanceof AppError && e.status === 404;
/** The owning module's record, or null when it is not in this organisation. */
const orNull = <T>(p: Promise<T>): Promise<T | null> => p.catch((e) => { if (notFoundIn(e)) return null; throw e; });

/**
 * Looks an evidence link up in the module that owns the record, scoped to the organisation. Returns null when the
 * record is not there. (Links stored as unverified are looked up again each time the assessment is drawn.)
 */
export async function resolveEvidence(ctx: OrgContext, kind: EvidenceKind, refId: string): Promise<ResolvedEvidence | null> {
  switch (kind) {
    case 'asset': {
      const a = await orNull(getAsset(ctx, refId));
      return a ? { label: describe(a), verified: true } : null;
    }
    case 'site': {
      const s = await orNull(getSite(ctx, refId));
      return s ? { label: s.name, verified: true } : null;
    }
    case 'finding': {
      const f = await orNull(getFinding(ctx, refId));
      return f ? { label: `${f.title} (${f.status})`, verified: true } : null;
    }
    case 'document': {
      try {
        const d = await getDocument(ctx, refId);
        return { label: d.title, verified: true };
      } catch (e) {
        if (notFoundIn(e)) return null;
        throw e;
      }
    }
    case 'maintenance':
      return resolveMaintenance(ctx, refId);
  }
}

async function resolveMaintenance(ctx: OrgContext, refId: string): Promise<ResolvedEvidence | null> {
  try {
    return { label: visitLabel(await getVisit(ctx, refId)), verified: true };
  } catch (e) {
    if (notFoundIn(e)) return null;
    throw e;
  }
}

/** "Quarterly clean on 2026-03-02 (done)" – a maintenance visit as named in evidence lists. */
export const visitLabel = (v: Pick<Visit, 'scheduleTitle' | 'visitDate' | 'status'>) => `${v.scheduleTitle ?? 'Maintenance visit'} on ${v.visitDate} (${v.status})`;

/** A device as named on compliance pages, from a row of the assets table. */
export const deviceLabel = (a: { kind: string; manufacturer: string | null; model: string | null; serial: string | null }) => describe({ ...a, kind: a.kind as Asset['kind'] });

/** Where a linked record is seen in the app. */
export function evidenceHref(base: string, kind: EvidenceKind, refId: string): string {
  const paths: Record<EvidenceKind, string> = { asset: 'assets', site: 'sites', finding: 'findings', document: 'documents', maintenance: 'maintenance/visits' };
  return `${base}/${paths[kind]}/${refId}`;
}
