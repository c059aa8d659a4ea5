// Reading the maintenance pages' forms into the shapes the service expects, and the values the forms show.
// A bad value is passed through (or named in a field error) so the person sees what they typed and why.

import { buildRule, builderFor, formatRule, FREQUENCIES, MONTH_NAMES, ORDINAL_WORDS, ORDINALS, WEEKDAY_NAMES, WEEKDAYS, type Frequency, type RuleBuilder, type Weekday } from '../../domain/recurrence';
import { ValidationError } from '../../platform/errors';
import { dateFields, dateParts, list, numberOrRaw, text, type FormBody } from '../../web/forms';
import { CHECK_RESULTS, CHECKLIST_ITEMS, CHECKLIST_LABELS, RESULT_LABELS, TARGET_TYPES, VISIT_ASSET_STATUSES, type ChecklistItem, type TargetType } from './schemas';
import { STATUS_LABELS as ASSET_STATUS_LABELS } from '../assets/schemas';

/** "site:<id>" and friends: the one select that says what a schedule or visit is about. */
export function parseTargetChoice(v: unknown): { type: TargetType; id: string | null } | null {
  const t = text(v);
  if (!t) return null;
  if (t === 'organisation') return { type: 'organisation', id: null };
  const [type, id] = t.split(':');
  return (TARGET_TYPES as readonly string[]).includes(type) ? { type: type as TargetType, id: id ?? null } : { type: 'organisation', id: null };
}

export const targetChoice = (t: { type: string; id: string | null } | null | undefined) => (!t || t.type === 'organisation' ? 'organisation' : `${t.type}:${t.id}`);

const FREQ_WORDS: Record<Frequency, string> = { DAILY: 'Days', WEEKLY: 'Weeks', MONTHLY: 'Months', YEARLY: 'Years' };

/** The recurrence part of the schedule form: the advanced RRULE wins when filled in; otherwise the simple answers. */
export function ruleFromForm(body: FormBody, startDate: string | null): { rrule: string; errors: Record<string, string> } {
  const advanced = text(body.rrule);
  if (advanced) return { rrule: advanced, errors: {} };
  const errors: Record<string, string> = {};
  const freq = text(body.freq);
  if (!freq || !(FREQUENCIES as readonly string[]).includes(freq)) errors.freq = 'Choose how often: days, weeks, months or years';
  const interval = numberOrRaw(body.interval) ?? 1;
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 1 || interval > 999) errors.interval = 'Enter how many, as a whole number from 1 to 999';
  const pattern = (text(body.pattern) ?? 'start') as RuleBuilder['pattern'];
  const monthDay = numberOrRaw(body.monthDay);
  if (pattern === 'monthday' && (typeof monthDay !== 'number' || !Number.isInteger(monthDay) || monthDay < -1 || monthDay === 0 || monthDay > 31)) errors.monthDay = 'Enter a day of the month from 1 to 31, or -1 for the last day';
  const ordinal = Number(text(body.ordinal));
  const weekday = text(body.weekday) as Weekday | null;
  if (pattern === 'weekday' && (!(ORDINALS as readonly number[]).includes(ordinal) || !weekday || !WEEKDAYS.includes(weekday))) errors.ordinal = 'Choose which weekday of the month, like the last Friday';
  if (Object.keys(errors).length) return { rrule: '', errors };
  const months = list(body.months).map(Number).filter((m) => m >= 1 && m <= 12);
  const weekdays = list(body.weekdays).filter((d): d is Weekday => (WEEKDAYS as readonly string[]).includes(d));
  const b: RuleBuilder = { freq: freq as Frequency, interval: interval as number, weekdays, pattern, monthDay: pattern === 'monthday' ? (monthDay as number) : null,
    ordinal: pattern === 'weekday' ? ordinal : null, weekday: pattern === 'weekday' ? weekday : null, months };
  return { rrule: formatRule(buildRule(b, startDate && /^\d{4}-\d{2}-\d{2}$/.test(startDate) ? startDate : new Date().toISOString().slice(0, 10))), errors: {} };
}

export function scheduleFromForm(body: FormBody) {
  const startDate = dateParts(body, 'startDate');
  const { rrule, errors } = ruleFromForm(body, startDate);
  const lead = numberOrRaw(body.leadDays);
  return {
    input: {
      title: text(body.title) ?? '', target: parseTargetChoice(body.target) ?? { type: 'organisation' as const }, rrule, startDate: startDate ?? '',
      assigneeUserId: text(body.assigneeUserId), checklist: list(body.checklist), leadDays: lead ?? 0, template: text(body.template), notes: text(body.notes),
      active: text(body.active) !== 'no',
    },
    ruleErrors: errors,
  };
}

