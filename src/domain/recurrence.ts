// Recurring calendar dates from an RFC 5545 recurrence rule (RRULE). Pure: no I/O, no clock.
//
// Maintenance falls due on calendar dates in Europe/London, never at instants. So every date here is a
// YYYY-MM-DD string, and rrule works on UTC-midnight Date values that stand for those dates: UTC has no summer
// time, so a rule can never gain, lose or repeat a day at the end of March or October. Which London date it is
// "today" is the caller's business (platform/clock londonParts).
//
// rrule 2.8's own parser is lenient (FREQ=FOO parses to nothing, INTERVAL=abc is kept as text), so rules are
// checked here first against the part of RFC 5545 that makes sense for all-day dates, with messages a person
// can act on.

import * as rruleModule from 'rrule';

// rrule ships a UMD main file: under Node's ESM loader its exports sit on `default`; under a bundler they are named.
const lib: typeof rruleModule = (rruleModule as any).default?.RRule ? (rruleModule as any).default : rruleModule;
const { RRule } = lib;

export const FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A weekday, optionally with its ordinal in the month or year (-1FR is the last Friday). */
export interface ByDay { n: number | null; day: Weekday }

/** The parts of a rule this product accepts; everything else in RFC 5545 is about times of day. */
export interface RuleParts {
  freq: Frequency;
  interval: number;
  count: number | null;
  /** Last possible date, inclusive (YYYY-MM-DD). */
  until: string | null;
  byDay: ByDay[];
  byMonthDay: number[];
  byMonth: number[];
  bySetPos: number[];
}

export type ParseResult = { ok: true; rule: RuleParts; text: string } | { ok: false; error: string };

export const MAX_RULE_LENGTH = 300;
/** Bounds any single enumeration: a daily rule over 27 years. */
export const MAX_OCCURRENCES = 10_000;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isCalendarDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

export const toUtcDate = (iso: string) => new Date(`${iso}T00:00:00Z`);
const addDaysIso = (iso: string, n: number) => { const d = toUtcDate(iso); d.setUTCDate(d.getUTCDate() + n); return fromUtcDate(d); };
export const fromUtcDate = (d: Date) => d.toISOString().slice(0, 10);

