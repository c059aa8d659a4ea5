// The Surveillance Camera Code of Practice's 12 guiding principles as a self-assessment: questions, plain-English
// guidance, the RAG rule, the answers Sightline derives from the register, the year-on-year diff and the filter that
// decides what a published page may show. Pure: no I/O.

export const CLOSED_ANSWERS = ['yes', 'partly', 'no', 'na'] as const;
export type ClosedAnswer = (typeof CLOSED_ANSWERS)[number];
export const ANSWER_LABELS: Record<ClosedAnswer, string> = { yes: 'Yes', partly: 'Partly', no: 'No', na: 'Not applicable' };

/** Who sets an answer: the person assessing, or Sightline from the register (shown as "Sightline says…"). */
export type DerivedSource = 'findings' | 'annual-review' | 'retention';

export interface Question {
  id: string;
  kind: 'closed' | 'open';
  text: string;
  /** Headline questions come from the Commissioner's self-assessment tool; the rest are the finer audit checks. */
  headline: boolean;
  hint?: string;
  derived?: DerivedSource;
}

export interface Principle {
  number: number;
  title: string;
  /** The principle as the Code puts it, shortened. */
  statement: string;
  /** What it means in practice, for someone who is not a specialist. */
  guidance: string[];
  questions: Question[];
}

const closed = (id: string, text: string, o: Partial<Question> = {}): Question => ({ id, kind: 'closed', text, headline: false, ...o });
const open = (id: string, text: string, o: Partial<Question> = {}): Question => ({ id, kind: 'open', text, headline: false, ...o });

