import { z } from 'zod';
import { isIsoDate } from '../../domain/netaddr';
import { UUID_RE } from '../../platform/ids';
import { limitSchema } from '../../platform/paging';
import { LIKELIHOODS, RISK_LEVELS, SEVERITIES, type CameraEntry, type Features, type Likelihood, type RiskLevel, type Severity } from './review';

// ---- shared field builders -------------------------------------------------------------------------------

const optionalText = (max: number, label: string) =>
  z.string({ error: `${label} must be text` }).trim().max(max, `${label} must be ${max.toLocaleString('en-GB')} characters or fewer`).nullish().transform((v) => (v ? v : null));
const requiredText = (max: number, missing: string, label: string) =>
  z.string({ error: missing }).trim().min(1, missing).max(max, `${label} must be ${max.toLocaleString('en-GB')} characters or fewer`);
const ref = (label: string) => z.string({ error: `Choose a ${label}` }).regex(UUID_RE, `Choose a ${label} from this organisation`);

/** Today's date in the UK, which is what statutory deadlines and review dates are counted in. */
export const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

/** A YYYY-MM-DD date; `past` refuses a date after today (things that have happened). */
const dateField = (label: string, opts: { past?: boolean } = {}) => z.string({ error: `Enter the ${label}` }).trim().superRefine((v, c) => {
  if (!isIsoDate(v)) c.addIssue({ code: 'custom', message: `The ${label} must be a real date, like 2026-03-27` });
  else if (opts.past && v > today()) c.addIssue({ code: 'custom', message: `The ${label} must be today or in the past` });
});
const optionalDate = (label: string, opts: { past?: boolean } = {}) =>
  z.union([dateField(label, opts), z.literal(''), z.null()]).optional().transform((v) => (v ? v : null));

export const isoDateTimeToDate = (iso: string) => iso.slice(0, 10);

// ---- DPIA -----------------------------------------------------------------------------------------------

/** The template's tick list: why this processing needs a DPIA. */
export const WHY_NEEDED = ['public-monitoring', 'large-scale', 'tracking', 'biometrics', 'data-matching', 'vulnerable-people', 'special-category', 'innovative-technology', 'audio', 'access-decisions'] as const;
export const WHY_NEEDED_LABELS: Record<(typeof WHY_NEEDED)[number], string> = {
  'public-monitoring': 'Systematic monitoring of a publicly accessible area',
  'large-scale': 'Processing on a large scale (many cameras, people or places)',
  tracking: 'Tracking people’s location or behaviour',
  biometrics: 'Biometric data, such as facial recognition',
  'data-matching': 'Matching or combining data sets, such as ANPR against a watch list',
  'vulnerable-people': 'Children or vulnerable people are likely to be recorded',
  'special-category': 'Special category or criminal offence data',
  'innovative-technology': 'Innovative technology, such as body-worn video, drones or video analytics',
  audio: 'Audio recording',
  'access-decisions': 'Decisions about people’s access to a service or place based on the recording',
};

export const REGIMES = ['uk-gdpr', 'dpa-part-3', 'both'] as const;
export const REGIME_LABELS: Record<(typeof REGIMES)[number], string> = {
  'uk-gdpr': 'UK GDPR (general processing)',
  'dpa-part-3': 'Data Protection Act 2018 Part 3 (law enforcement processing)',
  both: 'Both: some processing under UK GDPR, some under Part 3',
};

export const OUTCOMES = ['proceed', 'proceed-with-changes', 'do-not-proceed'] as const;
export const OUTCOME_LABELS: Record<(typeof OUTCOMES)[number], string> = {
  proceed: 'Proceed: the risks are acceptable',
  'proceed-with-changes': 'Proceed with the changes recorded in the mitigations',
  'do-not-proceed': 'Do not proceed: the risks cannot be reduced enough',
};

