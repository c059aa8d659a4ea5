import { describe, expect, it } from 'vitest';
import { REQUIRED_COMPANIES, loadCatalogue, readShippedCatalogue, validateCatalogue } from './load';
import { buildOuiIndex, normaliseRegistrant, ouiRegistry, registrantOf } from './oui';
import type { Catalogue } from './types';

const raw = (): Catalogue => readShippedCatalogue() as unknown as Catalogue;
const errorsOf = (mutate: (c: Catalogue) => void) => {
  const c = raw();
  mutate(c);
  return validateCatalogue(c).errors;
};

describe('shipped catalogue', () => {
  it('validates with zero errors', () => {
    const { errors, catalogue } = validateCatalogue(raw());
    expect(errors).toEqual([]);
    expect(catalogue.version).toBe('2026.12.06-2');
  });

  it('loads once and caches', () => {
    const a = loadCatalogue();
    expect(loadCatalogue()).toBe(a);
    expect(a.companies.length).toBeGreaterThanOrEqual(REQUIRED_COMPANIES.length);
  });

  it('has every required company', () => {
    const slugs = new Set(loadCatalogue().companies.map((c) => c.slug));
    for (const s of REQUIRED_COMPANIES) expect(slugs, s).toContain(s);
  });

  it('keeps the source ids the policy engine cites', () => {
    const ids = new Set(loadCatalogue().sources.map((s) => s.id));
    expect(ids).toContain('uk-wms-2022-11-24');
    expect(ids).toContain('us-lists');
  });

  it('records the UK test (prc-nil) by jurisdiction', () => {
    const nil = (slug: string) => loadCatalogue().companies.find((c) => c.slug === slug)?.flags.find((f) => f.list === 'prc-nil');
    for (const s of ['hikvision', 'dahua', 'uniview', 'huawei', 'zte', 'hytera', 'tiandy', 'xiongmai', 'milesight']) expect(nil(s)?.status, s).toBe('subject');
    for (const s of ['axis', 'vivotek', 'd-link', 'hanwha', 'bosch', 'avigilon', 'pelco', 'mobotix', 'i-pro', 'sony', 'panasonic', 'honeywell']) {
      expect(nil(s)?.status, s).toBe('not-subject');
    }
    // Taiwan is not PRC jurisdiction.
    expect(loadCatalogue().companies.find((c) => c.slug === 'vivotek')?.country).toBe('TW');
    // Uncertain jurisdictions are recorded as such, not as settled facts.
    expect(nil('tp-link-systems')!.confidence).toBeLessThan(0.7);
  });

  it('records the named US lists', () => {
    const flag = (slug: string, list: string) => loadCatalogue().companies.find((c) => c.slug === slug)?.flags.find((f) => f.list === list);
    for (const s of ['huawei', 'zte', 'hytera', 'hikvision', 'dahua']) {
      expect(flag(s, 'ndaa-889')?.status, s).toBe('named');
      expect(flag(s, 'fcc-covered')?.status, s).toBe('listed');
    }
    expect(flag('hikvision', 'commerce-entity')?.since).toBe('2019-10-09');
    expect(flag('dahua', 'commerce-entity')?.since).toBe('2019-10-09');
    expect(flag('uniview', 'commerce-entity')?.since?.startsWith('2024-12')).toBe(true);
    expect(flag('uniview', 'ndaa-889')).toBeUndefined();
    expect(flag('dahua', 'dod-1260h')?.since?.startsWith('2022-10')).toBe(true);
    expect(flag('hikvision', 'dod-1260h')!.confidence).toBeLessThanOrEqual(0.6); // unconfirmed
  });

  it('keeps unconfirmed relationships at low confidence', () => {
    const brand = (n: string) => loadCatalogue().brands.find((b) => b.name === n)!;
    for (const n of ['HiWatch', 'Hikmicro', 'Pyronix', 'Imou']) {
      expect(brand(n).confidence, n).toBeLessThanOrEqual(0.6);
      expect(brand(n).note, n).toMatch(/unconfirmed/i);
    }
    expect(brand('Annke').confidence).toBeLessThanOrEqual(0.5);
    expect(brand('Lorex')).toMatchObject({ company: 'dahua', relation: 'former', until: '2022-11-24' });
  });

  it('does not let a Honeywell label or model say Dahua', () => {
    const c = loadCatalogue();
    expect(c.brands.find((b) => b.name === 'Honeywell')?.company).toBe('honeywell');
    const dahuaModelRules = c.rules.filter((r) => r.company === 'dahua' && (r.field === 'model' || r.field === 'onvifModel'));
    expect(dahuaModelRules.length).toBeGreaterThan(3);
    for (const r of dahuaModelRules) expect(new RegExp(r.pattern, 'i').test('HC30W45R3'), r.id).toBe(false);
    // …but its Dahua-shaped firmware does, which is how the real maker is found.
    const fw = c.rules.filter((r) => r.field === 'firmware' && new RegExp(r.pattern, 'i').test('2.622.0000000.31.R'));
    expect(fw.map((r) => r.company)).toEqual(['dahua']);
  });

  it('has no rule that matches another company\'s example for the same field', () => {
    const rules = loadCatalogue().rules.map((r) => ({ ...r, re: new RegExp(r.pattern, 'i') }));
    const clashes: string[] = [];
    for (const r of rules) for (const ex of r.examples.match) for (const o of rules) {
      if (o.field === r.field && o.company !== r.company && o.re.test(ex)) clashes.push(`${o.id} matches ${r.id} example "${ex}"`);
    }
    expect(clashes).toEqual([]);
  });
});