export const PRINCIPLES: readonly Principle[] = [
  {
    number: 1, title: 'Purpose', statement: 'Use of a surveillance camera system must always be for a specified purpose which is in pursuit of a legitimate aim and necessary to meet an identified pressing need.',
    guidance: [
      'Write down, in a sentence or two, what problem the cameras are there to solve – for example “to reduce vehicle crime in the town-centre car parks”. “General security” is too vague to test.',
      'A pressing need is a real, evidenced problem (incident figures, complaints, insurance claims), not a feeling that cameras would be useful.',
      'Look again at the purpose at least once a year: if the problem has gone away, the cameras may no longer be justified.',
    ],
    questions: [
      open('p1.what-for', 'What is the system for?', { headline: true, hint: 'The purpose in plain words, and the pressing need it meets.' }),
      closed('p1.purpose-stated', 'Is the purpose formally stated in writing?'),
      closed('p1.pressing-need', 'Is the system necessary to meet an identified pressing need, such as evidenced incidents?'),
      closed('p1.reviewed', 'Is the use of the system reviewed to check it still meets its purpose?', { headline: true }),
      open('p1.review-frequency', 'How often are the system’s aims and objectives reviewed, and when was the last review?'),
    ],
  },
  {
    number: 2, title: 'Privacy', statement: 'The use of a surveillance camera system must take into account its effect on individuals and their privacy, with regular reviews to ensure its use remains justified.',
    guidance: [
      'A data protection impact assessment (DPIA) is the usual way to weigh the benefit of the cameras against the intrusion into people’s lives. Publishing it, or a summary, builds trust.',
      'Ask the people affected – residents, staff, visitors – before installing or changing cameras, and keep a note of what they said.',
      'Check every camera’s field of view: cameras should not look into homes, gardens or changing areas. Privacy masking can block out what should not be seen.',
    ],
    questions: [
      closed('p2.dpia', 'Has a privacy or data protection impact assessment been done for this system?', { headline: true }),
      closed('p2.dpia-published', 'Has the impact assessment, or a summary of it, been published?', { headline: true }),
      closed('p2.consulted', 'Were the people affected consulted?'),
      closed('p2.locations-reviewed', 'Has each camera location been reviewed this year to check it is still justified?'),
      open('p2.privacy-measures', 'What is done to limit intrusion, for example privacy masking or cameras not pointing into homes?'),
    ],
  },
  {
    number: 3, title: 'Transparency', statement: 'There must be as much transparency in the use of a surveillance camera system as possible, including a published contact point for access to information and complaints.',
    guidance: [
      'People should know they are being filmed and by whom. Signs at the edge of the area, saying who runs the cameras and how to contact them, are the usual way.',
      'Publish a contact (an e-mail address or phone number, not a named individual’s personal details) for questions, requests for footage and complaints.',
      'Explain on your website what the cameras are for and where they are, unless that would defeat their purpose.',
    ],
    questions: [
      closed('p3.signage', 'Are there signs telling people that cameras are in use and who runs them?', { headline: true }),
      closed('p3.contact', 'Is there a published contact point for information requests and complaints?', { headline: true }),
      closed('p3.complaints', 'Is there a complaints procedure, and is it published?'),
      open('p3.where-published', 'Where is information about the system published?'),
    ],
  },
  {
    number: 4, title: 'Responsibility', statement: 'There must be clear responsibility and accountability for all surveillance camera system activities including images and information collected, held and used.',
    guidance: [
      'Someone senior must own the system and answer for it. Day-to-day jobs – operating, maintaining, handling requests for footage – should each have a named person.',
      'If a contractor runs or maintains the system, the contract should say who is responsible for what, including the images.',
      'Make sure the people involved know what they are responsible for, for example through job descriptions or a signed procedure.',
    ],
    questions: [
      open('p4.who', 'Who is responsible for the system, and for the images and information it produces?', { headline: true }),
      closed('p4.named', 'Are responsibilities assigned to named people, not just to teams?'),
      closed('p4.staff-know', 'Do staff know their responsibilities?', { headline: true }),
      closed('p4.contractors', 'Where contractors operate or maintain the system, does the contract set out their responsibilities?'),
    ],
  },
  {
    number: 5, title: 'Rules and procedures', statement: 'Clear rules, policies and procedures must be in place before a surveillance camera system is used, and these must be communicated to all who need to comply with them.',
    guidance: [
      'Write down how the system is run: who may operate it, how recordings are reviewed and exported, how faults are reported, and what to do with a request for footage.',
      'Rules only work if people know them: brief every operator, keep a record, and repeat it when procedures change.',
      'Contracted staff who watch public-space cameras usually need a Security Industry Authority (SIA) licence; check they hold one.',
    ],
    questions: [
      closed('p5.policies', 'Are there clear written policies and procedures for running the system?', { headline: true }),
      closed('p5.communicated', 'Have they been communicated to everyone who must follow them?', { headline: true }),
      closed('p5.sia', 'Do operators who need a licence (for example an SIA licence for contracted public-space monitoring) hold one?'),
      closed('p5.training', 'Do operators receive training, and is it recorded?'),
      open('p5.which', 'Which policies and procedures apply, and when were they last reviewed?'),
    ],
  },
  {
    number: 6, title: 'Storage and retention', statement: 'No more images and information should be stored than that which is strictly required for the stated purpose, and they should be deleted once their purposes have been discharged.',
    guidance: [
      'Keep recordings only as long as the purpose needs. Many organisations keep them for 31 days or less; a longer period needs a reason you can explain.',
      'Deletion should happen without anyone having to remember it – recorders overwriting old footage automatically – and someone should check it works.',
      'Footage kept longer for an investigation should be logged and deleted when the investigation ends.',
    ],
    questions: [
      closed('p6.retention', 'Are images kept for no longer than the purpose needs?', { headline: true, derived: 'retention', hint: 'Sightline answers this from the retention period recorded for the system.' }),
      open('p6.how-long', 'How long are images kept, and why is that period needed?', { headline: true }),
      closed('p6.deletion-assured', 'Is deletion at the end of the retention period automatic, and is it checked?', { headline: true }),
      closed('p6.retained-reviewed', 'Are images kept beyond the normal period (for example for an investigation) recorded and reviewed?'),
    ],
  },
  {
    number: 7, title: 'Access and disclosure', statement: 'Access to retained images and information should be restricted and there must be clearly defined rules on who can gain access and for what purpose; disclosure only when necessary for the stated purpose or for law enforcement.',
    guidance: [
      'Decide who may look at recorded footage and why, and make sure the system only lets those people in.',
      'Requests for footage – from the police, insurers, or people asking for footage of themselves (a subject access request) – need a written procedure with time limits.',
      'Record every disclosure: who asked, what was given, when and why.',
    ],
    questions: [
      closed('p7.access-policy', 'Is there a policy on who may access stored images and why?', { headline: true }),
      closed('p7.disclosure-policy', 'Is there a policy on disclosing images to others, such as the police or people making subject access requests?', { headline: true }),
      closed('p7.disclosure-log', 'Is every disclosure recorded (who asked, what was given, when and why)?'),
      open('p7.who-can', 'Who can view stored images, and how is that access controlled?'),
    ],
  },
  {
    number: 8, title: 'Standards', statement: 'Surveillance camera system operators should consider any approved operational, technical and competency standards relevant to a system and its purpose and work to meet and maintain those standards.',
    guidance: [
      'Recognised standards cover how systems are designed and installed (for example BS EN 62676), how control rooms are run, and how operators are trained.',
      'Say which standards you follow and how you know they are met – an installer’s accreditation, an audit, or your own checks.',
      'A regular cleaning and maintenance routine keeps pictures usable: dirty domes and drifting focus are common reasons footage cannot be used.',
    ],
    questions: [
      open('p8.which', 'Which recognised operational or technical standards do you follow?', { headline: true }),
      closed('p8.standards-considered', 'Have approved operational, technical and competency standards been considered?', { headline: true }),
      closed('p8.standards-met', 'Are the standards you follow met and maintained?'),
      closed('p8.maintenance', 'Is there a cleaning and maintenance regime?'),
    ],
  },
  {
    number: 9, title: 'Security', statement: 'Surveillance camera system images and information should be subject to appropriate security measures to safeguard against unauthorised access and use.',
    guidance: [
      'Cameras and recorders are computers on your network. Change default passwords, give each person their own account, keep firmware up to date and keep the system apart from other networks.',
      'Know who made your equipment. The government has told departments not to put cameras from companies subject to the PRC National Intelligence Law on sensitive sites; Sightline flags these and devices whose maker is unknown.',
      'Recorders and monitors should be somewhere only authorised people can reach.',
    ],
    questions: [
      closed('p9.findings', 'Are the system’s devices free of open provenance or network findings?', { headline: true, derived: 'findings', hint: 'Sightline answers this from the findings open on the system’s devices.' }),
      closed('p9.secure-storage', 'Are images captured and stored securely?', { headline: true }),
      closed('p9.access-limited', 'Is access limited to authorised people, with individual accounts and default passwords changed?', { headline: true }),
      closed('p9.firmware', 'Is device firmware kept up to date?'),
      open('p9.measures', 'What security measures protect the system and its images?'),
    ],
  },
  {
    number: 10, title: 'Review and audit', statement: 'There should be effective review and audit mechanisms to ensure legal requirements, policies and standards are complied with in practice, and regular reports should be published.',
    guidance: [
      'Once a year, review the whole system: is it still needed, is it working, is each camera still justified, could something less intrusive do the job?',
      'Record the date of the review and what it found. Sightline uses that date to tell you when the next one is due.',
      'Publishing a short annual report – or this self-assessment – shows the public the system is kept under control.',
    ],
    questions: [
      closed('p10.annual-review', 'Has the whole system been reviewed in the last 12 months?', { headline: true, derived: 'annual-review', hint: 'Sightline answers this from the date of the last annual review.' }),
      closed('p10.still-needed', 'Does the review consider whether the system is still needed, and whether something else could do the job?', { headline: true }),
      closed('p10.published-reports', 'Are the results of reviews or audits published?'),
      open('p10.findings', 'What did the last review find, and what changed as a result?'),
    ],
  },
  {
    number: 11, title: 'Public safety and evidence', statement: 'When the use of a surveillance camera system is in pursuit of a legitimate aim, it should be used in the most effective way to support public safety and law enforcement, with the aim of processing images and information of evidential value.',
    guidance: [
      'Footage is only useful if the police and courts can use it: clear enough to identify people or vehicles where that is the purpose, with the right date and time.',
      'Make sure footage can be exported quickly in a format the police can play, with a record of who handled it (the chain of evidence).',
      'Have a rule for how exported footage is stored, protected and deleted.',
    ],
    questions: [
      open('p11.how', 'How does the system support public safety and law enforcement?'),
      closed('p11.evidential', 'Are images of good enough quality to be used as evidence?', { headline: true }),
      closed('p11.export', 'Can images be exported for the police and courts in a usable format, with the correct date and time?', { headline: true }),
      closed('p11.policy', 'Is there a policy on the storage, security and deletion of images handed over as evidence?', { headline: true }),
    ],
  },
  {
    number: 12, title: 'Reference databases', statement: 'Any information used to support a surveillance camera system which compares against a reference database for matching purposes should be accurate and kept up to date.',
    guidance: [
      'This applies when cameras do more than record – for example automatic number plate recognition (ANPR) or facial recognition matching against a list.',
      'Wrong or stale entries on a watch list lead to the wrong people being stopped. Someone must check entries are accurate and remove them when no longer justified.',
      'If the system uses no matching technology, answer “Not applicable”.',
    ],
    questions: [
      open('p12.which', 'Is any specialist technology used (such as ANPR or facial recognition), and what does it match against?', { headline: true }),
      closed('p12.accurate', 'If matching is used, is the reference database accurate and kept up to date?', { headline: true }),
      closed('p12.removal', 'Are entries removed from the reference database when they are no longer justified?'),
    ],
  },
];

