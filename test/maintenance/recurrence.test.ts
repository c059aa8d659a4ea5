import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildRule, builderFor, describeRule, formatRule, nextOccurrence, occurrences, parseRule, previousOccurrence,
  WEEKDAYS, type RuleParts, type Weekday,
} from '../../src/domain/recurrence';
import { addDays } from '../../src/platform/clock';

// An independent reading of RFC 5545 section 3.3.10 for the parts the product accepts, used as the oracle the
// rrule-based implementation must agree with: walk every calendar day, group the days into the rule's periods
// (day, Monday-based week, month, year), keep every INTERVAL-th period from the start's, expand or limit by the
// BY parts, apply BYSETPOS to each period's set, then keep what is on or after the start, up to UNTIL or COUNT.

const DAY = 86_400_000;
const ms = (d: string) => Date.parse(`${d}T00:00:00Z`);
const parts = (d: string) => { const x = new Date(ms(d)); return { y: x.getUTCFullYear(), m: x.getUTCMonth() + 1, dom: x.getUTCDate(), wd: (x.getUTCDay() + 6) % 7 }; };
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const dayOfYear = (d: string) => Math.round((ms(d) - Date.UTC(parts(d).y, 0, 1)) / DAY) + 1;

function periodKey(freq: RuleParts['freq'], d: string): number {
  const p = parts(d);
  if (freq === 'DAILY') return Math.round(ms(d) / DAY);
  if (freq === 'WEEKLY') return Math.floor((Math.round(ms(d) / DAY) + 3) / 7); // 1970-01-01 was a Thursday: shift so weeks start Monday
  if (freq === 'MONTHLY') return p.y * 12 + p.m - 1;
  return p.y;
}

function matches(r: RuleParts, start: string, d: string): boolean {
  const p = parts(d);
  const s = parts(start);
  if (r.byMonth.length && !r.byMonth.includes(p.m)) return false;
  const dim = daysInMonth(p.y, p.m);
  if (r.byMonthDay.length && !r.byMonthDay.some((n) => (n > 0 ? p.dom === n : p.dom === dim + n + 1))) return false;
  if (r.byDay.length) {
    const ok = r.byDay.some((b) => {
      if (WEEKDAYS.indexOf(b.day) !== p.wd) return false;
      if (b.n === null) return true;
      if (r.freq === 'MONTHLY' || (r.freq === 'YEARLY' && r.byMonth.length)) {
        return b.n > 0 ? Math.ceil(p.dom / 7) === b.n : Math.ceil((dim - p.dom + 1) / 7) === -b.n;
      }
      const doy = dayOfYear(d);
      const diy = isLeap(p.y) ? 366 : 365;
      return b.n > 0 ? Math.floor((doy - 1) / 7) + 1 === b.n : Math.floor((diy - doy) / 7) + 1 === -b.n;
    });
    if (!ok) return false;
  }
  if (!r.byDay.length && !r.byMonthDay.length) {
    // Without a day part the start date supplies it (RFC 5545: "information ... not given is taken from DTSTART").
    if (r.freq === 'WEEKLY' && p.wd !== s.wd) return false;
    if ((r.freq === 'MONTHLY' || r.freq === 'YEARLY') && p.dom !== s.dom) return false;
    if (r.freq === 'YEARLY' && !r.byMonth.length && p.m !== s.m) return false;
  }
  return true;
}

function oracle(r: RuleParts, start: string, to: string): string[] {
  const first = periodKey(r.freq, start);
  // Begin at the start of the start's period, so BYSETPOS sees the whole period.
  let d = start;
  while (periodKey(r.freq, addDays(d, -1)) === first) d = addDays(d, -1);
  const out: string[] = [];
  let period: string[] = [];
  let key = first;
  const flush = () => {
    if ((key - first) % r.interval !== 0) return;
    let set = period.filter((x) => matches(r, start, x));
    if (r.bySetPos.length) {
      const picked = r.bySetPos.map((n) => (n > 0 ? set[n - 1] : set[set.length + n])).filter((x): x is string => !!x);
      set = [...new Set(picked)].sort();
    }
    for (const x of set) {
      if (x < start || (r.until && x > r.until) || x > to) continue;
      if (r.count !== null && out.length >= r.count) return;
      out.push(x);
    }
  };
  const end = addDays(to, 400); // finish the last period
  for (; d <= end; d = addDays(d, 1)) {
    const k = periodKey(r.freq, d);
    if (k !== key) { flush(); period = []; key = k; if (d > to) break; }
    period.push(d);
  }
  return out;
}

