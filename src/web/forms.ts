// Converts HTML form fields (always strings) into the shapes the zod schemas expect, without judging them:
// a bad value is passed through so the schema can name the field in its error.

export type FormBody = Record<string, unknown>;

export function text(v: unknown): string | null {
  if (Array.isArray(v)) v = v[0];
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t === '' ? null : t;
}

export function numberOrRaw(v: unknown): number | string | null {
  const t = text(v);
  if (t === null) return null;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

export function yesNo(v: unknown): boolean | undefined {
  const t = text(v);
  return t === 'yes' ? true : t === 'no' ? false : undefined;
}

export function list(v: unknown): string[] {
  const arr = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return arr.map((x) => String(x).trim()).filter(Boolean);
}

/** GOV.UK date input: three fields (name-day, name-month, name-year) become YYYY-MM-DD, or the raw text if not a date. */
export function dateParts(body: FormBody, name: string): string | null {
  const d = text(body[`${name}-day`]);
  const m = text(body[`${name}-month`]);
  const y = text(body[`${name}-year`]);
  if (!d && !m && !y) return null;
  if (!d || !m || !y || !/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(m) || !/^\d{4}$/.test(y)) return `${y ?? ''}-${m ?? ''}-${d ?? ''}`;
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

/** The three values a GOV.UK date input shows for a stored YYYY-MM-DD (or for what the person typed). */
export function dateFields(body: FormBody | null, name: string, iso: string | null) {
  if (body) return { day: text(body[`${name}-day`]) ?? '', month: text(body[`${name}-month`]) ?? '', year: text(body[`${name}-year`]) ?? '' };
  if (!iso) return { day: '', month: '', year: '' };
  const [year, month, day] = iso.split('-');
  return { day: String(Number(day)), month: String(Number(month)), year };
}