/** Throws the builder's own errors before the service sees an empty rule. */
export function requireRule(ruleErrors: Record<string, string>) {
  if (Object.keys(ruleErrors).length) throw new ValidationError(ruleErrors);
}

/** The values the schedule form shows: from a stored schedule, a template, or what was typed. */
export function scheduleFormView(values: { rrule?: string; startDate?: string | null; checklist?: string[]; [k: string]: unknown }, body: FormBody | null) {
  const b = body ? null : values.rrule ? builderFor(values.rrule) : null;
  const pick = (name: string, fallback: unknown) => (body ? body[name] : fallback);
  const freq = String(pick('freq', b?.freq ?? 'MONTHLY') ?? 'MONTHLY');
  const pattern = String(pick('pattern', b?.pattern ?? 'start') ?? 'start');
  const weekdays = body ? list(body.weekdays) : b?.weekdays ?? [];
  const months = (body ? list(body.months) : (b?.months ?? []).map(String));
  const checklist = body ? list(body.checklist) : values.checklist ?? [];
  const ordinal = String(pick('ordinal', b?.ordinal ?? -1));
  const weekday = String(pick('weekday', b?.weekday ?? 'FR'));
  return {
    freqItems: FREQUENCIES.map((f) => ({ value: f, text: FREQ_WORDS[f], checked: f === freq })),
    interval: String(pick('interval', b?.interval ?? 1) ?? ''),
    weekdayItems: WEEKDAYS.map((d) => ({ value: d, text: WEEKDAY_NAMES[d], checked: weekdays.includes(d) })),
    patternItems: [
      { value: 'start', text: 'On the same day as the start date', checked: pattern === 'start' },
      { value: 'monthday', text: 'On a day of the month', checked: pattern === 'monthday' },
      { value: 'weekday', text: 'On a weekday of the month, like the last Friday', checked: pattern === 'weekday' },
    ],
    monthDay: String(pick('monthDay', b?.monthDay ?? '') ?? ''),
    ordinalItems: ORDINALS.map((n) => ({ value: String(n), text: ORDINAL_WORDS[n][0].toUpperCase() + ORDINAL_WORDS[n].slice(1), selected: String(n) === ordinal })),
    weekdaySelect: WEEKDAYS.map((d) => ({ value: d, text: WEEKDAY_NAMES[d], selected: d === weekday })),
    monthItems: MONTH_NAMES.map((m, i) => ({ value: String(i + 1), text: m, checked: months.includes(String(i + 1)) })),
    // A stored rule the simple form cannot show goes in the advanced field.
    advanced: body ? text(body.rrule) ?? '' : values.rrule && !b ? values.rrule : '',
    checklistItems: CHECKLIST_ITEMS.map((i) => ({ value: i, text: CHECKLIST_LABELS[i], checked: checklist.includes(i) })),
    startDate: dateFields(body, 'startDate', (values.startDate as string) ?? null),
  };
}

/** The visit form's answers: one pass/fail/n.a. radio group and note per checklist item, and one asset change. */
export function visitFromForm(body: FormBody, items: readonly ChecklistItem[]) {
  const checklist = items.flatMap((item) => {
    const result = text(body[`check-${item}`]);
    return result ? [{ item, result, note: text(body[`note-${item}`]) }] : [];
  });
  const assetId = text(body.assetId);
  const firmware = text(body.firmware);
  const assetStatus = text(body.assetStatus);
  return {
    scheduleId: text(body.scheduleId), target: text(body.scheduleId) ? null : parseTargetChoice(body.target), status: text(body.status) ?? null,
    visitDate: dateParts(body, 'visitDate') ?? undefined, engineerUserId: text(body.engineerUserId), occurrenceDate: text(body.occurrenceDate),
    checklist, faults: text(body.faults), notes: text(body.notes),
    assetUpdates: assetId && (firmware || assetStatus) ? [{ assetId, firmware, status: assetStatus }] : [],
  };
}

export function checklistView(items: readonly ChecklistItem[], body: FormBody | null, saved: { item: string; result: string; note: string | null }[] = []) {
  return items.map((item) => {
    const prior = saved.find((c) => c.item === item);
    const result = body ? text(body[`check-${item}`]) : prior?.result ?? null;
    return {
      item, label: CHECKLIST_LABELS[item], note: body ? text(body[`note-${item}`]) ?? '' : prior?.note ?? '',
      radios: CHECK_RESULTS.map((r) => ({ value: r, text: RESULT_LABELS[r], checked: r === result })),
    };
  });
}

export const assetStatusItems = (selected: string | null) => [
  { value: '', text: 'No change', checked: !selected },
  ...VISIT_ASSET_STATUSES.map((s) => ({ value: s, text: ASSET_STATUS_LABELS[s], checked: s === selected })),
];