function intList(value: string, name: string, min: number, max: number, allowNegative: boolean): number[] | string {
  const out: number[] = [];
  for (const raw of value.split(',')) {
    if (!/^[+-]?\d{1,3}$/.test(raw)) return `${name} must be a list of whole numbers, like ${name}=1,15`;
    const n = Number(raw);
    const abs = Math.abs(n);
    if (n === 0 || abs < min || abs > max || (n < 0 && !allowNegative)) {
      return `${name} values must be between ${allowNegative ? `-${max} and -${min} or ` : ''}${min} and ${max}`;
    }
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

const PART_NAMES = ['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST'];
const TIME_PARTS = ['BYHOUR', 'BYMINUTE', 'BYSECOND'];

/**
 * Parses and checks a recurrence rule ("FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR", with or without "RRULE:").
 * Returns the parts and the rule in a canonical spelling, or the first problem in words.
 */
export function parseRule(input: string): ParseResult {
  const fail = (error: string): ParseResult => ({ ok: false, error });
  if (typeof input !== 'string') return fail('Enter a recurrence rule');
  let text = input.trim();
  if (!text) return fail('Enter a recurrence rule, like FREQ=MONTHLY;INTERVAL=3');
  if (text.length > MAX_RULE_LENGTH) return fail(`The recurrence rule must be ${MAX_RULE_LENGTH} characters or fewer`);
  if (/^RRULE:/i.test(text)) text = text.slice(6);
  if (/[\r\n]/.test(text)) return fail('Enter one rule on one line (DTSTART is set by the start date)');
  const seen = new Map<string, string>();
  for (const part of text.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 1) return fail(`"${part.slice(0, 40)}" is not a NAME=VALUE part of a recurrence rule`);
    const name = part.slice(0, eq).toUpperCase();
    const value = part.slice(eq + 1).toUpperCase();
    if (TIME_PARTS.includes(name)) return fail(`${name} is not used: maintenance falls due on whole days`);
    if (name === 'DTSTART') return fail('Leave DTSTART out: the start date sets it');
    if (!PART_NAMES.includes(name)) return fail(`${name} is not a part of a recurrence rule this service understands (use ${PART_NAMES.join(', ')})`);
    if (seen.has(name)) return fail(`${name} is given twice`);
    if (value === '') return fail(`${name} needs a value`);
    seen.set(name, value);
  }
  const freq = seen.get('FREQ');
  if (!freq) return fail('The rule needs FREQ (DAILY, WEEKLY, MONTHLY or YEARLY)');
  if (!(FREQUENCIES as readonly string[]).includes(freq)) {
    return fail(['SECONDLY', 'MINUTELY', 'HOURLY'].includes(freq) ? `FREQ=${freq} is not used: maintenance falls due on whole days` : `FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY, not ${freq}`);
  }
  const rule: RuleParts = { freq: freq as Frequency, interval: 1, count: null, until: null, byDay: [], byMonthDay: [], byMonth: [], bySetPos: [] };

  const interval = seen.get('INTERVAL');
  if (interval !== undefined) {
    if (!/^\d{1,3}$/.test(interval) || +interval < 1) return fail('INTERVAL must be a whole number from 1 to 999');
    rule.interval = +interval;
  }
  const count = seen.get('COUNT');
  if (count !== undefined) {
    if (!/^\d{1,4}$/.test(count) || +count < 1) return fail('COUNT must be a whole number from 1 to 9999');
    rule.count = +count;
  }
  const until = seen.get('UNTIL');
  if (until !== undefined) {
    const m = /^(\d{4})(\d{2})(\d{2})(T\d{6}Z?)?$/.exec(until);
    const iso = m ? `${m[1]}-${m[2]}-${m[3]}` : '';
    if (!m || !isCalendarDate(iso)) return fail('UNTIL must be a date written YYYYMMDD, like UNTIL=20301231');
    rule.until = iso;
  }
  if (rule.count !== null && rule.until !== null) return fail('Use COUNT or UNTIL, not both (RFC 5545)');

  const byDay = seen.get('BYDAY');
  if (byDay !== undefined) {
    for (const raw of byDay.split(',')) {
      const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(raw);
      if (!m) return fail(`BYDAY must list weekdays (MO, TU, WE, TH, FR, SA, SU), optionally numbered like -1FR; "${raw.slice(0, 10)}" is not one`);
      const n = m[1] === undefined ? null : Number(m[1]);
      if (n !== null) {
        if (n === 0 || Math.abs(n) > 53) return fail('A numbered BYDAY must be between -53 and 53, and not 0');
        if (rule.freq !== 'MONTHLY' && rule.freq !== 'YEARLY') return fail('Numbered weekdays (like -1FR) only work with FREQ=MONTHLY or FREQ=YEARLY');
        if (rule.freq === 'MONTHLY' && Math.abs(n) > 5) return fail('In a monthly rule a numbered weekday must be between -5 and 5');
      }
      if (!rule.byDay.some((d) => d.day === m[2] && d.n === n)) rule.byDay.push({ n, day: m[2] as Weekday });
    }
    // rrule 2.8 returns no dates at all for a mix (BYDAY=MO,1SU); RFC 5545 means the union. Refuse rather than
    // silently schedule nothing.
    if (rule.byDay.some((d) => d.n === null) && rule.byDay.some((d) => d.n !== null)) {
      return fail('Use either plain weekdays (MO,FR) or numbered ones (1MO,-1FR) in BYDAY, not both: make two schedules instead');
    }
  }
  const byMonthDay = seen.get('BYMONTHDAY');
  if (byMonthDay !== undefined) {
    if (rule.freq === 'WEEKLY') return fail('BYMONTHDAY cannot be used with FREQ=WEEKLY (RFC 5545)');
    const v = intList(byMonthDay, 'BYMONTHDAY', 1, 31, true);
    if (typeof v === 'string') return fail(v);
    rule.byMonthDay = v;
  }
  const byMonth = seen.get('BYMONTH');
  if (byMonth !== undefined) {
    const v = intList(byMonth, 'BYMONTH', 1, 12, false);
    if (typeof v === 'string') return fail(v);
    rule.byMonth = v.sort((a, b) => a - b);
  }
  const bySetPos = seen.get('BYSETPOS');
  if (bySetPos !== undefined) {
    const v = intList(bySetPos, 'BYSETPOS', 1, 366, true);
    if (typeof v === 'string') return fail(v);
    if (!rule.byDay.length && !rule.byMonthDay.length) return fail('BYSETPOS needs BYDAY or BYMONTHDAY to choose from');
    rule.bySetPos = v;
  }
  const wkst = seen.get('WKST');
  if (wkst !== undefined && wkst !== 'MO') return fail('WKST must be MO (weeks start on Monday here)');
  return { ok: true, rule, text: formatRule(rule) };
}

/** The canonical spelling of a rule, as stored. */
export function formatRule(r: RuleParts): string {
  const parts = [`FREQ=${r.freq}`];
  if (r.interval !== 1) parts.push(`INTERVAL=${r.interval}`);
  if (r.byMonth.length) parts.push(`BYMONTH=${r.byMonth.join(',')}`);
  if (r.byMonthDay.length) parts.push(`BYMONTHDAY=${r.byMonthDay.join(',')}`);
  if (r.byDay.length) parts.push(`BYDAY=${r.byDay.map((d) => `${d.n ?? ''}${d.day}`).join(',')}`);
  if (r.bySetPos.length) parts.push(`BYSETPOS=${r.bySetPos.join(',')}`);
  if (r.count !== null) parts.push(`COUNT=${r.count}`);
  if (r.until !== null) parts.push(`UNTIL=${r.until.replaceAll('-', '')}`);
  return parts.join(';');
}

function parsedOrThrow(rule: string): RuleParts {
  const p = parseRule(rule);
  if (!p.ok) throw new Error(`Invalid recurrence rule: ${p.error}`);
  return p.rule;
}

const RRULE_FREQ = { DAILY: 3, WEEKLY: 2, MONTHLY: 1, YEARLY: 0 } as const;

// COUNT and BYSETPOS are applied here, not by rrule. rrule 2.8 can emit one date twice when two BYSETPOS values
// pick the same day (and counts the repeat towards COUNT), picks a date for a position the period does not have
// (BYDAY=MO;BYSETPOS=2 in a weekly rule gives every Monday), and builds the first period's set from DTSTART rather
// than from the period's start. So rrule expands the BY parts; the periods, positions and count are done here.
// rrule searches up to the year 9999 for a date a rule can never produce (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30):
// millions of steps. Every walk is therefore bounded by a horizon, the latest date the caller could want.
function toRRule(r: RuleParts, start: string, horizon: string) {
  const until = r.until && r.until < horizon ? r.until : horizon;
  return new RRule({
    freq: RRULE_FREQ[r.freq], interval: r.interval, dtstart: toUtcDate(anchorOf(r, start)), wkst: 0,
    count: null, until: toUtcDate(until),
    byweekday: r.byDay.length ? r.byDay.map((d) => new lib.Weekday(WEEKDAYS.indexOf(d.day), d.n ?? undefined)) : null,
    bymonthday: r.byMonthDay.length ? r.byMonthDay : null,
    bymonth: r.byMonth.length ? r.byMonth : null,
  });
}

/**
 * Where rrule's DTSTART goes: with BYSETPOS, at the beginning of the start's period, so positions count over
 * the whole period as RFC 5545 says; dates before the start are dropped afterwards. (With BYSETPOS there is always
 * a BYDAY or BYMONTHDAY, so no default is taken from DTSTART.)
 */
function anchorOf(r: RuleParts, start: string): string {
  if (!r.bySetPos.length || r.freq === 'DAILY') return start;
  if (r.freq === 'MONTHLY') return `${start.slice(0, 8)}01`;
  if (r.freq === 'YEARLY') return `${start.slice(0, 5)}01-01`;
  const d = toUtcDate(start);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7)); // back to Monday
  return fromUtcDate(d);
}

