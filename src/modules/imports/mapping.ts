// Which spreadsheet column fills which field: suggested from the headings people actually use, overridden by what
// the organisation saved last time, and checked before anything is read.
import { ValidationError } from '../../platform/errors';
import { FIELD_LABELS, IMPORT_FIELDS, MULTI_FIELDS, type ImportField } from './schemas';

/** Headings compare without case, spacing or punctuation: "MAC Address", "mac_address" and "MAC-address" agree. */
export const headingKey = (h: string) => h.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

// Exact heading keys first (most reliable), then words that, found in a heading, point to a field. A list means the
// heading is ambiguous: it takes the first of those fields that no clearer heading has taken ("Location" is the site,
// unless the sheet also has a "Site" column, in which case it is the place at the site).
const AMBIGUOUS: Record<string, ImportField[]> = {
  'location': ['site', 'location'], 'building': ['site', 'location'], 'description': ['location', 'notes'],
  'name': ['location'], 'id': ['externalKey'], 'version': ['firmware'], 'type': ['kind'], 'area': ['location'],
};
const EXACT: Record<string, ImportField> = {
  'make': 'manufacturer', 'manufacturer': 'manufacturer', 'brand': 'manufacturer', 'vendor': 'manufacturer', 'maker': 'manufacturer',
  'manufacturer as labelled': 'manufacturer', 'camera make': 'manufacturer', 'oem': 'manufacturer',
  'mac': 'mac', 'mac address': 'mac', 'physical address': 'mac', 'hardware address': 'mac', 'ethernet address': 'mac', 'mac addr': 'mac',
  'ip': 'ip', 'ip address': 'ip', 'ipv4': 'ip', 'ipv4 address': 'ip', 'ip addr': 'ip', 'address ip': 'ip',
  'site': 'site', 'site name': 'site', 'premises': 'site', 'property': 'site', 'venue': 'site',
  'model': 'model', 'model number': 'model', 'model no': 'model', 'product': 'model', 'part number': 'model',
  'serial': 'serial', 'serial number': 'serial', 'serial no': 'serial', 's n': 'serial', 'sn': 'serial', 'serial num': 'serial',
  'firmware': 'firmware', 'firmware version': 'firmware', 'fw': 'firmware', 'fw version': 'firmware', 'software version': 'firmware',
  'camera name': 'location', 'position': 'location', 'camera location': 'location',
  'location at the site': 'location', 'mounted at': 'location', 'view': 'location',
  'kind': 'kind', 'asset type': 'kind', 'device type': 'kind', 'equipment type': 'kind', 'category': 'kind', 'kind of device': 'kind',
  'status': 'status', 'state': 'status', 'condition': 'status', 'operational status': 'status',
  'install date': 'installDate', 'installed': 'installDate', 'installation date': 'installDate', 'date installed': 'installDate', 'commissioned': 'installDate', 'date of installation': 'installDate',
  'warranty end': 'warrantyEnd', 'warranty': 'warrantyEnd', 'warranty expiry': 'warrantyEnd', 'warranty end date': 'warrantyEnd', 'warranty expires': 'warrantyEnd',
  'notes': 'notes', 'note': 'notes', 'comments': 'notes', 'comment': 'notes', 'remarks': 'notes',
  'network': 'network', 'network name': 'network', 'vlan': 'network', 'lan': 'network',
  'system': 'system', 'system name': 'system', 'cctv system': 'system', 'scheme': 'system',
  'asset id': 'externalKey', 'asset tag': 'externalKey', 'asset number': 'externalKey', 'asset no': 'externalKey', 'asset ref': 'externalKey', 'tag': 'externalKey',
  'reference': 'externalKey', 'ref': 'externalKey', 'camera id': 'externalKey', 'camera number': 'externalKey', 'camera no': 'externalKey', 'your asset number or tag': 'externalKey',
};

const WORDS: [RegExp, ImportField][] = [
  [/\bmac\b|physical address/, 'mac'],
  [/\bip\b/, 'ip'],
  [/\bserial\b/, 'serial'],
  [/\bfirmware\b/, 'firmware'],
  [/\bwarranty\b/, 'warrantyEnd'],
  [/\binstall/, 'installDate'],
  [/\bmanufacturer\b|\bmake\b|\bbrand\b/, 'manufacturer'],
  [/\bmodel\b/, 'model'],
  [/\bbuilding\b|\bsite\b|\bpremises\b/, 'site'],
  [/\bnetwork\b|\bvlan\b/, 'network'],
  [/\bsystem\b/, 'system'],
  [/\bstatus\b/, 'status'],
  [/\btype\b|\bkind\b/, 'kind'],
  [/\bnotes?\b|\bcomments?\b/, 'notes'],
  [/\basset (id|tag|no|number|ref)\b/, 'externalKey'],
];

