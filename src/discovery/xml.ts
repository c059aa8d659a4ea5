// XML from devices is hostile input: a DTD (entity expansion, "billion laughs") is refused before parsing, entities
// are never expanded, and size and nesting are bounded. Namespace prefixes are dropped, because devices disagree on
// them (tds:, ns2:, none) while the element names are fixed by the ONVIF and WS-Discovery schemas.
import { XMLParser } from 'fast-xml-parser';

export const MAX_XML_BYTES = 256 * 1024;

export class UnsafeXmlError extends Error {}

const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,   // "0101" stays a string (serial numbers, hardware ids)
  trimValues: true,
  maxNestedTags: 64,
});

/** Parses device XML into plain objects; throws UnsafeXmlError for a DTD, an oversized or unreadable document. */
export function parseDeviceXml(text: string): Record<string, unknown> {
  if (text.length > MAX_XML_BYTES) throw new UnsafeXmlError(`XML larger than ${MAX_XML_BYTES} bytes refused`);
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new UnsafeXmlError('XML with a DTD or entity declarations refused');
  try {
    const out = parser.parse(text) as unknown;
    if (!out || typeof out !== 'object') throw new UnsafeXmlError('not an XML document');
    return out as Record<string, unknown>;
  } catch (e) {
    if (e instanceof UnsafeXmlError) throw e;
    throw new UnsafeXmlError(`unreadable XML: ${(e as Error).message.slice(0, 120)}`);
  }
}

/** Depth-first search for the first element with this (prefix-free) name. */
export function findElement(node: unknown, name: string, depth = 0): unknown {
  if (!node || typeof node !== 'object' || depth > 64) return undefined;
  const obj = node as Record<string, unknown>;
  if (name in obj) return obj[name];
  for (const v of Object.values(obj)) {
    const found = Array.isArray(v) ? v.map((x) => findElement(x, name, depth + 1)).find((x) => x !== undefined) : findElement(v, name, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** An element's text, bounded and cleaned (control characters dropped); null when absent or not text. */
export function textOf(v: unknown, max = 200): string | null {
  if (Array.isArray(v)) v = v[0];
  if (v && typeof v === 'object' && '#text' in (v as object)) v = (v as Record<string, unknown>)['#text'];
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const s = String(v).replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return s ? s.slice(0, max) : null;
}

/** A whitespace-separated list element (XAddrs, Types, Scopes) as a bounded array. */
export function listOf(v: unknown, maxItems = 64): string[] {
  const t = textOf(v, 8192);
  return t ? t.split(' ').filter(Boolean).slice(0, maxItems).map((s) => s.slice(0, 300)) : [];
}