/** Which period (week from Monday, month, year) a date is in, as a comparable key. */
function periodOf(freq: Frequency, iso: string): string {
  if (freq === 'MONTHLY') return iso.slice(0, 7);
  if (freq === 'YEARLY') return iso.slice(0, 4);
  return anchorOf({ freq: 'WEEKLY', bySetPos: [1] } as RuleParts, iso);
}

/** The BYSETPOS choice from one period's dates (in order): each position once, positions the set lacks skipped. */
function pickPositions(set: string[], positions: number[]): string[] {
  const picked = positions.map((n) => (n > 0 ? set[n - 1] : set[set.length + n])).filter((d): d is string => d !== undefined);
  return [...new Set(picked)].sort();
}

/**
 * Visits the rule's dates in order from `from` (from the start when the rule has COUNT or BYSETPOS, which need
 * everything from there), each once, until `visit` returns false or the rule ends. Bounded by `maxSteps` dates.
 */
function walk(rule: string, start: string, from: string, horizon: string, visit: (date: string) => boolean, maxSteps = 4 * MAX_OCCURRENCES): void {
  const r = parsedOrThrow(rule);
  // With BYSETPOS the period holding the horizon must be seen whole.
  const rr = toRRule(r, start, r.bySetPos.length ? addDaysIso(horizon, 366) : horizon);
  let emitted = 0;
  let last = '';
  let steps = 0;
  let going = true;
  const emit = (iso: string) => {
    if (iso === last || iso < start) return true;
    last = iso;
    if (r.count !== null && ++emitted > r.count) return (going = false);
    return (going = visit(iso));
  };
  if (r.bySetPos.length) {
    let period = '';
    let set: string[] = [];
    const flush = () => { for (const d of pickPositions(set, r.bySetPos)) if (!emit(d)) break; set = []; return going; };
    rr.all((d) => {
      if (++steps > maxSteps) return (going = false);
      const iso = fromUtcDate(d);
      const p = periodOf(r.freq, iso);
      if (p !== period) { if (set.length && !flush()) return false; period = p; }
      set.push(iso);
      return true;
    });
    if (going && set.length) flush();
    return;
  }
  const each = (d: Date) => (++steps > maxSteps ? false : emit(fromUtcDate(d)));
  if (r.count === null && from > start) {
    // Jump straight to the window: resume from the last date before it.
    const prev = rr.before(toUtcDate(from), false);
    rr.between(prev ?? toUtcDate(start), toUtcDate('9999-12-31'), true, (d) => (prev && d <= prev ? true : each(d)));
  } else {
    rr.all(each);
  }
}