export const QUESTION_IDS: ReadonlySet<string> = new Set(PRINCIPLES.flatMap((p) => p.questions.map((q) => q.id)));
export const questionById = (id: string) => PRINCIPLES.flatMap((p) => p.questions).find((q) => q.id === id);
export const principleOf = (n: number) => PRINCIPLES.find((p) => p.number === n);

// --- RAG ----------------------------------------------------------------------------------------------------

export type Rating = 'red' | 'amber' | 'green' | 'na';
export const RATING_LABELS: Record<Rating, string> = { red: 'Red', amber: 'Amber', green: 'Green', na: 'Not applicable' };
export const RAG_RULE = 'Red if any question is answered No; amber if any is answered Partly or not yet answered; green when every question is Yes or Not applicable (and at least one is Yes); not applicable when every question is.';

/** The RAG rating of one principle from its closed answers (null = not yet answered). */
export function rate(answers: (ClosedAnswer | null)[]): Rating {
  if (answers.includes('no')) return 'red';
  if (answers.includes('partly') || answers.includes(null)) return 'amber';
  if (answers.length > 0 && answers.every((a) => a === 'na')) return 'na';
  return answers.length ? 'green' : 'amber';
}

// --- Derived answers ----------------------------------------------------------------------------------------

/** What Sightline says, with the data behind it, so a person can see why. */
export interface Derived { answer: ClosedAnswer | null; says: string; data: Record<string, unknown> }