// Start dates: anywhere 2020–2035, or right around the clock changes (last Sunday of March and October), or
// around 29 February.
const lastSunday = (y: number, m: number) => { let d = `${y}-${String(m).padStart(2, '0')}-${daysInMonth(y, m)}`; while (parts(d).wd !== 6) d = addDays(d, -1); return d; };
const anyDate = fc.integer({ min: ms('2020-01-01') / DAY, max: ms('2035-12-31') / DAY }).map((n) => new Date(n * DAY).toISOString().slice(0, 10));
const nearClockChange = fc.tuple(fc.integer({ min: 2020, max: 2035 }), fc.constantFrom(3, 10), fc.integer({ min: -3, max: 3 })).map(([y, m, k]) => addDays(lastSunday(y, m), k));
const nearLeapDay = fc.tuple(fc.constantFrom(2020, 2023, 2024, 2028, 2031, 2032), fc.integer({ min: -1, max: 1 })).map(([y, k]) => addDays(`${y}-02-28`, k + (isLeap(y) ? 1 : 0)));
const startDate = fc.oneof(anyDate, nearClockChange, nearLeapDay);

const weekday = fc.constantFrom(...WEEKDAYS);
const nonZero = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).filter((n) => n !== 0);
const ruleArb: fc.Arbitrary<RuleParts> = fc.constantFrom<RuleParts['freq']>('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY').chain((freq): fc.Arbitrary<RuleParts> => {
  const ordinal = freq === 'MONTHLY' ? nonZero(-5, 5) : nonZero(-53, 53);
  // Plain and numbered weekdays are not mixed in one rule (parseRule refuses that; see there).
  const numbered = freq === 'MONTHLY' || freq === 'YEARLY' ? fc.boolean() : fc.constant(false);
  const byDay = numbered.chain((num) => fc.uniqueArray(fc.record({ n: num ? ordinal : fc.constant(null), day: weekday }), { maxLength: 3, selector: (b) => `${b.n}${b.day}` }));
  return fc.record({
    freq: fc.constant(freq),
    interval: fc.integer({ min: 1, max: freq === 'YEARLY' ? 4 : 5 }),
    count: fc.option(fc.integer({ min: 1, max: 30 }), { nil: null, freq: 4 }),
    until: fc.constant(null),
    byDay: fc.oneof({ weight: 2, arbitrary: fc.constant([] as RuleParts['byDay']) }, { weight: 3, arbitrary: byDay }),
    byMonthDay: freq === 'WEEKLY' ? fc.constant([] as number[]) : fc.oneof({ weight: 3, arbitrary: fc.constant([] as number[]) }, { weight: 1, arbitrary: fc.uniqueArray(nonZero(-31, 31), { minLength: 1, maxLength: 2 }) }),
    byMonth: fc.oneof({ weight: 3, arbitrary: fc.constant([] as number[]) }, { weight: 1, arbitrary: fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }).map((a) => a.sort((x, y) => x - y)) }),
    bySetPos: fc.constant([] as number[]),
  }).chain((r) => (r.byDay.length || r.byMonthDay.length) && r.freq !== 'DAILY'
    ? fc.option(fc.uniqueArray(nonZero(-3, 3), { minLength: 1, maxLength: 2 }), { nil: [] as number[], freq: 3 }).map((bySetPos) => ({ ...r, bySetPos }))
    : fc.constant(r));
});
const horizon = (r: RuleParts) => (r.freq === 'DAILY' ? 200 : r.freq === 'WEEKLY' ? 500 : 365 * 6);