/** The fields a heading may mean, most likely first (empty: none). */
export function candidateFields(heading: string): { fields: ImportField[]; sure: boolean } {
  const key = headingKey(heading);
  if (!key) return { fields: [], sure: false };
  if (EXACT[key]) return { fields: [EXACT[key]], sure: true };
  if (AMBIGUOUS[key]) return { fields: AMBIGUOUS[key], sure: false };
  for (const [re, field] of WORDS) if (re.test(key)) return { fields: [field], sure: false };
  return { fields: [], sure: false };
}

/**
 * A mapping for these headings: what the caller gave (by heading, or by heading key), else what the organisation
 * saved, else the suggestion. When two headings suggest the same single-column field, only the first keeps it.
 */
export function resolveMapping(headings: string[], given: Record<string, string> | undefined, saved: Map<string, ImportField>): Record<string, ImportField> {
  const givenByKey = new Map(Object.entries(given ?? {}).map(([h, f]) => [headingKey(h), f]));
  const out: Record<string, ImportField> = {};
  const taken = new Set<ImportField>();
  const take = (h: string, f: ImportField) => { out[h] = f; if (!MULTI_FIELDS.has(f)) taken.add(f); };
  const unique = [...new Set(headings.filter(Boolean))];
  // What the person chose (now or last time) first, then sure suggestions, then the ambiguous ones.
  for (const h of unique) {
    const chosen = (given?.[h] ?? givenByKey.get(headingKey(h)) ?? saved.get(headingKey(h))) as ImportField | undefined;
    if (chosen) take(h, chosen);
  }
  for (const sure of [true, false]) {
    for (const h of unique) {
      if (h in out) continue;
      const c = candidateFields(h);
      if (c.sure !== sure) continue;
      const f = c.fields.find((x) => MULTI_FIELDS.has(x) || !taken.has(x));
      if (f) take(h, f);
    }
  }
  for (const h of unique) if (!(h in out)) out[h] = 'ignore';
  return Object.fromEntries(unique.map((h) => [h, out[h]]));
}

/** Checks a mapping against the file's headings: known fields, one column per field, and something worth importing. */
export function checkMapping(headings: string[], mapping: Record<string, string>): Record<string, ImportField> {
  const errors: Record<string, string> = {};
  const present = new Set(headings);
  const presentKeys = new Map(headings.map((h) => [headingKey(h), h]));
  const out: Record<string, ImportField> = {};
  for (const [heading, field] of Object.entries(mapping)) {
    const h = present.has(heading) ? heading : presentKeys.get(headingKey(heading));
    if (!h) { errors[`mapping.${heading}`] = `The file has no column headed “${heading}”`; continue; }
    if (!(IMPORT_FIELDS as readonly string[]).includes(field)) { errors[`mapping.${heading}`] = `“${field}” is not a field Sightline imports (choose one of ${IMPORT_FIELDS.join(', ')})`; continue; }
    out[h] = field as ImportField;
  }
  const byField = new Map<ImportField, string[]>();
  for (const [h, f] of Object.entries(out)) byField.set(f, [...(byField.get(f) ?? []), h]);
  for (const [f, hs] of byField) {
    if (!MULTI_FIELDS.has(f) && hs.length > 1) errors[`mapping.${hs[1]}`] = `Only one column can be the ${FIELD_LABELS[f].toLowerCase()}: “${hs.join('” and “')}” both are`;
  }
  const used = [...byField.keys()].filter((f) => f !== 'ignore');
  if (!used.length) errors.mapping = 'No column is mapped to a field, so there is nothing to import';
  else if (!used.some((f) => ['serial', 'mac', 'externalKey', 'manufacturer', 'model', 'ip'].includes(f))) {
    errors.mapping = 'Map at least one column that describes the device: serial number, MAC address, your asset number, manufacturer, model or IP address';
  }
  if (Object.keys(errors).length) throw new ValidationError(errors, `The column mapping needs correcting: ${Object.values(errors).join('; ')}`);
  return out;
}