export interface FindingFact { severity: string; title: string; device: string; status: 'open' | 'accepted' }

/** Principle 9: open critical or high findings on the system's devices are a No; anything else unresolved a Partly. */
export function deriveSecurity(findings: FindingFact[], devices: number): Derived {
  const relevant = findings.filter((f) => f.severity !== 'info');
  const bySeverity: Record<string, number> = {};
  for (const f of relevant) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  const serious = relevant.filter((f) => f.status === 'open' && (f.severity === 'critical' || f.severity === 'high')).length;
  const data = { devices, open: relevant.filter((f) => f.status === 'open').length, accepted: relevant.filter((f) => f.status === 'accepted').length, bySeverity, findings: relevant.slice(0, 20) };
  if (devices === 0) return { answer: null, says: 'No devices are registered to this system yet, so Sightline cannot check them.', data };
  if (!relevant.length) return { answer: 'yes', says: `None of the ${devices} device${devices === 1 ? '' : 's'} in this system has an open provenance or network finding.`, data };
  const counts = Object.entries(bySeverity).map(([s, n]) => `${n} ${s}`).join(', ');
  if (serious) return { answer: 'no', says: `${relevant.length} finding${relevant.length === 1 ? ' is' : 's are'} unresolved on this system’s devices (${counts}), ${serious} of them critical or high and still open.`, data };
  return { answer: 'partly', says: `${relevant.length} finding${relevant.length === 1 ? ' is' : 's are'} unresolved on this system’s devices (${counts}); none is an open critical or high finding.`, data };
}

