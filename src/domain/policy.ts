// Policy engine: turns what is known about a device (its provenance verdict) and where it sits (site,
// network) into findings. Each rule is a named, versioned unit that cites the exact text it comes from.
// Pure: no I/O. The UK rules follow the written ministerial statement of 24 November 2022 (HCWS386).
import type { ListFlag } from '../catalog/types';
import type { Verdict } from './provenance-types';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITY_ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export interface Citation {
  source: string;        // catalogue source id
  summary: string;       // what the source says, paraphrased in short (not a quotation)
  reference: string;     // "HCWS386, 24 November 2022, point 1"
}

export interface PolicyInput {
  assetId: string;
  status: 'in-service' | 'faulty' | 'removed' | 'replacement-planned';
  site: { id: string; name: string; sensitive: boolean } | null;
  network: { id: string; name: string; kind: 'core' | 'isolated' | 'internet-facing' | 'standalone' } | null;
  verdict: Pick<Verdict, 'origin' | 'nilSubject' | 'confidence' | 'conflicts'>;
  /** The origin company's name and list flags (empty when origin is unknown). */
  originName: string | null;
  originFlags: ListFlag[];
}

/** What varies from one device to another when a rule fires; the words are rendered from the rule and these. */
export interface FindingParams {
  maker?: string;
  /** Confidence in the maker, in whole percent. */
  confidence?: number;
  /** The site's or network's name at the time the rule fired (null: no site recorded). */
  site?: string | null;
  network?: string;
  /** The conflicts' messages, as the provenance verdict gave them. */
  conflicts?: string[];
  /** US lists the maker is on: list id and the date it was added, if known. */
  lists?: { list: string; since: string | null }[];
  /**
   * Words kept as written, for findings stored before the words were rendered (migration 0014) whose text
   * the rule no longer reproduces; a field here wins over the rendering.
   */
  text?: Partial<FindingWords>;
}

export interface FindingWords {
  title: string;
  action: string;        // what to do, in the words a security lead would use
  detail: string;        // why it fired for this device
  citation: Citation;
}

export interface Finding extends FindingWords {
  rule: string;          // rule id
  ruleVersion: number;
  severity: Severity;
  params: FindingParams;
}

export interface Rule {
  id: string;
  version: number;
  title: string;
  severity: Severity;
  citation: Citation;
  action: string;
  /** The parameters of the finding when the rule applies, otherwise null. */
  applies(input: PolicyInput): FindingParams | null;
  /** Why it fired for this device, from the parameters `applies` gave. */
  detail(params: FindingParams): string;
}

const WMS = 'uk-wms-2022-11-24';
const maker = (i: PolicyInput) => i.originName ?? i.verdict.origin ?? 'an unknown maker';
const US_LIST_NAMES: Record<string, string> = { 'ndaa-889': 'NDAA §889', 'fcc-covered': 'FCC Covered List', 'commerce-entity': 'Commerce Entity List', 'dod-1260h': 'DoD 1260H list' };

