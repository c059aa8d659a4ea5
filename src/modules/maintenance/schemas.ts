import { z } from 'zod';
import { isCalendarDate, parseRule } from '../../domain/recurrence';
import { UUID_RE } from '../../platform/ids';
import { ASSET_STATUSES } from '../assets/schemas';

/** What an engineer checks on a visit (the Code's maintenance regime, domain reference section 6). */
export const CHECKLIST_ITEMS = ['picture-quality', 'field-of-view', 'recording-backup', 'time-sync', 'ptz', 'cleaning', 'fixings', 'signage', 'firmware'] as const;
export type ChecklistItem = (typeof CHECKLIST_ITEMS)[number];
export const CHECKLIST_LABELS: Record<ChecklistItem, string> = {
  'picture-quality': 'Picture quality', 'field-of-view': 'Field of view', 'recording-backup': 'Recording and backup',
  'time-sync': 'Time synchronisation', ptz: 'Pan, tilt and zoom (PTZ)', cleaning: 'Cleaning', fixings: 'Fixings and housings',
  signage: 'Signage', firmware: 'Firmware version',
};
export const CHECK_RESULTS = ['pass', 'fail', 'na'] as const;
export const RESULT_LABELS: Record<(typeof CHECK_RESULTS)[number], string> = { pass: 'Pass', fail: 'Fail', na: 'Not applicable' };

export const TARGET_TYPES = ['organisation', 'site', 'system', 'asset'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];
export const VISIT_STATUSES = ['planned', 'done'] as const;

/** Statuses a visit may set on an asset: what an engineer finds at the camera. */
export const VISIT_ASSET_STATUSES = ['in-service', 'faulty', 'removed'] as const satisfies readonly (typeof ASSET_STATUSES)[number][];

export interface ScheduleTemplate { key: string; title: string; rrule: string; checklist: ChecklistItem[]; leadDays: number; hint: string }

/** Common cadences (domain reference section 6), to start a schedule from. */
export const TEMPLATES: ScheduleTemplate[] = [
  { key: 'daily-check', title: 'Daily check', rrule: 'FREQ=DAILY', checklist: ['picture-quality', 'recording-backup'], leadDays: 0, hint: 'Picture, recorder errors and free space, every day' },
  { key: 'monthly-check', title: 'Monthly check', rrule: 'FREQ=MONTHLY', checklist: ['field-of-view', 'recording-backup', 'ptz', 'time-sync'], leadDays: 7, hint: 'Field of view, recording and backup, PTZ and time sync, on the start date’s day each month' },
  { key: 'quarterly-check', title: 'Quarterly check', rrule: 'FREQ=MONTHLY;BYMONTH=3,6,9,12;BYDAY=-1FR', checklist: ['cleaning', 'fixings'], leadDays: 14, hint: 'Cleaning and wiring, on the last Friday of each quarter' },
  { key: 'yearly-check', title: 'Yearly check', rrule: 'FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1', checklist: ['fixings', 'signage', 'picture-quality'], leadDays: 30, hint: 'Fixings, electrics, monitors and signage, every March' },
  { key: 'annual-system-review', title: 'Annual system review', rrule: 'FREQ=YEARLY', checklist: [...CHECKLIST_ITEMS], leadDays: 30, hint: 'Is the system still needed and effective (principle 10)? Once a year from the start date' },
  { key: 'firmware-review', title: 'Firmware review', rrule: 'FREQ=MONTHLY;INTERVAL=6', checklist: ['firmware'], leadDays: 14, hint: 'Compare firmware seen with the makers’ current releases, every six months' },
];

const calendarDate = (label: string) => z.string({ error: `Enter the ${label}` }).trim()
  .refine(isCalendarDate, `The ${label} must be a real date, like 2027-03-31`)
  .refine((d) => !isCalendarDate(d) || (d >= '2000-01-01' && d <= '2099-12-31'), `The ${label} must be between 2000 and 2099`);

const optionalText = (max: number, label: string) => z.string({ error: `${label} must be text` }).trim()
  .max(max, `${label} must be ${max.toLocaleString('en-GB')} characters or fewer`).nullish().transform((v) => (v ? v : null));

const userRef = (message: string) => z.string({ error: message }).regex(UUID_RE, message).nullish().transform((v) => v ?? null);

export const targetSchema = z.object({
  type: z.enum(TARGET_TYPES, { error: 'Choose what this is about: organisation, site, system or asset' }),
  id: z.string().regex(UUID_RE, 'Choose a site, system or asset of this organisation').nullish(),
}, { error: 'Choose what this is about' }).strict().superRefine((t, c) => {
  if (t.type !== 'organisation' && !t.id) c.addIssue({ code: 'custom', path: ['id'], message: `Choose the ${t.type}` });
});

export const rruleSchema = z.string({ error: 'Enter how often it recurs' }).transform((v, c) => {
  const p = parseRule(v);
  if (!p.ok) { c.addIssue({ code: 'custom', message: p.error }); return z.NEVER; }
  return p.text;
});

