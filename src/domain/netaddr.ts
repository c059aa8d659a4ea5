// Pure parsers for the network identifiers an estate register holds. Each returns the canonical form or null.
import net from 'node:net';

/** Accepts aa:bb:cc:dd:ee:ff, aa-bb-…, aabb.ccdd.eeff and aabbccddeeff; returns upper-case colon form. */
export function normaliseMac(input: string): string | null {
  const hex = input.trim().replace(/[:\-.\s]/g, '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) return null;
  const shape = input.trim();
  const ok = /^[0-9a-fA-F]{2}([:-])(?:[0-9a-fA-F]{2}\1){4}[0-9a-fA-F]{2}$/.test(shape)
    || /^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$/.test(shape)
    || /^[0-9a-fA-F]{12}$/.test(shape);
  if (!ok) return null;
  return hex.toUpperCase().match(/.{2}/g)!.join(':');
}

export function normaliseIp(input: string): string | null {
  let v = input.trim();
  // Registers often zero-pad octets ("010.020.001.015"); read them as decimal, as people mean them.
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) v = v.split('.').map((o) => String(Number(o))).join('.');
  const family = net.isIP(v);
  if (family === 4) return v.split('.').map((o) => String(Number(o))).join('.');
  if (family === 6) return v.toLowerCase();
  return null;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** Validates "a.b.c.d/n" (or IPv6/n); returns the network in canonical form, with host bits cleared for IPv4. */
export function normaliseCidr(input: string): string | null {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(input.trim());
  if (!m) return null;
  const ip = normaliseIp(m[1]);
  if (!ip) return null;
  const bits = Number(m[2]);
  if (net.isIPv4(ip)) {
    if (bits > 32) return null;
    const base = bits === 0 ? 0 : (ipv4ToInt(ip) & (~0 << (32 - bits))) >>> 0;
    const parts = [24, 16, 8, 0].map((s) => (base >>> s) & 255);
    return `${parts.join('.')}/${bits}`;
  }
  if (bits > 128) return null;
  return `${ip}/${bits}`;
}

export function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  if (!net.isIPv4(ip) || !net.isIPv4(base)) return false;
  const bits = Number(bitsText);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ipv4ToInt(ip) & mask) >>> 0) === ((ipv4ToInt(base) & mask) >>> 0);
}

/** UK postcode shape (not an existence check); returns "SW1A 1AA" form. */
export function normalisePostcode(input: string): string | null {
  const v = input.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}$/.test(v)) return null;
  return `${v.slice(0, -3)} ${v.slice(-3)}`;
}

/** A real calendar date in YYYY-MM-DD. */
export function isIsoDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}
