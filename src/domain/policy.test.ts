import { describe, expect, it } from 'vitest';
import { evaluatePolicy, replacementPriority, type PolicyInput } from './policy';
import type { ListFlag } from '../catalog/types';

const flags: ListFlag[] = [
  { list: 'prc-nil', status: 'subject', since: '2017-06-28', until: null, confidence: 0.95, source: 'prc-nil' },
  { list: 'ndaa-889', status: 'named', since: '2019-08-13', until: null, confidence: 0.95, source: 'ndaa' },
  { list: 'dod-1260h', status: 'listed', since: null, until: null, confidence: 0.5, source: 'x' },
];

function input(over: Partial<PolicyInput> & { nil?: boolean | null } = {}): PolicyInput {
  const nil = over.nil === undefined ? true : over.nil;
  return {
    assetId: 'a1', status: 'in-service',
    site: { id: 's1', name: 'Civic Centre', sensitive: false },
    network: { id: 'n1', name: 'CCTV VLAN', kind: 'isolated' },
    verdict: { origin: nil === null ? null : nil ? 'hikvision' : 'axis', nilSubject: nil, confidence: 0.9, conflicts: [] },
    originName: nil === null ? null : nil ? 'Hikvision' : 'Axis', originFlags: nil ? flags : [],
    ...over,
  };
}
const rules = (i: PolicyInput) => evaluatePolicy(i).map((f) => f.rule).sort();

describe('policy rules (HCWS386, 24 November 2022)', () => {
  it('flags PRC-NIL kit on a sensitive site as critical, citing points 1 and 3', () => {
    const f = evaluatePolicy(input({ site: { id: 's', name: 'Town Hall', sensitive: true } }));
    const hit = f.find((x) => x.rule === 'uk-nil-sensitive-site')!;
    expect(hit.severity).toBe('critical');
    expect(hit.citation.reference).toMatch(/HCWS386.*points 1 and 3/);
    expect(hit.detail).toContain('Town Hall');
    expect(f.map((x) => x.rule)).not.toContain('uk-nil-other-site');
  });

  it('flags PRC-NIL kit on a core network wherever the site, and on an ordinary site as medium', () => {
    expect(rules(input({ network: { id: 'n', name: 'Corporate LAN', kind: 'core' } }))).toEqual(['uk-nil-core-network', 'uk-nil-other-site', 'us-lists-info']);
    const ordinary = evaluatePolicy(input()).find((x) => x.rule === 'uk-nil-other-site')!;
    expect(ordinary.severity).toBe('medium');
  });

  it('raises nothing under the UK rules for kit from a company not subject to the law', () => {
    expect(rules(input({ nil: false, site: { id: 's', name: 'Town Hall', sensitive: true }, network: { id: 'n', name: 'LAN', kind: 'core' } }))).toEqual([]);
  });

  it('asks to establish provenance when an unknown device sits somewhere that matters, and only there', () => {
    expect(rules(input({ nil: null, site: { id: 's', name: 'Town Hall', sensitive: true } }))).toEqual(['unknown-provenance-exposed']);
    expect(rules(input({ nil: null, network: { id: 'n', name: 'LAN', kind: 'core' } }))).toEqual(['unknown-provenance-exposed']);
    expect(rules(input({ nil: null }))).toEqual([]);
  });

  it('reports disagreeing evidence for verification on site', () => {
    const i = input({ nil: false });
    i.verdict.conflicts = [{ companies: ['honeywell', 'dahua'], kinds: ['label', 'mac'], message: 'Labelled Honeywell but the MAC prefix points to Dahua.' }];
    const f = evaluatePolicy(i).find((x) => x.rule === 'evidence-conflict')!;
    expect(f.detail).toContain('Labelled Honeywell');
  });

  it('shows US list memberships as information only, ignoring low-confidence leads and ended listings', () => {
    const info = evaluatePolicy(input()).find((x) => x.rule === 'us-lists-info')!;
    expect(info.severity).toBe('info');
    expect(info.detail).toContain('NDAA §889');
    expect(info.detail).not.toContain('1260H');
  });

  it('raises nothing for removed equipment', () => {
    expect(evaluatePolicy(input({ status: 'removed', site: { id: 's', name: 'Town Hall', sensitive: true } }))).toEqual([]);
  });

  it('puts sensitive sites first, then core networks, in the replacement order', () => {
    expect(replacementPriority([{ rule: 'uk-nil-core-network', severity: 'critical' }, { rule: 'uk-nil-sensitive-site', severity: 'critical' }])).toBe(1);
    expect(replacementPriority([{ rule: 'uk-nil-core-network', severity: 'critical' }])).toBe(2);
    expect(replacementPriority([{ rule: 'us-lists-info', severity: 'info' }])).toBe(100);
  });
});