/**
 * The dates the rule produces from `start` (the schedule's first possible date, which counts only if it matches
 * the rule, as in rrule and python-dateutil) that fall within [from, to], in order. At most `limit` dates.
 */
export function occurrences(rule: string, start: string, from: string, to: string, limit = MAX_OCCURRENCES): string[] {
  const out: string[] = [];
  if (to < from) return out;
  walk(rule, start, from, to, (d) => {
    if (d > to || out.length >= limit) return false;
    if (d >= from) out.push(d);
    return true;
  });
  return out;
}

/** How far ahead the next date is looked for: a rule with nothing in 40 years is treated as ended. */
export const NEXT_HORIZON_DAYS = 40 * 366;

/** The first date the rule produces strictly after `after` (and on or after `start`), or null when the rule has ended. */
export function nextOccurrence(rule: string, start: string, after: string): string | null {
  let found: string | null = null;
  walk(rule, start, after, addDaysIso(after, NEXT_HORIZON_DAYS), (d) => {
    if (d > after) { found = d; return false; }
    return true;
  });
  return found;
}

/** The last date the rule produces on or before `onOrBefore`, or null. */
export function previousOccurrence(rule: string, start: string, onOrBefore: string): string | null {
  if (onOrBefore < start) return null;
  const r = parsedOrThrow(rule);
  if (r.count === null && !r.bySetPos.length) {
    const d = toRRule(r, start, onOrBefore).before(toUtcDate(onOrBefore), true);
    return d ? fromUtcDate(d) : null;
  }
  let found: string | null = null;
  walk(rule, start, start, onOrBefore, (d) => {
    if (d > onOrBefore) return false;
    found = d;
    return true;
  });
  return found;
}

// ---- the form that builds common rules without typing RRULE -------------------------------------------------

export const ORDINALS = [1, 2, 3, 4, -1] as const;
export const ORDINAL_WORDS: Record<number, string> = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', [-1]: 'last' };
export const WEEKDAY_NAMES: Record<Weekday, string> = { MO: 'Monday', TU: 'Tuesday', WE: 'Wednesday', TH: 'Thursday', FR: 'Friday', SA: 'Saturday', SU: 'Sunday' };
export const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** What the simple form asks. `pattern` says which day in a month: the start date's, a day number, or an nth weekday. */
export interface RuleBuilder {
  freq: Frequency;
  interval: number;
  /** WEEKLY: which weekdays (none: the start date's). */
  weekdays: Weekday[];
  pattern: 'start' | 'monthday' | 'weekday';
  /** 1–31, or -1 for the last day of the month. */
  monthDay: number | null;
  ordinal: number | null;
  weekday: Weekday | null;
  /** MONTHLY or YEARLY: only in these months (none: every month, or the start date's for YEARLY). */
  months: number[];
}