export const scheduleFields = z.object({
  title: z.string({ error: 'Enter a title' }).trim().min(1, 'Enter a title').max(200, 'Title must be 200 characters or fewer'),
  target: targetSchema.default({ type: 'organisation' }),
  rrule: rruleSchema,
  startDate: calendarDate('start date'),
  assigneeUserId: userRef('Choose an engineer who is a member of this organisation'),
  checklist: z.array(z.enum(CHECKLIST_ITEMS, { error: `Checklist items are: ${CHECKLIST_ITEMS.join(', ')}` }), { error: 'Checklist must be a list' })
    .max(CHECKLIST_ITEMS.length).transform((xs) => CHECKLIST_ITEMS.filter((i) => xs.includes(i))).default([]),
  leadDays: z.number({ error: 'Lead time must be a whole number of days' }).int('Lead time must be a whole number of days')
    .min(0, 'Lead time must be 0 days or more').max(365, 'Lead time must be 365 days or fewer').default(14),
  template: z.string().max(40).nullish().transform((v) => (v && TEMPLATES.some((t) => t.key === v) ? v : null)),
  active: z.boolean({ error: 'Active must be true or false' }).default(true),
  notes: optionalText(2000, 'Notes'),
}).strict();
export const schedulePatch = scheduleFields.partial().strict();
export type ScheduleInput = z.infer<typeof scheduleFields>;

export const checkResult = z.object({
  item: z.enum(CHECKLIST_ITEMS, { error: `Checklist items are: ${CHECKLIST_ITEMS.join(', ')}` }),
  result: z.enum(CHECK_RESULTS, { error: 'Choose pass, fail or not applicable' }),
  note: optionalText(1000, 'Note'),
}).strict();

export const assetUpdate = z.object({
  assetId: z.string({ error: 'Choose an asset' }).regex(UUID_RE, 'Choose an asset of this organisation'),
  firmware: optionalText(200, 'Firmware version seen'),
  status: z.enum(VISIT_ASSET_STATUSES, { error: `Status must be one of: ${VISIT_ASSET_STATUSES.join(', ')}` }).nullish().transform((v) => v ?? null),
}).strict().refine((u) => u.firmware !== null || u.status !== null, { message: 'Give the firmware version seen or a new status', path: ['firmware'] });

export const visitFields = z.object({
  scheduleId: z.string().regex(UUID_RE, 'Choose a schedule of this organisation').nullish().transform((v) => v ?? null),
  /** Ad hoc visits say what they were about; a scheduled visit takes its schedule's. */
  target: targetSchema.nullish().transform((v) => v ?? null),
  status: z.enum(VISIT_STATUSES, { error: 'Say whether the visit is planned or done' }).default('done'),
  visitDate: calendarDate('visit date'),
  engineerUserId: userRef('Choose an engineer who is a member of this organisation'),
  /** The due date the visit fulfils; worked out from the schedule when left out. */
  occurrenceDate: calendarDate('due date fulfilled').nullish().transform((v) => v ?? null),
  checklist: z.array(checkResult, { error: 'Checklist must be a list of results' }).max(CHECKLIST_ITEMS.length, 'One result per checklist item').default([])
    .superRefine((xs, c) => { if (new Set(xs.map((x) => x.item)).size !== xs.length) c.addIssue({ code: 'custom', message: 'Give one result per checklist item' }); }),
  faults: optionalText(5000, 'Faults found'),
  notes: optionalText(5000, 'Notes'),
  documentIds: z.array(z.string().regex(UUID_RE, 'Not a document id'), { error: 'documentIds must be a list' }).max(20, 'Attach 20 documents or fewer')
    .transform((xs) => [...new Set(xs)]).default([]),
  assetUpdates: z.array(assetUpdate, { error: 'assetUpdates must be a list' }).max(200, 'Update 200 assets or fewer in one visit').default([])
    .superRefine((xs, c) => { if (new Set(xs.map((x) => x.assetId)).size !== xs.length) c.addIssue({ code: 'custom', message: 'Each asset once' }); }),
}).strict();
export type VisitInput = z.infer<typeof visitFields>;

const dateParam = (label: string) => z.string().refine(isCalendarDate, `${label} must be a date like 2027-03-31`);

export const dueQuery = z.object({
  from: dateParam('from').optional().describe('Due dates on or after (YYYY-MM-DD); default: everything still open'),
  to: dateParam('to').optional().describe('Due dates on or before (YYYY-MM-DD); default: 90 days ahead'),
  site: z.string().regex(UUID_RE, 'Not a site id').optional().describe('Only schedules at this site (or its systems and assets)'),
  engineer: z.string().regex(UUID_RE, 'Not a user id').optional().describe('Only schedules assigned to this person'),
}).strict();

export const visitListQuery = z.object({
  from: dateParam('from').optional().describe('Visits on or after (YYYY-MM-DD)'),
  to: dateParam('to').optional().describe('Visits on or before (YYYY-MM-DD)'),
  site: z.string().regex(UUID_RE, 'Not a site id').optional().describe('Only visits at this site'),
  system: z.string().regex(UUID_RE, 'Not a system id').optional().describe('Only visits to this system'),
  schedule: z.string().regex(UUID_RE, 'Not a schedule id').optional().describe('Only visits of this schedule'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('At most this many, newest first (default 100)'),
}).strict();

export const reportQuery = z.object({
  site: z.string().regex(UUID_RE, 'Choose a site').optional(),
  system: z.string().regex(UUID_RE, 'Choose a system').optional(),
  from: dateParam('From'),
  to: dateParam('To'),
}).strict().superRefine((q, c) => {
  if (q.from > q.to) c.addIssue({ code: 'custom', path: ['to'], message: 'To must be on or after from' });
  if (q.site && q.system) c.addIssue({ code: 'custom', path: ['system'], message: 'Choose a site or a system, not both' });
});

export const feedInput = z.object({
  scope: z.enum(['mine', 'organisation'], { error: 'Choose a feed for you or for the organisation' }),
  assignedOnly: z.boolean().default(true),
}).strict();
