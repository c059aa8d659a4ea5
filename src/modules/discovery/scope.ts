// The organisation's discovery scope on the server: which address ranges scans (uploaded or scheduled) and device
// credentials may touch. The range arithmetic is the scanner's own (src/discovery/targets.ts, scope.ts), so the
// server and the command agree on what "inside" means.
import os from 'node:os';
import type { Tx } from '../../platform/context';
import { ScopeGuard } from '../../discovery/scope';
import { intToIpv4, mergeRanges, parseTarget, TargetError, type TargetRange } from '../../discovery/targets';

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

/**
 * Where the server's own scheduled scans must never go unless the operator allows it (SIGHTLINE_SERVER_SCAN_ALLOW):
 * the server itself (loopback, "this network", its own interface addresses) and the link-local range that holds
 * cloud metadata services (169.254.169.254), plus CGNAT space a provider shares. An organisation's admin could
 * otherwise aim the server at itself. Agent scans (`discover --upload`) run on the organisation's own machine and
 * keep the organisation's ranges only.
 */
const SERVER_ONLY_REFUSED: [string, string][] = [
  ['0.0.0.0/8', '"this network"'], ['127.0.0.0/8', 'loopback (the server itself)'],
  ['169.254.0.0/16', 'link-local (includes cloud metadata at 169.254.169.254)'], ['100.64.0.0/10', 'shared CGNAT space'],
];

function refusedForServer(operatorAllow: string[]): { range: TargetRange; why: string }[] {
  const own = Object.values(os.networkInterfaces()).flat()
    .filter((i): i is os.NetworkInterfaceInfo => !!i && i.family === 'IPv4').map((i) => [i.address, 'an address of the server itself'] as [string, string]);
  const allowed = mergeRanges(operatorAllow.map(parseTarget));
  return [...SERVER_ONLY_REFUSED, ...own].flatMap(([cidr, why]) => subtract([parseTarget(cidr)], allowed).map((range) => ({ range, why })));
}

/** `from` less `minus`, as a-b ranges (each parseable again). */
function subtract(from: TargetRange[], minus: TargetRange[]): TargetRange[] {
  let out = mergeRanges(from);
  for (const m of mergeRanges(minus)) {
    out = out.flatMap((r) => {
      if (m.last < r.first || m.first > r.last) return [r];
      const parts: TargetRange[] = [];
      if (m.first > r.first) parts.push({ text: '', first: r.first, last: m.first - 1 });
      if (m.last < r.last) parts.push({ text: '', first: m.last + 1, last: r.last });
      return parts;
    });
  }
  // A range left whole keeps its text ("10.0.0.0/24"); cut or merged ones are written as a-b.
  return out.map((r) => (r.text && !r.text.includes(',') ? r : { ...r, text: r.first === r.last ? intToIpv4(r.first) : `${intToIpv4(r.first)}-${intToIpv4(r.last)}` }));
}

/** Null when a server-side scan may reach the target, else why not, naming the operator setting. */
export function serverScanRefusal(target: string, operatorAllow: string[]): string | null {
  const range = readTarget(target);
  if (!range) return null; // unreadable targets are refused, with their own message, by outsideReason
  const hit = refusedForServer(operatorAllow).find((f) => f.range.first <= range.last && f.range.last >= range.first);
  if (!hit) return null;
  const first = intToIpv4(Math.max(hit.range.first, range.first));
  return `${target} includes ${first}, ${hit.why}: the server does not scan it unless the operator allows it with SIGHTLINE_SERVER_SCAN_ALLOW`;
}

/** The organisation's ranges less what the server must not reach: what the scanner's own guard checks each dial against. */
export function serverScanRanges(orgRanges: string[], operatorAllow: string[]): string[] {
  return subtract(orgRanges.map(parseTarget), refusedForServer(operatorAllow).map((f) => f.range)).map((r) => r.text);
}
