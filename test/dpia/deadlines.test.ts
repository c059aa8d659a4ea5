import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDays, easterSunday, ENGLAND_WALES_BANK_HOLIDAYS, foiDeadline, isWorkingDay, regularBankHolidays, subjectAccessDeadline,
} from '../../src/modules/dpia/deadlines';
import { overallRisk, reviewReasons, type CurrentCamera } from '../../src/modules/dpia/review';

describe('subject access deadline (one calendar month, ICO counting)', () => {
  it('runs to the same date next month', () => {
    expect(subjectAccessDeadline('2024-03-15')).toBe('2024-04-15');
    expect(subjectAccessDeadline('2026-12-03')).toBe('2027-01-04'); // 3 January 2027 is a Sunday
  });
  it('uses the last day of a shorter month: 31 January becomes 29 February in a leap year and 28 February otherwise', () => {
    expect(subjectAccessDeadline('2024-01-31')).toBe('2024-02-29');
    expect(subjectAccessDeadline('2025-01-31')).toBe('2025-02-28');
    expect(subjectAccessDeadline('2025-01-29')).toBe('2025-02-28');
    expect(subjectAccessDeadline('2024-08-31')).toBe('2024-09-30');
  });
  it('moves a deadline that falls at a weekend or on a bank holiday to the next working day', () => {
    expect(subjectAccessDeadline('2026-01-31')).toBe('2026-03-02'); // 28 February 2026 is a Saturday
    expect(subjectAccessDeadline('2026-11-25')).toBe('2026-12-29'); // Christmas Day, the weekend, then the Boxing Day substitute
  });
});

describe('FOI deadline (20 working days, England and Wales bank holidays)', () => {
  it('skips Christmas, Boxing Day substitutes and New Year', () => {
    expect(foiDeadline('2026-12-18')).toBe('2027-01-20');
    expect(foiDeadline('2027-12-20')).toBe('2028-01-20'); // 27 and 28 Dec 2027 and 3 Jan 2028 are substitutes
  });
  it('skips Good Friday and Easter Monday', () => {
    expect(foiDeadline('2026-03-27')).toBe('2026-04-28');
    expect(foiDeadline('2024-03-22')).toBe('2024-04-23');
  });
  it('counts from the first working day after receipt, whatever day the request arrived', () => {
    expect(foiDeadline('2026-03-28')).toBe('2026-04-28'); // a Saturday
    expect(foiDeadline('2026-06-01')).toBe('2026-06-29');
  });
  it('always lands on a working day exactly 20 working days after receipt', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 5 * 366 }), (n) => {
      const received = addDays('2024-01-01', n);
      const due = foiDeadline(received);
      let working = 0;
      for (let d = addDays(received, 1); d <= due; d = addDays(d, 1)) if (isWorkingDay(d)) working++;
      return isWorkingDay(due) && working === 20;
    }));
  });
  it('subject access deadlines are working days no earlier than the month-later date', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 5 * 366 }), (n) => {
      const received = addDays('2024-01-01', n);
      const due = subjectAccessDeadline(received);
      return isWorkingDay(due) && due > addDays(received, 26) && due <= addDays(received, 31 + 5);
    }));
  });
});

describe('bank holiday table', () => {
  it('matches the regular England and Wales pattern for 2024–2028 (Easter computed independently)', () => {
    expect([2024, 2025, 2026, 2027, 2028].map(easterSunday)).toEqual(['2024-03-31', '2025-04-20', '2026-04-05', '2027-03-28', '2028-04-16']);
    for (const year of [2024, 2025, 2026, 2027, 2028]) expect(regularBankHolidays(year), String(year)).toEqual([...ENGLAND_WALES_BANK_HOLIDAYS[year]]);
  });
  it('lists only weekdays', () => {
    for (const days of Object.values(ENGLAND_WALES_BANK_HOLIDAYS)) for (const d of days) expect([0, 6]).not.toContain(new Date(`${d}T00:00:00Z`).getUTCDay());
  });
});

describe('DPIA risk scoring', () => {
  it('follows the ICO matrix', () => {
    const grid = (['remote', 'possible', 'probable'] as const).map((l) => (['minimal', 'significant', 'severe'] as const).map((s) => overallRisk(l, s)));
    expect(grid).toEqual([
      ['low', 'low', 'medium'],
      ['low', 'medium', 'high'],
      ['medium', 'high', 'high'],
    ]);
  });
});

describe('DPIA review reasons', () => {
  const cam = (over: Partial<CurrentCamera> = {}): CurrentCamera => ({
    assetId: 'a1', kind: 'camera', name: 'Car park 3', manufacturer: 'Hikvision', model: 'DS-2CD2143', firmware: 'V5.5.0', siteId: 's1', siteName: 'Depot',
    status: 'in-service', createdAt: '2026-01-01T09:00:00Z', updatedAt: '2026-01-01T09:00:00Z', ...over,
  });
  const base = { signedOffAt: '2026-06-01T12:00:00Z', reviewDate: '2027-05-31', today: '2026-11-28', departures: [], snapshotFeatures: { anpr: false, biometrics: false }, features: null };
  const { createdAt: _c, updatedAt: _u, ...entry } = cam();

  it('finds nothing when the register matches the signed-off list', () => {
    expect(reviewReasons({ ...base, snapshot: [entry], current: [cam()] })).toEqual([]);
  });
  it('names an added camera with its model and the day it was added', () => {
    const r = reviewReasons({ ...base, snapshot: [], current: [cam({ createdAt: '2026-11-20T10:00:00Z', updatedAt: '2026-11-20T10:00:00Z' })] });
    expect(r.map((x) => x.reason)).toEqual(["Camera 'Car park 3' (DS-2CD2143) added to the system on 2026-11-20"]);
  });
  it('tells moves, upgrades, firmware changes and departures apart', () => {
    const moved = cam({ siteId: 's2', siteName: 'Town Hall', model: 'DS-2CD2387', firmware: 'V5.7.1', updatedAt: '2026-10-02T08:00:00Z' });
    const r = reviewReasons({ ...base, snapshot: [entry, { ...entry, assetId: 'a2', name: 'Gate' }], current: [moved],
      departures: [{ assetId: 'a2', movedAt: null, deletedAt: '2026-09-09T09:00:00Z' }] });
    expect(r.map((x) => x.reason)).toEqual([
      "Camera 'Car park 3' (DS-2CD2387) moved from Depot to Town Hall on 2026-10-02",
      "Camera 'Car park 3' (DS-2CD2143) replaced or upgraded to Hikvision DS-2CD2387 on 2026-10-02",
      "Camera 'Car park 3' (DS-2CD2387) firmware changed from V5.5.0 to V5.7.1 on 2026-10-02",
      "Camera 'Gate' (DS-2CD2143) deleted from the register on 2026-09-09",
    ]);
  });
  it('flags ANPR switched on and a passed review date', () => {
    const r = reviewReasons({ ...base, reviewDate: '2026-11-01', snapshot: [entry], current: [cam()], features: { anpr: true, biometrics: false, anprChangedAt: '2026-11-03T10:00:00Z', biometricsChangedAt: null } });
    expect(r.map((x) => x.reason)).toEqual([
      'Automatic number plate recognition (ANPR) enabled on the system on 2026-11-03',
      'The review date, 2026-11-01, has passed',
    ]);
  });
});