export const LIKELIHOOD_LABELS: Record<Likelihood, string> = { remote: 'Remote', possible: 'Possible', probable: 'Probable' };
export const SEVERITY_LABELS: Record<Severity, string> = { minimal: 'Minimal', significant: 'Significant', severe: 'Severe' };
export const RISK_LABELS: Record<RiskLevel, string> = { low: 'Low', medium: 'Medium', high: 'High' };

const section = (label: string) => optionalText(10_000, label);

/** The template's sections a person writes; every one may be left empty while the DPIA is a draft. */
const sectionShape = {
  whyNeeded: z.array(z.enum(WHY_NEEDED, { error: 'Choose the reasons from the list' }), { error: 'whyNeeded must be a list' }).max(WHY_NEEDED.length)
    .transform((v) => WHY_NEEDED.filter((w) => v.includes(w))),
  whyNeededNotes: section('Other reasons'),
  regime: z.enum(REGIMES, { error: 'Choose UK GDPR, DPA 2018 Part 3 or both' }).nullish().transform((v) => v ?? null),
  controller: optionalText(500, 'Controller'),
  processingNature: section('Nature of the processing'),
  processingScope: section('Scope of the processing'),
  processingContext: section('Context of the processing'),
  processingPurposes: section('Purposes of the processing'),
  lawfulBasis: optionalText(2000, 'Lawful basis'),
  consultation: section('Consultation'),
  necessity: section('Necessity and proportionality'),
};
const dpiaSections = z.object(sectionShape).strict();
export const dpiaSectionsPatch = dpiaSections.partial();
export const dpiaCreate = z.object({ systemId: ref('system'), ...dpiaSectionsPatch.shape }).strict();
export type DpiaSections = z.infer<typeof dpiaSections>;

export const riskShape = {
  description: requiredText(2000, 'Describe the risk to individuals', 'Risk description'),
  likelihood: z.enum(LIKELIHOODS, { error: 'Choose how likely the harm is: remote, possible or probable' }),
  severity: z.enum(SEVERITIES, { error: 'Choose how severe the harm would be: minimal, significant or severe' }),
  mitigation: optionalText(2000, 'Mitigation'),
  residualRisk: z.enum(RISK_LEVELS, { error: 'Choose the residual risk: low, medium or high' }).nullish().transform((v) => v ?? null),
  approvedBy: optionalText(200, 'Approved by'),
};
export const riskInput = z.object(riskShape).strict();
export const riskPatch = z.object(riskShape).partial().strict();

export const signOffInput = z.object({
  dpoName: requiredText(200, 'Enter the name of the data protection officer', 'DPO name'),
  dpoAdvice: requiredText(5000, 'Summarise the data protection officer’s advice', 'DPO advice'),
  dpoAdviceAccepted: z.boolean({ error: 'Say whether the DPO’s advice was accepted' }),
  dpoAdviceResponse: optionalText(5000, 'Reason'),
  approvedBy: requiredText(200, 'Enter the name and role of the person signing off', 'Signed off by'),
  outcome: z.enum(OUTCOMES, { error: 'Choose the outcome' }),
  signedOffOn: dateField('sign-off date', { past: true }),
  reviewDate: dateField('review date'),
}).strict().superRefine((v, c) => {
  if (!v.dpoAdviceAccepted && !v.dpoAdviceResponse) c.addIssue({ code: 'custom', path: ['dpoAdviceResponse'], message: 'Explain why the DPO’s advice was not followed' });
  if (isIsoDate(v.signedOffOn) && isIsoDate(v.reviewDate)) {
    const yearLater = `${Number(v.signedOffOn.slice(0, 4)) + 1}${v.signedOffOn.slice(4)}`;
    if (v.reviewDate <= v.signedOffOn) c.addIssue({ code: 'custom', path: ['reviewDate'], message: 'The review date must be after the sign-off date' });
    else if (v.reviewDate > yearLater) c.addIssue({ code: 'custom', path: ['reviewDate'], message: 'The review date must be within a year of sign-off: a DPIA is reviewed at least annually' });
  }
});
export type SignOffInput = z.infer<typeof signOffInput>;