export const RULES: Rule[] = [
  {
    id: 'uk-nil-sensitive-site', version: 1, severity: 'critical',
    title: 'PRC-NIL equipment on a sensitive site',
    citation: { source: WMS, reference: 'HCWS386, 24 November 2022, points 1 and 3', summary: 'Cease deploying such equipment onto sensitive sites, and consider removing and replacing it now rather than waiting for scheduled upgrades.' },
    action: 'Stop deploying this equipment here; plan its removal and replacement now rather than at the next scheduled upgrade.',
    applies: (i) => i.verdict.nilSubject === true && i.site?.sensitive ? { maker: maker(i), confidence: Math.round(i.verdict.confidence * 100), site: i.site.name } : null,
    detail: (p) => `Produced by ${p.maker} (${p.confidence}% confidence), a company subject to the PRC National Intelligence Law, at ${p.site}, a sensitive site.`,
  },
  {
    id: 'uk-nil-core-network', version: 1, severity: 'critical',
    title: 'PRC-NIL equipment connected to a core network',
    citation: { source: WMS, reference: 'HCWS386, 24 November 2022, point 2', summary: 'Such equipment should not be connected to departmental core networks.' },
    action: 'Disconnect it from the core network (move it to an isolated CCTV network) or remove it.',
    applies: (i) => i.verdict.nilSubject === true && i.network?.kind === 'core' ? { maker: maker(i), network: i.network.name } : null,
    detail: (p) => `Produced by ${p.maker}, a company subject to the PRC National Intelligence Law, and connected to ${p.network}, a core network.`,
  },
  {
    id: 'uk-nil-other-site', version: 1, severity: 'medium',
    title: 'PRC-NIL equipment on a site outside the sensitive definition',
    citation: { source: WMS, reference: 'HCWS386, 24 November 2022, point 4', summary: 'Consider extending the same mitigations to sites outside the definition of sensitive sites.' },
    action: 'Consider extending the same mitigation: include it in the replacement programme and keep it off core networks.',
    applies: (i) => i.verdict.nilSubject === true && !i.site?.sensitive ? { maker: maker(i), site: i.site?.name ?? null } : null,
    detail: (p) => `Produced by ${p.maker}, a company subject to the PRC National Intelligence Law${p.site != null ? `, at ${p.site}` : ', at no recorded site'}.`,
  },
  {
    id: 'unknown-provenance-exposed', version: 1, severity: 'high',
    title: 'Unknown provenance on a sensitive site or core network',
    citation: { source: WMS, reference: 'HCWS386, 24 November 2022, points 1 and 2', summary: 'The controls apply to equipment produced by companies subject to the National Intelligence Law; compliance cannot be shown for a device whose producer is unknown.' },
    action: 'Establish provenance: record the model, firmware and MAC address from the device, or run discovery on its network.',
    applies: (i) => i.verdict.nilSubject === null && (i.site?.sensitive || i.network?.kind === 'core')
      ? { ...(i.site?.sensitive ? { site: i.site.name } : {}), ...(i.network?.kind === 'core' ? { network: i.network.name } : {}) }
      : null,
    detail: (p) => `Who produced this device is not known${p.site != null ? `, and it is at ${p.site}, a sensitive site` : ''}${p.network != null ? `${p.site != null ? ' and' : ', and it is'} on ${p.network}, a core network` : ''}.`,
  },
  {
    id: 'evidence-conflict', version: 1, severity: 'medium',
    title: 'The label and the technical evidence disagree',
    citation: { source: WMS, reference: 'HCWS386, 24 November 2022 (relabelled equipment is in scope)', summary: 'The test is who produced the equipment, whatever name is on it.' },
    action: 'Verify on site: read the model, firmware and MAC address from the device itself and correct the register.',
    applies: (i) => i.verdict.conflicts.length ? { conflicts: i.verdict.conflicts.map((c) => c.message) } : null,
    detail: (p) => (p.conflicts ?? []).join(' '),
  },
  {
    id: 'us-lists-info', version: 1, severity: 'info',
    title: 'Producer named on US government lists (for information)',
    citation: { source: 'us-lists', reference: 'NDAA FY2019 §889; FCC Covered List; Commerce Entity List; DoD 1260H list', summary: 'US designations do not bind UK bodies; shown for information, separately from the UK test.' },
    action: 'No action required by UK policy; relevant if you supply or share systems with US government bodies.',
    applies: (i) => {
      const current = i.originFlags.filter((f) => f.list !== 'prc-nil' && f.until === null && f.confidence >= 0.7);
      return current.length ? { maker: maker(i), lists: current.map((f) => ({ list: f.list, since: f.since ?? null })) } : null;
    },
    detail: (p) => `${p.maker} is on: ${(p.lists ?? []).map((f) => `${US_LIST_NAMES[f.list] ?? f.list}${f.since ? ` (since ${f.since})` : ''}`).join('; ')}.`,
  },
];

/**
 * Every rule version whose findings may be stored: the current rules, and (when a rule's words change) the
 * version it replaced, kept here so findings raised under it still read as they did.
 */
const RULE_VERSIONS = new Map<string, Rule>(RULES.map((r) => [`${r.id}@${r.version}`, r]));

/** The words of a stored finding, rendered from its rule version and parameters. */
export function renderFinding(ruleId: string, version: number, params: FindingParams): FindingWords {
  const r = RULE_VERSIONS.get(`${ruleId}@${version}`);
  const words: FindingWords = r
    ? { title: r.title, action: r.action, detail: r.detail(params), citation: r.citation }
    : { title: `Rule ${ruleId} (version ${version})`, action: '', detail: '', citation: { source: '', summary: '', reference: '' } };
  return params.text ? { ...words, ...params.text } : words;
}

/** Findings for one device. Removed equipment raises none: it is no longer in the estate. */
export function evaluatePolicy(input: PolicyInput, rules: Rule[] = RULES): Finding[] {
  if (input.status === 'removed') return [];
  const out: Finding[] = [];
  for (const r of rules) {
    const params = r.applies(input);
    if (params) out.push({ rule: r.id, ruleVersion: r.version, severity: r.severity, title: r.title, action: r.action, detail: r.detail(params), citation: r.citation, params });
  }
  return out;
}

/** Replacement priority: sensitive sites and core networks first, then by severity, then confidence. Lower sorts first. */
export function replacementPriority(findings: Pick<Finding, 'rule' | 'severity'>[]): number {
  let p = 100;
  for (const f of findings) {
    if (f.rule === 'uk-nil-sensitive-site') p = Math.min(p, 1);
    else if (f.rule === 'uk-nil-core-network') p = Math.min(p, 2);
    else if (f.rule === 'unknown-provenance-exposed') p = Math.min(p, 3);
    else if (f.rule === 'uk-nil-other-site') p = Math.min(p, 4);
  }
  return p;
}