/** Principle 10: a whole-system review within 12 months is a Yes, within 18 months a Partly. */
export function deriveAnnualReview(lastReview: string | null, today: string, source?: string): Derived {
  if (!lastReview) return { answer: 'no', says: 'No annual review of the whole system has been recorded (enter its date in the scope, or record a visit on an annual system review schedule in Maintenance).', data: { lastReview: null } };
  const months = monthsBetween(lastReview, today);
  const data = { lastReview, monthsAgo: months, nextDue: addMonths(lastReview, 12), source: source ?? 'the date entered on this assessment' };
  const on = `${lastReview} (${data.source})`;
  if (lastReview > today) return { answer: null, says: `The review date recorded (${on}) is in the future; correct it.`, data };
  if (months < 12) return { answer: 'yes', says: `The last annual review was on ${on}; the next is due by ${data.nextDue}.`, data };
  if (months < 18) return { answer: 'partly', says: `The last annual review was on ${on}, more than a year ago; the next was due by ${data.nextDue}.`, data };
  return { answer: 'no', says: `The last annual review was on ${on}, more than 18 months ago.`, data };
}

/** Days beyond which a retention period needs an explanation (the common practice is a month or less). */
export const RETENTION_NORM_DAYS = 31;

/** Principle 6: 31 days or less is a Yes; longer is a Partly until a person explains why the purpose needs it. */
export function deriveRetention(retentionDays: number): Derived {
  const data = { retentionDays, normDays: RETENTION_NORM_DAYS };
  if (retentionDays <= RETENTION_NORM_DAYS) return { answer: 'yes', says: `The register records that this system keeps images for ${retentionDays} day${retentionDays === 1 ? '' : 's'}, within the usual ${RETENTION_NORM_DAYS}.`, data };
  return { answer: 'partly', says: `The register records that this system keeps images for ${retentionDays} days, longer than the usual ${RETENTION_NORM_DAYS}; explain why the purpose needs it.`, data };
}

function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number);
  const [ty, tm, td] = to.split('-').map(Number);
  return (ty - fy) * 12 + (tm - fm) - (td < fd ? 1 : 0);
}

export function addMonths(iso: string, n: number): string {
  const [y, m, d] = iso.split('-').map(Number);
  const target = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, last));
  return target.toISOString().slice(0, 10);
}

// --- The assessment as a document ---------------------------------------------------------------------------

export const ACTION_STATUSES = ['open', 'in-progress', 'done'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];
export const ACTION_STATUS_LABELS: Record<ActionStatus, string> = { open: 'Open', 'in-progress': 'In progress', done: 'Done' };

export const EVIDENCE_KINDS = ['document', 'asset', 'site', 'finding', 'maintenance'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];
export const EVIDENCE_KIND_LABELS: Record<EvidenceKind, string> = { document: 'Document', asset: 'Registered device', site: 'Site', finding: 'Finding', maintenance: 'Maintenance record' };