export const featuresPatch = z.object({
  anpr: z.boolean({ error: 'Say whether ANPR is used (true or false)' }),
  biometrics: z.boolean({ error: 'Say whether biometric recognition is used (true or false)' }),
}).partial().strict();

export const dpiaListQuery = z.object({
  system: ref('system').optional().describe('Only the DPIA of this system'),
  reviewDue: z.enum(['true', 'false']).optional().describe('Only DPIAs due (true) or not due (false) for review'),
}).strict();

export interface Risk {
  id: string; position: number; description: string; likelihood: Likelihood; severity: Severity; overall: RiskLevel;
  mitigation: string | null; residualRisk: RiskLevel | null; approvedBy: string | null;
}

export interface DpiaVersion extends DpiaSections {
  id: string; version: number; status: 'draft' | 'signed-off';
  dpoName: string | null; dpoAdvice: string | null; dpoAdviceAccepted: boolean | null; dpoAdviceResponse: string | null;
  approvedBy: string | null; outcome: (typeof OUTCOMES)[number] | null; signedOffOn: string | null; signedOffAt: string | null; signedOffBy: string | null;
  reviewDate: string | null; createdAt: string; createdBy: string; updatedAt: string;
  risks: Risk[];
  /** Live from the register while a draft; as frozen at sign-off afterwards. */
  cameras: CameraEntry[]; camerasFrozen: boolean;
  features: Features;
}

export interface ReviewReasonOut { reason: string; occurredOn: string; detectedAt: string; againstVersion: number }

export type DpiaState = 'draft' | 'signed-off' | 'review-due';
export const STATE_LABELS: Record<DpiaState, string> = { draft: 'Draft', 'signed-off': 'Signed off', 'review-due': 'Review due' };

export interface Dpia {
  id: string; systemId: string; systemName: string; state: DpiaState;
  /** The last signed-off version, if any. */
  signedVersion: number | null; reviewDate: string | null; reviewReasons: ReviewReasonOut[];
  current: DpiaVersion;
  versions: { version: number; status: 'draft' | 'signed-off'; signedOffOn: string | null; approvedBy: string | null }[];
  createdAt: string; updatedAt: string;
}

// ---- Signage ----------------------------------------------------------------------------------------------

export const SIGN_CONDITIONS = ['good', 'worn', 'damaged', 'missing'] as const;
export const CONDITION_LABELS: Record<(typeof SIGN_CONDITIONS)[number], string> = { good: 'Good', worn: 'Worn or faded but legible', damaged: 'Damaged or illegible', missing: 'Missing' };

const flag = (question: string) => z.boolean({ error: question });
const signShape = {
  siteId: ref('site'),
  location: requiredText(300, 'Describe where the sign is', 'Location'),
  showsOperator: flag('Say whether the sign names who operates the cameras'),
  showsPurpose: flag('Say whether the sign states the purpose'),
  showsContact: flag('Say whether the sign gives a contact point'),
  wording: optionalText(2000, 'Wording'),
  photoDocumentId: z.string({ error: 'Photo must be a document id' }).trim().regex(UUID_RE, 'Enter the id of a document in this organisation’s documents').nullish().or(z.literal('')).transform((v) => v || null),
  lastChecked: optionalDate('date last checked', { past: true }),
  condition: z.enum(SIGN_CONDITIONS, { error: 'Choose the sign’s condition' }),
  notes: optionalText(2000, 'Notes'),
};
export const signInput = z.object(signShape).strict();
export const signPatch = z.object(signShape).partial().strict();
export const signListQuery = z.object({
  site: ref('site').optional().describe('Only signs at this site'),
  cursor: z.string().regex(UUID_RE, 'Not a valid cursor').optional().describe('The `next` value of the previous page'),
  limit: limitSchema.describe('Page size, 1–500 (default 50)'),
}).strict();