describe('validation catches broken entries, naming them', () => {
  it('(a) a brand without a source', () => {
    const errors = errorsOf((c) => { delete (c.brands.find((b) => b.name === 'EZVIZ') as Partial<Catalogue['brands'][number]>).source; });
    expect(errors).toContain('brand "EZVIZ": has no source');
  });

  it('(b) a duplicate alias across brands, compared case- and whitespace-insensitively', () => {
    const errors = errorsOf((c) => { c.brands.find((b) => b.name === 'Amcrest')!.aliases.push('  dahua   TECHNOLOGY'); });
    expect(errors).toContain('brand "Amcrest": name or alias "  dahua   TECHNOLOGY" duplicates brand "Dahua"');
  });

  it('(c) a catch-all pattern', () => {
    const errors = errorsOf((c) => {
      c.rules.push({ id: 'catch-all', field: 'model', pattern: '.*', company: 'hikvision', weight: 0.5, indicates: 'anything', source: 'hikvision-corp',
        examples: { match: ['DS-2CD2143G2-I'], noMatch: [] } });
    });
    expect(errors).toContain('rule "catch-all": pattern matches everything (e.g. "" and "x")');
    expect(errors).toContain('rule "catch-all": needs at least one match and one noMatch example');
  });

  it('(e) a company rule that matches a generic string many makers show (a platform rule may)', () => {
    const errors = errorsOf((c) => {
      c.rules.push({ id: 'goahead-is-not-a-maker', field: 'httpServer', pattern: 'GoAhead', company: 'hikvision', weight: 0.6, indicates: 'x', source: 'hikvision-corp',
        examples: { match: ['GoAhead-Webs'], noMatch: ['App-webs/'] } });
      c.rules.push({ id: 'title-camera', field: 'httpTitle', pattern: '^(?:IP|Network) ?Camera', company: 'axis', weight: 0.6, indicates: 'x', source: 'hikvision-corp',
        examples: { match: ['Network Camera AXIS 211'], noMatch: ['x'] } });
      (c.platforms ??= []).push({ id: 'goahead-oem', name: 'GoAhead web server in OEM firmware', nilSubject: null, note: 'many makers', source: 'hikvision-corp' });
      c.rules.push({ id: 'goahead-platform', field: 'httpServer', pattern: '^GoAhead', platform: 'goahead-oem', weight: 0.6, indicates: 'x', source: 'hikvision-corp',
        examples: { match: ['GoAhead-Webs'], noMatch: ['App-webs/'] } });
    });
    expect(errors).toEqual([
      'rule "goahead-is-not-a-maker": names a company but matches the generic string "GoAhead-Webs", which many makers\' devices show (narrow the pattern, or point it at a platform)',
      'rule "title-camera": names a company but matches the generic string "Network Camera", which many makers\' devices show (narrow the pattern, or point it at a platform)',
    ]);
  });

  it('(d) an unknown company in a rule', () => {
    const errors = errorsOf((c) => { c.rules[0]!.company = 'no-such-maker'; });
    expect(errors).toContain(`rule "${raw().rules[0]!.id}": unknown company slug "no-such-maker"`);
  });

  it('flags, sources, dates, ranges, ids and patterns', () => {
    const errors = errorsOf((c) => {
      const hik = c.companies.find((x) => x.slug === 'hikvision')!;
      hik.flags.find((f) => f.list === 'commerce-entity')!.source = '';
      hik.flags.find((f) => f.list === 'ndaa-889')!.since = '13/08/2019';
      c.brands.find((b) => b.name === 'HiLook')!.source = 'no-such-source';
      c.brands.find((b) => b.name === 'Lorex')!.confidence = 1.2;
      c.rules[1]!.weight = -0.1;
      c.rules[2]!.pattern = '([unclosed';
      c.rules[3]!.examples.match.push('NOT A HIKVISION MODEL');
      c.rules[3]!.examples.noMatch.push(c.rules[3]!.examples.match[0]!);
      c.rules.push({ ...c.rules[4]! });
      c.sources.push({ ...c.sources[0]! });
      c.companies.push({ ...c.companies.find((x) => x.slug === 'axis')! });
      c.companies = c.companies.filter((x) => x.slug !== 'reolink');
      c.ouiRegistrants.push({ company: 'axis', names: ['Axis Communication AB (typo)'], source: 'ieee-ma-l' });
    });
    const has = (re: RegExp) => expect(errors.some((e) => re.test(e)), `${re} in\n${errors.join('\n')}`).toBe(true);
    has(/^company "hikvision" flag commerce-entity: has no source$/);
    has(/^company "hikvision" flag ndaa-889: since "13\/08\/2019" is not YYYY-MM-DD$/);
    has(/^brand "HiLook": unknown source id "no-such-source"$/);
    has(/^brand "Lorex": confidence 1\.2 is outside 0\.\.1$/);
    has(/weight -0\.1 is outside 0\.\.1$/);
    has(/pattern does not compile/);
    has(/pattern does not match its example "NOT A HIKVISION MODEL"$/);
    has(/pattern matches its noMatch example/);
    has(/: duplicate rule id$/);
    has(/^source "uk-wms-2022-11-24": duplicate source id$/);
    has(/^company "axis": duplicate company slug$/);
    has(/^companies: required company slug "reolink" is missing$/);
    has(/^brand "Reolink": unknown company slug "reolink"$/);
    has(/registrant "Axis Communication AB \(typo\)" is not in the IEEE registry/);
  });

  it('reports shape errors by entry', () => {
    const errors = errorsOf((c) => { (c.companies[0] as unknown as Record<string, unknown>).flags = 'none'; });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/^shape: company "hikvision" › flags: /);
    expect(validateCatalogue(null).errors.length).toBeGreaterThan(0);
  });
});