describe('recurrence on calendar dates', () => {
  it('agrees with the RFC 5545 definition for any rule and start, across clock changes and leap years', () => {
    fc.assert(fc.property(ruleArb, startDate, (rule, start) => {
      const text = formatRule(rule);
      const parsed = parseRule(text);
      expect(parsed.ok, text).toBe(true);
      const to = addDays(start, horizon(rule));
      const got = occurrences(text, start, start, to);
      expect(got, `${text} from ${start}`).toEqual(oracle(rule, start, to));
      // In order, each date once, each on or after the start.
      for (let i = 1; i < got.length; i++) expect(got[i] > got[i - 1]).toBe(true);
      if (got.length) expect(got[0] >= start).toBe(true);
    }), { numRuns: 300 });
  });

  it('keeps simple rules exactly their interval apart in calendar terms', () => {
    fc.assert(fc.property(fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'), fc.integer({ min: 1, max: 6 }), startDate, (freq, interval, start) => {
      const got = occurrences(`FREQ=${freq};INTERVAL=${interval}`, start, start, addDays(start, freq === 'DAILY' || freq === 'WEEKLY' ? 400 : 365 * 8));
      expect(got[0]).toBe(start); // with no BY parts the start date is the first occurrence
      const s = parts(start);
      for (let i = 1; i < got.length; i++) {
        const a = parts(got[i - 1]);
        const b = parts(got[i]);
        const days = Math.round((ms(got[i]) - ms(got[i - 1])) / DAY);
        if (freq === 'DAILY') expect(days).toBe(interval);
        if (freq === 'WEEKLY') expect(days).toBe(7 * interval);
        if (freq === 'MONTHLY') {
          expect(b.dom).toBe(s.dom); // the same day of the month; months without it are skipped, never shifted
          expect(((b.y * 12 + b.m) - (a.y * 12 + a.m)) % interval).toBe(0);
        }
        if (freq === 'YEARLY') { expect([b.m, b.dom]).toEqual([s.m, s.dom]); expect((b.y - a.y) % interval).toBe(0); }
      }
    }), { numRuns: 200 });
  });

  it('neither skips nor repeats a day around the last Sundays of March and October', () => {
    for (let y = 2020; y <= 2035; y++) {
      for (const m of [3, 10]) {
        const sunday = lastSunday(y, m);
        const days = occurrences('FREQ=DAILY', addDays(sunday, -3), addDays(sunday, -3), addDays(sunday, 3));
        expect(days).toEqual([-3, -2, -1, 0, 1, 2, 3].map((k) => addDays(sunday, k)));
      }
    }
    expect(occurrences('FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU', '2025-01-01', '2025-01-01', '2027-12-31'))
      .toEqual(['2025-03-30', '2025-10-26', '2026-03-29', '2026-10-25', '2027-03-28', '2027-10-31']);
  });

  it('skips 29 February in years without one (RFC 5545), and keeps it in leap years', () => {
    expect(occurrences('FREQ=YEARLY', '2024-02-29', '2024-01-01', '2036-12-31')).toEqual(['2024-02-29', '2028-02-29', '2032-02-29', '2036-02-29']);
    expect(occurrences('FREQ=MONTHLY;BYMONTHDAY=31', '2026-01-01', '2026-01-01', '2026-06-30')).toEqual(['2026-01-31', '2026-03-31', '2026-05-31']);
    // "The last day of the month" is there every month, leap or not.
    expect(occurrences('FREQ=MONTHLY;BYMONTHDAY=-1', '2027-12-01', '2027-12-01', '2028-03-31')).toEqual(['2027-12-31', '2028-01-31', '2028-02-29', '2028-03-31']);
  });

  it('gives the last Friday of each quarter whichever way it is written', () => {
    const expected = ['2026-03-27', '2026-06-26', '2026-09-25', '2026-12-25', '2027-03-26'];
    expect(occurrences('FREQ=MONTHLY;BYMONTH=3,6,9,12;BYDAY=-1FR', '2026-01-01', '2026-01-01', '2027-03-31')).toEqual(expected);
    // INTERVAL=3 counts quarters from the start date's month, so the start must sit in a quarter's last month.
    expect(occurrences('FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR', '2026-03-01', '2026-01-01', '2027-03-31')).toEqual(expected);
  });

  it('finds the next and previous dates', () => {
    expect(nextOccurrence('FREQ=MONTHLY;BYDAY=-1FR', '2026-01-01', '2026-03-27')).toBe('2026-04-24');
    expect(nextOccurrence('FREQ=DAILY;COUNT=2', '2026-01-01', '2026-01-02')).toBeNull();
    expect(previousOccurrence('FREQ=WEEKLY;BYDAY=MO', '2026-01-01', '2026-11-29')).toBe('2026-11-23');
    expect(previousOccurrence('FREQ=WEEKLY;BYDAY=MO', '2026-01-01', '2025-12-31')).toBeNull();
  });

  it('refuses rules it cannot honour, saying why', () => {
    const bad: [string, RegExp][] = [
      ['', /Enter a recurrence rule/], ['FREQ=HOURLY', /whole days/], ['FREQ=FOO', /DAILY, WEEKLY, MONTHLY or YEARLY/],
      ['INTERVAL=2', /needs FREQ/], ['FREQ=DAILY;INTERVAL=abc', /INTERVAL must be a whole number/], ['FREQ=DAILY;INTERVAL=0', /INTERVAL/],
      ['FREQ=WEEKLY;BYDAY=XX', /BYDAY must list weekdays/], ['FREQ=WEEKLY;BYDAY=-1FR', /Numbered weekdays/],
      ['FREQ=MONTHLY;BYMONTHDAY=40', /between -31 and -1 or 1 and 31/], ['FREQ=YEARLY;BYMONTH=13', /BYMONTH values/],
      ['FREQ=DAILY;COUNT=3;UNTIL=20270101', /COUNT or UNTIL/], ['FREQ=DAILY;UNTIL=20270231', /UNTIL must be a date/],
      ['FREQ=DAILY;FREQ=WEEKLY', /given twice/], ['FREQ=DAILY;BYHOUR=9', /whole days/], ['FREQ=WEEKLY;BYMONTHDAY=1', /cannot be used with FREQ=WEEKLY/],
      ['FREQ=MONTHLY;BYDAY=MO,-1FR', /not both/], ['garbage', /NAME=VALUE/], ['FREQ=DAILY;X-NAME=1', /not a part/], [`FREQ=DAILY;${'BYMONTH=1;'.repeat(40)}`, /300 characters/],
    ];
    for (const [rule, msg] of bad) {
      const r = parseRule(rule);
      expect(r.ok, rule).toBe(false);
      if (!r.ok) expect(r.error, rule).toMatch(msg);
    }
    const ok = parseRule('rrule:freq=monthly;interval=3;byday=-1fr');
    expect(ok).toMatchObject({ ok: true, text: 'FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR' });
  });

  it('builds common rules from the simple form and reads them back', () => {
    const start = '2026-01-05';
    const cases: [Parameters<typeof buildRule>[0], string, string][] = [
      [{ freq: 'DAILY', interval: 1, weekdays: [], pattern: 'start', monthDay: null, ordinal: null, weekday: null, months: [] }, 'FREQ=DAILY', 'Every day'],
      [{ freq: 'WEEKLY', interval: 2, weekdays: ['FR', 'MO'] as Weekday[], pattern: 'start', monthDay: null, ordinal: null, weekday: null, months: [] }, 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR', 'Every 2 weeks, on Monday and Friday'],
      [{ freq: 'MONTHLY', interval: 1, weekdays: [], pattern: 'weekday', monthDay: null, ordinal: -1, weekday: 'FR', months: [12, 3, 9, 6] }, 'FREQ=MONTHLY;BYMONTH=3,6,9,12;BYDAY=-1FR', 'Every month, in March, June, September and December, on the last Friday'],
      [{ freq: 'YEARLY', interval: 1, weekdays: [], pattern: 'monthday', monthDay: 1, ordinal: null, weekday: null, months: [] }, 'FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1', 'Every year, in January, on day 1'],
      [{ freq: 'MONTHLY', interval: 6, weekdays: [], pattern: 'start', monthDay: null, ordinal: null, weekday: null, months: [] }, 'FREQ=MONTHLY;INTERVAL=6', 'Every 6 months, on day 5'],
    ];
    for (const [b, text, words] of cases) {
      const built = formatRule(buildRule(b, start));
      expect(built).toBe(text);
      expect(describeRule(built, start)).toBe(words);
      expect(formatRule(buildRule(builderFor(built)!, start))).toBe(text);
    }
    expect(builderFor('FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1')).toBeNull();
  });
});
