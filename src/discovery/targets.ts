// Scan targets: single IPv4 addresses, CIDR ranges and a-b ranges, held as integer intervals and expanded lazily,
// so a /8 costs no memory until it is walked.

/** An inclusive range of IPv4 addresses as unsigned 32-bit integers, with the text it came from. */
export interface TargetRange { text: string; first: number; last: number }

/** The most addresses one scan may cover (a /8): beyond that a typo ("10.0.0.0/1") is far likelier than intent. */
export const MAX_TARGET_ADDRESSES = 2 ** 24;

const OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** "192.0.2.7" → integer, or null when it is not a dotted-quad IPv4 address. */
export function ipv4ToInt(text: string): number | null {
  const m = OCTETS.exec(text.trim());
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return null;
    n = n * 256 + o;
  }
  return n;
}

export function intToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export class TargetError extends Error {}

/**
 * Parses one target: "a.b.c.d", "a.b.c.d/n", "a.b.c.d-e.f.g.h" or the short form "a.b.c.d-h" (last octet).
 * Throws TargetError naming the target when it cannot be read.
 */
export function parseTarget(input: string): TargetRange {
  const text = input.trim();
  if (!text) throw new TargetError('empty target');
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const base = ipv4ToInt(text.slice(0, slash));
    const bitsText = text.slice(slash + 1);
    if (base === null || !/^\d{1,2}$/.test(bitsText) || Number(bitsText) > 32) {
      throw new TargetError(`"${text}" is not a CIDR range (expected a.b.c.d/n with n from 0 to 32)`);
    }
    const bits = Number(bitsText);
    const size = 2 ** (32 - bits);
    const first = Math.floor(base / size) * size; // clear the host bits: 127.2.3.4/16 means 127.2.0.0/16
    return { text, first, last: first + size - 1 };
  }
  const dash = text.indexOf('-');
  if (dash >= 0) {
    const left = text.slice(0, dash).trim();
    const right = text.slice(dash + 1).trim();
    const first = ipv4ToInt(left);
    let last = ipv4ToInt(right);
    if (first !== null && last === null && /^\d{1,3}$/.test(right) && Number(right) <= 255) last = ((first & ~255) | Number(right)) >>> 0;
    if (first === null || last === null) throw new TargetError(`"${text}" is not a range (expected a.b.c.d-e.f.g.h or a.b.c.d-h)`);
    if (last < first) throw new TargetError(`"${text}" is a range that ends before it starts`);
    return { text, first, last };
  }
  const n = ipv4ToInt(text);
  if (n === null) throw new TargetError(`"${text}" is not an IPv4 address, CIDR range or a-b range (host names are not scanned)`);
  return { text, first: n, last: n };
}

/** Sorted, non-overlapping intervals: an address given twice (in two overlapping ranges) is scanned once. */
export function mergeRanges(ranges: TargetRange[]): TargetRange[] {
  const sorted = [...ranges].sort((a, b) => a.first - b.first);
  const out: TargetRange[] = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && r.first <= prev.last + 1) {
      if (r.last > prev.last) out[out.length - 1] = { text: `${prev.text},${r.text}`, first: prev.first, last: r.last };
    } else out.push({ ...r });
  }
  return out;
}

export function countAddresses(ranges: TargetRange[]): number {
  return ranges.reduce((n, r) => n + (r.last - r.first + 1), 0);
}

/** Parses and merges a target list; throws TargetError for a bad target or a list past MAX_TARGET_ADDRESSES. */
export function parseTargets(inputs: string[]): TargetRange[] {
  if (!inputs.length) throw new TargetError('no targets given');
  const merged = mergeRanges(inputs.map(parseTarget));
  const total = countAddresses(merged);
  if (total > MAX_TARGET_ADDRESSES) throw new TargetError(`the targets cover ${total} addresses; at most ${MAX_TARGET_ADDRESSES} (a /8) per scan`);
  return merged;
}

/** Every address of the ranges, in order, as integers: generated on demand. */
export function* addresses(ranges: TargetRange[]): Generator<number> {
  for (const r of ranges) for (let n = r.first; n <= r.last; n++) yield n;
}
