// Scope guard: a scan dials only addresses inside the allowed CIDR ranges. Checked when the targets are read (so
// the command refuses a target by name and says why) and again before every dial, including addresses a device
// points us at (WS-Discovery XAddrs), so neither a typo nor a hostile device can send traffic or credentials out of
// scope.
import { intToIpv4, ipv4ToInt, mergeRanges, parseTarget, type TargetRange } from './targets';

export interface ScopeRefusal { target: string; reason: string }

export class ScopeGuard {
  private readonly allowed: TargetRange[];
  private readonly given: string[];

  /** `allow`: CIDR ranges (or addresses / a-b ranges); throws TargetError for one that cannot be read. */
  constructor(allow: string[]) {
    const parsed = allow.map(parseTarget);
    this.given = parsed.map((r) => r.text);
    this.allowed = mergeRanges(parsed);
  }

  /** The allowed ranges as given (each one parseable again). */
  get ranges(): string[] { return [...this.given]; }

  /** Whether one address (integer or dotted quad) may be dialled. */
  allows(address: number | string): boolean {
    const n = typeof address === 'number' ? address : ipv4ToInt(address);
    if (n === null) return false;
    // Merged ranges are sorted and disjoint: binary search.
    let lo = 0, hi = this.allowed.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.allowed[mid];
      if (n < r.first) hi = mid - 1;
      else if (n > r.last) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** Null when the whole range is allowed, else why not (naming the first address outside). */
  check(range: TargetRange): ScopeRefusal | null {
    if (!this.allowed.length) {
      return { target: range.text, reason: `${range.text} is not in an allowed range; pass --allow CIDR (no ranges are allowed yet)` };
    }
    // Walk the allowed intervals that overlap the range; any gap is an address outside.
    let next = range.first;
    for (const r of this.allowed) {
      if (r.last < next) continue;
      if (r.first > next) break;
      next = r.last + 1;
      if (next > range.last) return null;
    }
    const outside = intToIpv4(next);
    const where = next === range.first ? range.text : `${range.text} (from ${outside})`;
    return { target: range.text, reason: `${where} is not in an allowed range (${this.ranges.join(', ')}); pass --allow CIDR` };
  }

  /** Splits targets into those wholly allowed and refusals with reasons. */
  partition(targets: TargetRange[]): { allowed: TargetRange[]; refused: ScopeRefusal[] } {
    const allowed: TargetRange[] = [];
    const refused: ScopeRefusal[] = [];
    for (const t of targets) {
      const why = this.check(t);
      if (why) refused.push(why); else allowed.push(t);
    }
    return { allowed, refused };
  }
}