export interface AnswerView {
  questionId: string; kind: 'closed' | 'open'; text: string; headline: boolean;
  answer: ClosedAnswer | null; openText: string | null; note: string | null;
  derived: Derived | null;
}
export interface EvidenceView { id: string; kind: EvidenceKind; refId: string; label: string; verified: boolean }
export interface ActionView { id: string; title: string; ownerId: string | null; ownerName: string | null; dueDate: string; status: ActionStatus }
export interface PrincipleView { number: number; title: string; rating: Rating; answers: AnswerView[]; evidence: EvidenceView[]; actions: ActionView[] }
export interface ScopeView { sites: { id: string; name: string }[]; assets: { id: string; label: string }[]; purposes: string[] }

/** Everything an assessment says: built live for a draft, frozen as JSON when it is completed. */
export interface AssessmentDocument {
  systemId: string; systemName: string; version: number;
  scope: ScopeView; annualReviewDate: string | null;
  principles: PrincipleView[];
  completedAt: string | null; completedBy: string | null;
}

export interface StoredAnswer { answer: ClosedAnswer | null; text: string | null; note: string | null }

/** Puts stored answers and derived facts together into the 12 principle views, rating each by the rule. */
export function buildPrinciples(stored: Map<string, StoredAnswer>, derived: Partial<Record<DerivedSource, Derived>>,
  evidence: (EvidenceView & { principle: number })[], actions: (ActionView & { principle: number })[]): PrincipleView[] {
  return PRINCIPLES.map((p) => {
    const answers: AnswerView[] = p.questions.map((q) => {
      const s = stored.get(q.id);
      const d = q.derived ? derived[q.derived] ?? null : null;
      return {
        questionId: q.id, kind: q.kind, text: q.text, headline: q.headline,
        answer: q.kind === 'closed' ? (d ? d.answer : s?.answer ?? null) : null,
        openText: q.kind === 'open' ? s?.text ?? null : null, note: s?.note ?? null, derived: d,
      };
    });
    return {
      number: p.number, title: p.title, rating: rate(answers.filter((a) => a.kind === 'closed').map((a) => a.answer)), answers,
      evidence: evidence.filter((e) => e.principle === p.number).map(({ principle: _p, ...e }) => e),
      actions: actions.filter((a) => a.principle === p.number).map(({ principle: _p, ...a }) => a),
    };
  });
}

// --- What changed since last time ---------------------------------------------------------------------------

export type ChangeKind = 'new' | 'changed' | 'same';
export interface QuestionChange { questionId: string; principle: number; change: ChangeKind; before: { answer: ClosedAnswer | null; openText: string | null; note: string | null } | null }

/** Per question, how this assessment differs from the previous completed one. */
export function diffAssessments(previous: AssessmentDocument | null, current: AssessmentDocument): QuestionChange[] {
  const before = new Map<string, AnswerView>();
  for (const p of previous?.principles ?? []) for (const a of p.answers) before.set(a.questionId, a);
  const out: QuestionChange[] = [];
  for (const p of current.principles) {
    for (const a of p.answers) {
      const b = before.get(a.questionId);
      const prior = b ? { answer: b.answer, openText: b.openText, note: b.note } : null;
      const same = b && b.answer === a.answer && (b.openText ?? '') === (a.openText ?? '') && (b.note ?? '') === (a.note ?? '');
      out.push({ questionId: a.questionId, principle: p.number, change: !previous || !b ? 'new' : same ? 'same' : 'changed', before: prior });
    }
  }
  return out;
}

// --- Publishing -----------------------------------------------------------------------------------------------