export interface Sign {
  id: string; siteId: string; siteName: string; location: string; showsOperator: boolean; showsPurpose: boolean; showsContact: boolean;
  wording: string | null; photoDocumentId: string | null; lastChecked: string | null; condition: (typeof SIGN_CONDITIONS)[number]; notes: string | null;
  /** Names operator, purpose and contact, and can be read. */
  adequate: boolean;
  /** Not checked in the last year (signage is a yearly maintenance check). */
  checkDue: boolean;
  createdAt: string; updatedAt: string;
}

// ---- Subject access / disclosure log ------------------------------------------------------------------------

export const REQUEST_TYPES = ['subject-access', 'third-party', 'foi'] as const;
export const REQUEST_TYPE_LABELS: Record<(typeof REQUEST_TYPES)[number], string> = {
  'subject-access': 'Subject access request', 'third-party': 'Police or other third-party disclosure', foi: 'Freedom of Information request',
};
export const REQUEST_OUTCOMES = ['open', 'disclosed', 'partly-disclosed', 'refused', 'no-footage', 'withdrawn'] as const;
export const REQUEST_OUTCOME_LABELS: Record<(typeof REQUEST_OUTCOMES)[number], string> = {
  open: 'Open', disclosed: 'Disclosed', 'partly-disclosed': 'Partly disclosed (others obscured or exempt)', refused: 'Refused (exemption applied)',
  'no-footage': 'No footage held', withdrawn: 'Withdrawn',
};

const disclosureShape = {
  systemId: ref('system'),
  requestType: z.enum(REQUEST_TYPES, { error: 'Choose the type of request' }),
  requester: requiredText(200, 'Enter who made the request, kept minimal (for example “Data subject” or “Thames Valley Police”)', 'Requester'),
  reference: optionalText(100, 'Reference'),
  receivedOn: dateField('date received', { past: true }),
  outcome: z.enum(REQUEST_OUTCOMES, { error: 'Choose the outcome' }),
  closedOn: optionalDate('date closed', { past: true }),
  notes: optionalText(2000, 'Notes'),
};
const closure = (v: { outcome?: string; closedOn?: string | null; receivedOn?: string }, c: z.RefinementCtx) => {
  if (v.outcome === 'open' && v.closedOn) c.addIssue({ code: 'custom', path: ['closedOn'], message: 'Leave the date closed empty while the request is open, or choose its outcome' });
  if (v.outcome && v.outcome !== 'open' && !v.closedOn) c.addIssue({ code: 'custom', path: ['closedOn'], message: 'Enter the date the request was closed' });
  if (v.closedOn && v.receivedOn && isIsoDate(v.closedOn) && isIsoDate(v.receivedOn) && v.closedOn < v.receivedOn) {
    c.addIssue({ code: 'custom', path: ['closedOn'], message: 'The date closed must be on or after the date received' });
  }
};
export const disclosureFields = z.object({ ...disclosureShape, outcome: disclosureShape.outcome.default('open') }).strict();
export const disclosureInput = disclosureFields.superRefine(closure);
export const disclosurePatch = z.object(disclosureShape).partial().strict();
export const disclosureListQuery = z.object({
  system: ref('system').optional().describe('Only requests about this system'),
  status: z.enum(['open', 'overdue', 'closed']).optional().describe('open, overdue (open past its deadline) or closed'),
  cursor: z.string().regex(UUID_RE, 'Not a valid cursor').optional().describe('The `next` value of the previous page'),
  limit: limitSchema.describe('Page size, 1–500 (default 50)'),
}).strict();

export interface Disclosure {
  id: string; systemId: string | null; systemName: string | null; requestType: (typeof REQUEST_TYPES)[number]; requester: string; reference: string | null;
  receivedOn: string; /** Statutory deadline; null for third-party disclosures, which have none. */ deadline: string | null;
  outcome: (typeof REQUEST_OUTCOMES)[number]; closedOn: string | null; notes: string | null;
  overdue: boolean; closedLate: boolean; createdAt: string; updatedAt: string;
}