export function buildRule(b: RuleBuilder, start: string): RuleParts {
  const r: RuleParts = { freq: b.freq, interval: b.interval, count: null, until: null, byDay: [], byMonthDay: [], byMonth: [], bySetPos: [] };
  if (b.freq === 'WEEKLY') r.byDay = WEEKDAYS.filter((d) => b.weekdays.includes(d)).map((day) => ({ n: null, day }));
  if (b.freq === 'MONTHLY' || b.freq === 'YEARLY') {
    r.byMonth = [...new Set(b.months)].sort((x, y) => x - y);
    if (b.pattern === 'monthday' && b.monthDay !== null) r.byMonthDay = [b.monthDay];
    if (b.pattern === 'weekday' && b.weekday) r.byDay = [{ n: b.ordinal, day: b.weekday }];
    // "Yearly, on the last Friday" means of the start date's month, not the last Friday of the year.
    if (b.freq === 'YEARLY' && b.pattern !== 'start' && !r.byMonth.length) r.byMonth = [toUtcDate(start).getUTCMonth() + 1];
  }
  return r;
}

/** The simple-form answers for a stored rule, or null when the rule needs the advanced field. */
export function builderFor(rule: string): RuleBuilder | null {
  const p = parseRule(rule);
  if (!p.ok) return null;
  const r = p.rule;
  if (r.count !== null || r.until !== null || r.bySetPos.length || r.byMonthDay.length > 1 || r.byDay.length > (r.freq === 'WEEKLY' ? 7 : 1)) return null;
  const b: RuleBuilder = { freq: r.freq, interval: r.interval, weekdays: [], pattern: 'start', monthDay: null, ordinal: null, weekday: null, months: r.byMonth };
  if (r.freq === 'DAILY') return r.byDay.length || r.byMonth.length || r.byMonthDay.length ? null : b;
  if (r.freq === 'WEEKLY') {
    if (r.byMonth.length || r.byDay.some((d) => d.n !== null)) return null;
    return { ...b, weekdays: r.byDay.map((d) => d.day) };
  }
  if (r.byMonthDay.length && r.byDay.length) return null;
  if (r.byMonthDay.length) {
    if (r.byMonthDay[0] < -1) return null;
    return { ...b, pattern: 'monthday', monthDay: r.byMonthDay[0] };
  }
  if (r.byDay.length) {
    const d = r.byDay[0];
    if (d.n === null || !(ORDINALS as readonly number[]).includes(d.n)) return null;
    if (r.freq === 'YEARLY' && !r.byMonth.length) return null;
    return { ...b, pattern: 'weekday', ordinal: d.n, weekday: d.day };
  }
  return b;
}

const plural = (n: number, one: string, many = `${one}s`) => (n === 1 ? one : `${n} ${many}`);
const listWords = (xs: string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);
const dayOfMonth = (n: number) => (n === -1 ? 'the last day' : n < 0 ? `${-n} days before the end` : `day ${n}`);

/** The rule in plain English, e.g. "Every 3 months, on the last Friday". */
export function describeRule(rule: string, start?: string): string {
  const p = parseRule(rule);
  if (!p.ok) return rule;
  const r = p.rule;
  const unit = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year' }[r.freq];
  const parts = [`Every ${plural(r.interval, unit)}`];
  if (r.byMonth.length) parts.push(`in ${listWords(r.byMonth.map((m) => MONTH_NAMES[m - 1]))}`);
  if (r.byMonthDay.length) parts.push(`on ${listWords(r.byMonthDay.map(dayOfMonth))}${r.freq === 'DAILY' ? ' of the month' : ''}`);
  if (r.byDay.length) {
    const days = r.byDay.map((d) => (d.n === null ? WEEKDAY_NAMES[d.day] : `the ${ORDINAL_WORDS[d.n] ?? `number ${d.n}`} ${WEEKDAY_NAMES[d.day]}`));
    parts.push(`on ${listWords(days)}`);
  }
  if (!r.byDay.length && !r.byMonthDay.length && start && r.freq !== 'DAILY') {
    const d = toUtcDate(start);
    if (r.freq === 'WEEKLY') parts.push(`on ${WEEKDAY_NAMES[WEEKDAYS[(d.getUTCDay() + 6) % 7]]}`);
    else if (r.freq === 'MONTHLY') parts.push(`on day ${d.getUTCDate()}`);
    else if (!r.byMonth.length) parts.push(`on ${d.getUTCDate()} ${MONTH_NAMES[d.getUTCMonth()]}`);
    else parts.push(`on day ${d.getUTCDate()}`);
  }
  if (r.bySetPos.length) parts.push(`(position ${r.bySetPos.join(', ')} in each ${unit})`);
  if (r.count !== null) parts.push(r.count === 1 ? 'once only' : `${r.count} times in all`);
  if (r.until !== null) parts.push(`until ${r.until}`);
  return parts.join(', ');
}