/** What the organisation chose to publish. Anything not switched on never reaches a published page. */
export interface PublishSettings {
  scope: boolean; ratings: boolean; answers: boolean; openAnswers: boolean; notes: boolean;
  derived: boolean; evidence: boolean; actions: boolean; actionOwners: boolean;
}
export const PUBLISH_FIELDS: { key: keyof PublishSettings; label: string; hint: string }[] = [
  { key: 'scope', label: 'Scope', hint: 'The sites covered, how many cameras, and the purposes.' },
  { key: 'ratings', label: 'Ratings', hint: 'The red, amber or green rating of each principle.' },
  { key: 'answers', label: 'Yes/no answers', hint: 'The answer to each closed question.' },
  { key: 'openAnswers', label: 'Written answers', hint: 'What you wrote in answer to the open questions.' },
  { key: 'notes', label: 'Notes on answers', hint: 'The notes added to individual answers.' },
  { key: 'derived', label: 'What Sightline says', hint: 'The facts from the register behind the answers Sightline keeps current.' },
  { key: 'evidence', label: 'Evidence', hint: 'The documents, devices, sites and records linked as evidence.' },
  { key: 'actions', label: 'Action plan', hint: 'The actions, their due dates and status.' },
  { key: 'actionOwners', label: 'Action owners', hint: 'Who each action is assigned to (only with the action plan).' },
];
export const DEFAULT_PUBLISH: PublishSettings = { scope: true, ratings: true, answers: true, openAnswers: true, notes: false, derived: false, evidence: false, actions: true, actionOwners: false };

export interface PublicAnswer { text: string; kind: 'closed' | 'open'; answer?: string | null; openText?: string | null; note?: string | null; says?: string }
export interface PublicPrinciple { number: number; title: string; statement: string; rating?: Rating; answers: PublicAnswer[]; evidence?: { kind: string; label: string }[]; actions?: { title: string; dueDate: string; status: string; owner?: string | null }[] }
export interface PublicView {
  organisation: string; systemName: string; version: number; completedOn: string | null;
  scope?: { sites: string[]; cameras: number; purposes: string[] };
  principles: PublicPrinciple[];
}

/**
 * The published page's content: built field by field from the settings, so that anything not chosen is never
 * copied into it. Renderers (HTML, PDF) only ever see this.
 */
export function publicView(organisation: string, doc: AssessmentDocument, s: PublishSettings): PublicView {
  return {
    organisation, systemName: doc.systemName, version: doc.version, completedOn: doc.completedAt ? doc.completedAt.slice(0, 10) : null,
    ...(s.scope ? { scope: { sites: doc.scope.sites.map((x) => x.name), cameras: doc.scope.assets.length, purposes: [...doc.scope.purposes] } } : {}),
    principles: doc.principles.map((p) => {
      const principle = principleOf(p.number)!;
      return {
        number: p.number, title: p.title, statement: principle.statement,
        ...(s.ratings ? { rating: p.rating } : {}),
        answers: p.answers.flatMap((a): PublicAnswer[] => {
          const shown: PublicAnswer = { text: a.text, kind: a.kind };
          if (a.kind === 'closed' && s.answers) shown.answer = a.answer ? ANSWER_LABELS[a.answer] : 'Not answered';
          if (a.kind === 'open' && s.openAnswers) shown.openText = a.openText;
          if (s.notes && a.note) shown.note = a.note;
          if (s.derived && a.derived) shown.says = a.derived.says;
          const hasContent = shown.answer !== undefined || shown.openText !== undefined || shown.note !== undefined || shown.says !== undefined;
          return hasContent ? [shown] : [];
        }),
        ...(s.evidence ? { evidence: p.evidence.map((e) => ({ kind: EVIDENCE_KIND_LABELS[e.kind], label: e.label })) } : {}),
        ...(s.actions ? { actions: p.actions.map((a) => ({ title: a.title, dueDate: a.dueDate, status: ACTION_STATUS_LABELS[a.status], ...(s.actionOwners ? { owner: a.ownerName } : {}) })) } : {}),
      };
    }),
  };
}
