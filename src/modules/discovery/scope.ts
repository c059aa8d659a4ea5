// The organisation's discovery scope on the server: which address ranges scans (uploaded or scheduled) and device
// credentials may touch. The range arithmetic is the scanner's own (src/discovery/targets.ts, scope.ts), so the
// server and the command agree on what "inside" means.
import type { Tx } from '../../platform/context';
import { ScopeGuard } from '../../discovery/scope';
import { parseTarget, TargetError, type TargetRange } from '../../discovery/targets';

/** Address space that is not routed on the public internet (RFC 1918, loopback, link-local, shared CGNAT space). */
const NON_PUBLIC = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10'];
const nonPublic = new ScopeGuard(NON_PUBLIC);

/** True when some of the range is public (internet) address space. */
export function isPublicRange(cidr: string): boolean {
  return nonPublic.check(parseTarget(cidr)) !== null;
}

/** A target ("10.1.2.3", "10.1.0.0/24", "10.1.2.1-10.1.2.50"), or null when it cannot be read. */
export function readTarget(text: string): TargetRange | null {
  try { return parseTarget(text); } catch (e) { if (e instanceof TargetError) return null; throw e; }
}

export async function allowedCidrs(tx: Tx, orgId: string): Promise<string[]> {
  const rows = await tx.selectFrom('discovery_ranges').select('cidr').where('org_id', '=', orgId).orderBy('cidr').execute();
  return rows.map((r) => r.cidr);
}

/** The organisation's scope guard (allows nothing when no range is configured). */
export async function orgScope(tx: Tx, orgId: string): Promise<ScopeGuard> {
  return new ScopeGuard(await allowedCidrs(tx, orgId));
}

/** Null when the target lies wholly inside the guard's ranges, else why not, in words for an administrator. */
export function outsideReason(guard: ScopeGuard, target: string): string | null {
  const range = readTarget(target);
  if (!range) return `"${target}" is not an IPv4 address, CIDR range or a-b range`;
  if (!guard.ranges.length) return `${target} is not in an allowed range: no ranges are allowed for discovery yet`;
  return guard.check(range) ? `${target} is outside the organisation’s allowed ranges (${guard.ranges.join(', ')})` : null;
}
