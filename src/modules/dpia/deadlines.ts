// Statutory response deadlines for the subject access / disclosure log. Pure date arithmetic on YYYY-MM-DD
// strings (UTC midnight), so the result never depends on the server's time zone or on summer time.

/**
 * Bank holidays in England and Wales, 2024–2028, as published at https://www.gov.uk/bank-holidays
 * (including the substitute days when a holiday falls at a weekend). One-off holidays (a coronation, a state
 * funeral) are announced by proclamation and only ever appear here, so add them when gov.uk lists them.
 */
export const ENGLAND_WALES_BANK_HOLIDAYS: Record<number, readonly string[]> = {
  2024: ['2024-01-01', '2024-03-29', '2024-04-01', '2024-05-06', '2024-05-27', '2024-08-26', '2024-12-25', '2024-12-26'],
  2025: ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26'],
  2026: ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28'],
  2027: ['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28'],
  2028: ['2028-01-03', '2028-04-14', '2028-04-17', '2028-05-01', '2028-05-29', '2028-08-28', '2028-12-25', '2028-12-26'],
};

const DAY = 86_400_000;
const toMs = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const toIso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const addDays = (iso: string, n: number) => toIso(toMs(iso) + n * DAY);
const weekday = (iso: string) => new Date(toMs(iso)).getUTCDay(); // 0 Sunday … 6 Saturday

/** Easter Sunday (Gregorian calendar, the anonymous algorithm). */
export function easterSunday(year: number): string {
  const a = year % 19, b = Math.floor(year / 100), c = year % 100, d = Math.floor(b / 4), e = b % 4;
  const f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3), h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31), day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The regular England and Wales pattern (Banking and Financial Dealings Act 1971 plus the standing
 * proclamations), used only for years outside the published table above.
 */
export function regularBankHolidays(year: number): string[] {
  const ymd = (m: number, d: number) => `${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const firstMonday = (m: number) => { let d = ymd(m, 1); while (weekday(d) !== 1) d = addDays(d, 1); return d; };
  const lastMonday = (m: number) => { let d = addDays(ymd(m + 1, 1), -1); while (weekday(d) !== 1) d = addDays(d, -1); return d; };
  // A holiday on a Saturday or Sunday moves to the next weekday not already a holiday.
  const substitute = (d: string, taken: string[]) => { while (weekday(d) === 0 || weekday(d) === 6 || taken.includes(d)) d = addDays(d, 1); return d; };
  const easter = easterSunday(year);
  const out = [substitute(ymd(1, 1), []), addDays(easter, -2), addDays(easter, 1), firstMonday(5), lastMonday(5), lastMonday(8)];
  const christmas = substitute(ymd(12, 25), []);
  out.push(christmas, substitute(ymd(12, 26), [christmas]));
  return out.sort();
}

const holidayCache = new Map<number, Set<string>>();
function holidaysOf(year: number): Set<string> {
  let set = holidayCache.get(year);
  if (!set) { set = new Set(ENGLAND_WALES_BANK_HOLIDAYS[year] ?? regularBankHolidays(year)); holidayCache.set(year, set); }
  return set;
}

export function isWorkingDay(iso: string): boolean {
  const w = weekday(iso);
  return w !== 0 && w !== 6 && !holidaysOf(Number(iso.slice(0, 4))).has(iso);
}

const nextWorkingDayFrom = (iso: string) => { let d = iso; while (!isWorkingDay(d)) d = addDays(d, 1); return d; };

/**
 * Subject access (UK GDPR art. 12(3)): one calendar month, counted per ICO guidance from the day of receipt to
 * the corresponding date next month; when next month has no such date, the last day of next month; and when
 * that day is a weekend or bank holiday, the next working day.
 */
export function subjectAccessDeadline(received: string): string {
  const [y, m, d] = received.split('-').map(Number);
  const ny = m === 12 ? y + 1 : y, nm = m === 12 ? 1 : m + 1;
  const lastDay = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  const due = `${ny}-${String(nm).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
  return nextWorkingDayFrom(due);
}

/**
 * Freedom of Information Act 2000 s.10: the twentieth working day following receipt. The first working day
 * after the day of receipt is day one; weekends and bank holidays do not count.
 */
export function foiDeadline(received: string): string {
  let d = received;
  for (let counted = 0; counted < 20;) { d = addDays(d, 1); if (isWorkingDay(d)) counted++; }
  return d;
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((toMs(to) - toMs(from)) / DAY);
}