describe('OUI index from the IEEE registry', () => {
  const index = buildOuiIndex(loadCatalogue());
  const companyOf = (mac: string) => index.get(mac.replace(/[^0-9A-Fa-f]/g, '').slice(0, 6).toUpperCase())?.company;

  it('keys are 6 upper-case hex digits and the index is cached', () => {
    for (const k of index.keys()) expect(k).toMatch(/^[0-9A-F]{6}$/);
    expect(buildOuiIndex(loadCatalogue())).toBe(index);
  });

  it('compares registrant names by their first line, any whitespace collapsed, case ignored', () => {
    expect(normaliseRegistrant('Hangzhou Hikvision Digital Technology Co.,Ltd.\nNo.555 Qianmo Road')).toBe('hangzhou hikvision digital technology co.,ltd.');
    // A lone tab or no-break space counts as whitespace too, not only runs of it.
    expect(normaliseRegistrant('Axis\u00a0Communications AB')).toBe('axis communications ab');
    expect(normaliseRegistrant(' Axis Communications\tAB  ')).toBe('axis communications ab');
    expect(normaliseRegistrant('Zhejiang  Dahua\r\nHangzhou')).toBe('zhejiang dahua');
  });

  it('maps known prefixes to their makers', () => {
    expect(companyOf('44:19:B6')).toBe('hikvision');
    expect(companyOf('BC:AD:28')).toBe('hikvision');
    expect(companyOf('3C:EF:8C')).toBe('dahua');
    expect(companyOf('E0:50:8B')).toBe('dahua');
    expect(companyOf('00:40:8C')).toBe('axis');
    expect(index.get('4419B6')?.registrant).toBe('Hangzhou Hikvision Digital Technology Co.,Ltd.');
  });

  it('maps EZVIZ prefixes to Hikvision', () => {
    const ezviz = [...index.values()].filter((e) => e.registrant === 'Hangzhou Ezviz Software Co.,Ltd.');
    expect(ezviz.length).toBeGreaterThan(0);
    for (const e of ezviz) expect(e.company).toBe('hikvision');
  });

  it('does not map unrelated namesakes (Shanghai Dahua Scale Factory, Jorex Lorex India)', () => {
    const reg = ouiRegistry();
    const namesakes = Object.keys(reg).filter((k) => /^(Shanghai Dahua Scale Factory|JOREX LOREX INDIA)/i.test(reg[k]!));
    expect(namesakes.length).toBeGreaterThanOrEqual(2); // the test means something only if the registry has them
    for (const k of namesakes) {
      expect(index.get(k.slice(0, 6))?.company, k).not.toBe('dahua');
      expect(index.get(k.slice(0, 6))?.registrant ?? '', k).not.toMatch(/scale factory|jorex/i);
    }
  });

  it('gives each main maker the prefixes the registry holds', () => {
    const counts: Record<string, number> = {};
    for (const e of index.values()) counts[e.company] = (counts[e.company] ?? 0) + 1;
    // Printed so a registry update that changes the picture is visible in the test log.
    console.log('OUI prefixes per company:', Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', '));
    expect(counts.hikvision).toBeGreaterThanOrEqual(80);
    expect(counts.dahua).toBeGreaterThanOrEqual(20);
    expect(counts.axis).toBeGreaterThanOrEqual(4);
    expect(counts.uniview).toBeGreaterThanOrEqual(4);
  });

  it('explains a prefix by its most specific registrant', () => {
    expect(registrantOf('44:19:B6')).toBe('Hangzhou Hikvision Digital Technology Co.,Ltd.');
    expect(registrantOf('44-19-b6-01-02-03')).toBe('Hangzhou Hikvision Digital Technology Co.,Ltd.');
    expect(registrantOf('40:2C:76:1A:BC:DE')).toBe('Shanghai Dahua Scale Factory'); // MA-M inside an IEEE RA block
    expect(registrantOf('40:2C:76')).toBe('IEEE Registration Authority');
    expect(registrantOf('zz')).toBeNull();
  });
});
