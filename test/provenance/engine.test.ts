import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileCatalogue, explain, identify } from '../../src/domain/provenance';
import { normaliseMac } from '../../src/domain/netaddr';
import type { DeviceEvidence } from '../../src/domain/provenance-types';
import type { Catalogue, Company, EvidenceRule } from '../../src/catalog/types';
// A small catalogue for engine unit tests: enough companies, brands, prefixes and rules to exercise each path,
// independent of the shipped catalogue (which has its own corpus test).

const nil = (status: 'subject' | 'not-subject'): Company['flags'][number] =>
  ({ list: 'prc-nil', status, since: status === 'subject' ? '2017-06-28' : null, until: null, confidence: 0.9, source: 'src' });

const rule = (id: string, field: EvidenceRule['field'], pattern: string, company: string, weight: number, indicates: string): EvidenceRule =>
  ({ id, field, pattern, company, weight, indicates, source: 'src', examples: { match: [], noMatch: [] } });

const fixtureCatalogue: Catalogue = {
  version: 'test-1',
  sources: [{ id: 'src', title: 'Test source', publisher: 'Tests', url: null, date: null }],
  companies: [
    { slug: 'hikvision', name: 'Hangzhou Hikvision Digital Technology Co., Ltd.', country: 'CN', flags: [nil('subject')] },
    { slug: 'ezviz', name: 'Hangzhou EZVIZ Network Co., Ltd.', country: 'CN', parent: 'hikvision', flags: [nil('subject')] },
    { slug: 'dahua', name: 'Zhejiang Dahua Technology Co., Ltd.', country: 'CN', flags: [nil('subject')] },
    { slug: 'honeywell', name: 'Honeywell International Inc.', country: 'US', flags: [nil('not-subject')] },
    { slug: 'axis', name: 'Axis Communications AB', country: 'SE', flags: [nil('not-subject')] },
    { slug: 'lorex', name: 'Lorex Technology Inc.', country: 'CA', flags: [nil('not-subject')] },
    { slug: 'mystery', name: 'Mystery Cameras Ltd', country: 'GB', flags: [] },
  ],
  brands: [
    { name: 'Hikvision', aliases: ['HIK Vision', 'Hik'], company: 'hikvision', relation: 'own', confidence: 1, from: null, until: null, source: 'src' },
    { name: 'HiLook', aliases: [], company: 'hikvision', relation: 'brand', confidence: 0.95, from: null, until: null, source: 'src' },
    { name: 'EZVIZ', aliases: ['EZ VIZ'], company: 'ezviz', relation: 'own', confidence: 1, from: null, until: null, source: 'src' },
    { name: 'Dahua', aliases: ['Dahua Technology'], company: 'dahua', relation: 'own', confidence: 1, from: null, until: null, source: 'src' },
    { name: 'Amcrest', aliases: [], company: 'dahua', relation: 'oem', confidence: 0.8, from: null, until: null, source: 'src' },
    { name: 'Honeywell', aliases: [], company: 'honeywell', relation: 'own', confidence: 0.8, from: null, until: null, source: 'src' },
    { name: 'Honeywell', aliases: [], company: 'dahua', relation: 'oem', confidence: 0.3, from: '2014-01-01', until: null, source: 'src' },
    { name: 'Lorex', aliases: [], company: 'lorex', relation: 'own', confidence: 0.9, from: null, until: null, source: 'src' },
    { name: 'Lorex', aliases: [], company: 'dahua', relation: 'former', confidence: 0.6, from: '2018-01-01', until: '2022-11-24', source: 'src' },
    { name: 'Axis', aliases: [], company: 'axis', relation: 'own', confidence: 1, from: null, until: null, source: 'src' },
    { name: 'Mystery', aliases: [], company: 'mystery', relation: 'own', confidence: 1, from: null, until: null, source: 'src' },
  ],
  platforms: [],
  ouiRegistrants: [
    { company: 'hikvision', names: ['Hangzhou Hikvision Digital Technology Co.,Ltd.'], source: 'ieee' },
    { company: 'dahua', names: ['Zhejiang Dahua Technology Co., Ltd.'], source: 'ieee' },
  ],
  rules: [
    rule('hik-model-ds2cd', 'model', '^(?:DS-)?2CD\\d', 'hikvision', 0.85, 'Hikvision IP camera model family (DS-2CD…)'),
    rule('hik-fw-build', 'firmware', '^V\\d\\.\\d+\\.\\d+ build \\d{6}$', 'hikvision', 0.7, 'Hikvision firmware version format'),
    rule('hik-isapi', 'httpPath', '^/ISAPI/', 'hikvision', 0.8, 'Hikvision ISAPI web interface'),
    rule('hik-server', 'httpServer', '^(?:App-webs|DNVRS-Webs|Hikvision-Webs)', 'hikvision', 0.85, 'Hikvision web server banner'),
    rule('hik-scope-city', 'scope', '/location/city/hangzhou$', 'hikvision', 0.5, 'Hikvision default discovery location'),
    rule('dahua-model-ipc', 'model', '^(?:DHI?-)?IPC-H[DF]', 'dahua', 0.85, 'Dahua IP camera model family (IPC-HFW/HDW…)'),
    rule('dahua-fw', 'firmware', '^2\\.[46-8]\\d0\\.\\d{7}\\.\\d+\\.R', 'dahua', 0.8, 'Dahua family firmware version format'),
    rule('dahua-rpc2', 'httpPath', '^/RPC2(?:_Login)?$', 'dahua', 0.85, 'Dahua RPC2 web interface'),
    rule('ezviz-model', 'model', '^CS-[A-Z]\\d', 'ezviz', 0.8, 'EZVIZ consumer camera model'),
    rule('axis-model', 'model', '^(?:AXIS )?[MPQ]\\d{4}(?:-[A-Z]+)?$', 'axis', 0.6, 'Axis model number shape'),
  ],
};

/** The OUI index as buildOuiIndex would make it for the fixture (6 hex upper; plus one MA-S and one non-maker). */
const fixtureOui = new Map<string, { company: string; registrant: string }>([
  ['4419B6', { company: 'hikvision', registrant: 'Hangzhou Hikvision Digital Technology Co.,Ltd.' }],
  ['C056E3', { company: 'hikvision', registrant: 'Hangzhou Hikvision Digital Technology Co.,Ltd.' }],
  ['3CEF8C', { company: 'dahua', registrant: 'Zhejiang Dahua Technology Co., Ltd.' }],
  ['0CA64C', { company: 'ezviz', registrant: 'Hangzhou Ezviz Software Co.,Ltd.' }],
  ['00408C', { company: 'axis', registrant: 'Axis Communications AB' }],
  ['001F54', { company: 'lorex', registrant: 'Lorex Technology Inc.' }],
  ['402C761', { company: 'scale-factory', registrant: 'Shanghai Dahua Scale Factory' }],
]);

const c = compileCatalogue(fixtureCatalogue, fixtureOui);
const id = (d: DeviceEvidence) => identify(c, d);
const names = c.names;

describe('identify: nothing known', () => {
  it('gives no origin, no nilSubject and no confidence for an empty record', () => {
    const v = id({ id: 'x' });
    expect(v).toMatchObject({ id: 'x', origin: null, nilSubject: null, confidence: 0, evidence: [], conflicts: [], catalogueVersion: 'test-1' });
  });

  it('treats null, empty and missing fields alike', () => {
    const v = id({ brand: '', model: null, mac: null, onvif: null, httpPaths: null, scopes: [], firmware: undefined });
    expect(v.origin).toBeNull();
    expect(v.evidence).toEqual([]);
  });

  it('an unknown label, unregistered MAC and garbage strings stay unknown, never "not Chinese"', () => {
    const v = id({ brand: 'Generic', mac: '02:11:22:33:44:55', model: 'XYZ-123', firmware: '???', serial: 'ABC' });
    expect(v.origin).toBeNull();
    expect(v.nilSubject).toBeNull();
    expect(v.evidence.map((e) => [e.kind, e.company, e.weight])).toEqual([['label', null, 0], ['mac', null, 0]]);
    expect(v.evidence[1].indicates).toMatch(/locally administered/);
  });

  it('a MAC registered to a company that is not a camera maker points nowhere, naming the registrant', () => {
    const v = id({ mac: '40:2C:76:1A:BC:DE' });
    expect(v.origin).toBeNull();
    expect(v.evidence[0]).toMatchObject({ kind: 'mac', company: null, weight: 0 });
    expect(v.evidence[0].indicates).toContain('Shanghai Dahua Scale Factory');
  });

  it('an invalid MAC is recorded as saying nothing', () => {
    const v = id({ mac: '44:19:B6' });
    expect(v.origin).toBeNull();
    expect(v.evidence[0].indicates).toMatch(/not a MAC address/);
  });
});

describe('identify: single pieces of evidence', () => {
  it('a label alone is weak evidence but enough for an own brand', () => {
    const v = id({ brand: 'Hikvision' });
    expect(v).toMatchObject({ origin: 'hikvision', nilSubject: true, confidence: 0.6 });
    expect(v.evidence[0]).toMatchObject({ kind: 'label', company: 'hikvision', weight: 0.6, ruleId: 'brand:hikvision:hikvision', source: 'src' });
  });

  it('matches labels case-, space- and punctuation-insensitively, and reads a label with extra words', () => {
    expect(id({ brand: ' hik-vision ' }).origin).toBe('hikvision');
    expect(id({ brand: 'ez viz' }).origin).toBe('ezviz');
    const fuzzy = id({ brand: 'Axis Communications AB' });
    expect(fuzzy.origin).toBe('axis');
    expect(fuzzy.evidence[0].weight).toBeLessThan(0.6);
  });

  it('a MAC prefix alone is strong evidence', () => {
    const v = id({ mac: '44-19-b6-aa-bb-cc' });
    expect(v).toMatchObject({ origin: 'hikvision', nilSubject: true, confidence: 0.9 });
    expect(v.evidence[0].indicates).toBe('MAC prefix 44:19:B6 is registered to Hangzhou Hikvision Digital Technology Co.,Ltd.');
    // A registrant under another name says which company the catalogue puts it with.
    expect(id({ mac: '0C:A6:4C:00:00:01' }).evidence[0].indicates).toBe('MAC prefix 0C:A6:4C is registered to Hangzhou Ezviz Software Co.,Ltd., which the catalogue attributes to Hangzhou EZVIZ Network Co., Ltd.');
  });

  it('names the IEEE registrant of a prefix that is not a maker in the catalogue, when given a registry look-up', () => {
    const withRegistry = compileCatalogue(fixtureCatalogue, fixtureOui, { registrantOf: (m) => (m.startsWith('B8:27:EB') ? 'Raspberry Pi Foundation' : null) });
    const v = identify(withRegistry, { mac: 'b8:27:eb:01:02:03' });
    expect(v.evidence[0].indicates).toBe('MAC prefix B8:27:EB is registered to Raspberry Pi Foundation, which is not a camera maker in the catalogue, so it says nothing about the producer');
    expect(identify(withRegistry, { mac: '00:11:22:33:44:55' }).evidence[0].indicates).toMatch(/not held by any maker in the catalogue/);
  });

  it('keeps one line per company per observed value when several rules match it', () => {
    const twin = compileCatalogue({ ...fixtureCatalogue, rules: [...fixtureCatalogue.rules,
      rule('hik-model-ds2cd-onvif', 'onvifModel', '^DS-2CD', 'hikvision', 0.9, 'ONVIF model: Hikvision DS-2CD'),
      rule('hik-model-ds', 'model', '^DS-', 'hikvision', 0.5, 'Hikvision-style DS- prefix')] }, fixtureOui);
    const v = identify(twin, { model: 'DS-2CD2143G2-I', onvif: { model: 'DS-2CD2143G2-I' } });
    expect(v.evidence.map((e) => [e.kind, e.ruleId])).toEqual([['onvifModel', 'hik-model-ds2cd-onvif'], ['model', 'hik-model-ds2cd-onvif']]);
  });

  it('a weak OEM label alone gives no origin', () => {
    const v = id({ brand: 'Honeywell' });
    expect(v.origin).toBeNull();
    expect(v.evidence.map((e) => e.company).sort()).toEqual(['dahua', 'honeywell']);
    expect(v.conflicts).toEqual([]); // one label naming two possible producers is not a disagreement
  });

  it('notes the dates of a former relationship', () => {
    const v = id({ brand: 'Lorex' });
    const former = v.evidence.find((e) => e.company === 'dahua')!;
    expect(former.indicates).toBe('Labelled Lorex: Lorex belonged to Zhejiang Dahua Technology Co., Ltd. (2018-01-01 to 2022-11-24), and kit from that period was made by Zhejiang Dahua Technology Co., Ltd. (60% confidence)');
  });

  it('maps nilSubject from the prc-nil flag, and leaves it null where the catalogue has none', () => {
    expect(id({ mac: '00:40:8C:01:02:03' })).toMatchObject({ origin: 'axis', nilSubject: false });
    expect(id({ brand: 'Mystery' })).toMatchObject({ origin: 'mystery', nilSubject: null });
  });
});

describe('identify: combining evidence', () => {
  it('agreeing evidence adds up (noisy-OR) and every piece is listed', () => {
    const v = id({ brand: 'Hikvision', mac: '44:19:B6:01:02:03', model: 'DS-2CD2143G2-I', firmware: 'V5.7.3 build 220112', httpPaths: ['/ISAPI/System/deviceInfo', '/doc/page/login.asp'] });
    expect(v.origin).toBe('hikvision');
    expect(v.confidence).toBeGreaterThan(0.99);
    expect(v.evidence.map((e) => e.kind)).toEqual(['label', 'mac', 'model', 'firmware', 'httpPath']);
    expect(v.conflicts).toEqual([]);
  });

  it('sees through a relabel: Honeywell-labelled Dahua, and the OEM brand is not a conflict', () => {
    const v = id({ brand: 'Honeywell', mac: '3C:EF:8C:10:20:30', firmware: '2.800.0000000.5.R' });
    expect(v).toMatchObject({ origin: 'dahua', nilSubject: true });
    expect(v.confidence).toBeGreaterThan(0.9);
    expect(v.conflicts).toEqual([]);
  });

  it('reports a conflict when the label does not admit the producer the technical evidence shows', () => {
    const v = id({ brand: 'Axis', mac: '3C:EF:8C:10:20:30', firmware: '2.800.0000000.5.R' });
    expect(v).toMatchObject({ origin: 'dahua', nilSubject: true });
    expect(v.conflicts).toHaveLength(1);
    expect(v.conflicts[0]).toMatchObject({ companies: ['dahua', 'axis'], kinds: ['mac', 'firmware', 'label'] });
    expect(v.conflicts[0].message).toBe('Labelled Axis (Axis Communications AB) but the MAC prefix and the firmware version point to Zhejiang Dahua Technology Co., Ltd.');
    // The contradicting label lowers confidence a little; it cannot outvote the MAC.
    expect(v.confidence).toBeLessThan(id({ mac: '3C:EF:8C:10:20:30', firmware: '2.800.0000000.5.R' }).confidence);
  });

  it('strong technical evidence on both sides: conflict shown, and no confident origin', () => {
    const v = id({ mac: '44:19:B6:01:02:03', firmware: '2.800.0000000.5.R', model: 'IPC-HFW2431S' });
    // Dahua has two sources (0.8, 0.85) against one Hikvision MAC (0.9): Dahua leads but with reduced confidence.
    expect(v.conflicts[0].companies).toEqual(['dahua', 'hikvision']);
    expect(v.conflicts[0].message).toMatch(/^The model number and the firmware version point to .*Dahua.* but the MAC prefix points to .*Hikvision/);
    const even = id({ mac: '44:19:B6:01:02:03', httpPaths: ['/RPC2_Login'] });
    expect(even.confidence).toBeLessThan(0.6);
    const tie = id({ mac: '44:19:B6:01:02:03', model: 'IPC-HFW2431S', firmware: 'V5.5.0 build 200101' });
    expect(tie.conflicts.length).toBe(1);
  });

  it('a lone weak technical contradiction against a clear winner lowers confidence', () => {
    const clean = id({ mac: '00:40:8C:01:02:03', model: 'M3106-L' });
    const muddied = id({ mac: '00:40:8C:01:02:03', model: 'M3106-L', scopes: ['onvif://www.onvif.org/location/city/hangzhou'] });
    expect(muddied.origin).toBe('axis');
    expect(muddied.confidence).toBeLessThan(clean.confidence);
    expect(muddied.conflicts[0].companies).toEqual(['axis', 'hikvision']);
  });

  it('counts one observation once: model and ONVIF model agreeing add nothing over either', () => {
    const one = id({ model: 'DS-2CD2143G2-I' });
    const both = id({ model: 'DS-2CD2143G2-I', onvif: { model: 'DS-2CD2143G2-I' } });
    expect(both.confidence).toBe(one.confidence);
    expect(both.evidence).toHaveLength(2);
  });

  it('subsidiaries agree with their parent and the most specific member is named', () => {
    const v = id({ brand: 'EZVIZ', mac: '0C:A6:4C:01:02:03', firmware: 'V5.3.0 build 210101' });
    expect(v).toMatchObject({ origin: 'ezviz', nilSubject: true, conflicts: [] });
    const parentOnly = id({ brand: 'HiLook', firmware: 'V5.3.0 build 210101', model: 'DS-2CD1043G0-I' });
    expect(parentOnly.origin).toBe('hikvision');
  });

  it('reads ONVIF fields and discovery scopes', () => {
    const v = id({
      onvif: { manufacturer: 'HIKVISION', model: 'DS-2CD2T47G2-L', firmwareVersion: 'V5.7.12 build 230213', serialNumber: 'x', hardwareId: '88' },
      scopes: ['onvif://www.onvif.org/hardware/DS-2CD2T47G2-L', 'onvif://www.onvif.org/name/HIKVISION', 'onvif://www.onvif.org/location/city/hangzhou', 'onvif://www.onvif.org/MAC/44:19:b6:00:00:01'],
    });
    expect(v.origin).toBe('hikvision');
    expect(new Set(v.evidence.map((e) => e.kind))).toEqual(new Set(['onvifManufacturer', 'onvifModel', 'onvifFirmware', 'scope']));
    expect(v.evidence.filter((e) => e.kind === 'scope').map((e) => e.ruleId)).toEqual(['hik-model-ds2cd', 'brand:hikvision:hikvision', 'hik-scope-city', 'oui:4419B6']);
  });

  it('a Generic label with a Hikvision MAC and ISAPI is Hikvision, without conflict', () => {
    const v = id({ brand: 'Generic', mac: 'C0:56:E3:12:34:56', httpPaths: ['/ISAPI/Security/userCheck'] });
    expect(v).toMatchObject({ origin: 'hikvision', nilSubject: true, conflicts: [] });
  });

  it('non-PRC lookalike models are not read as PRC kit', () => {
    expect(id({ brand: 'Axis', model: 'M3106-L' })).toMatchObject({ origin: 'axis', nilSubject: false });
  });

  it('truncates long observed values to 200 characters', () => {
    const long = `Hikvision${'x'.repeat(500)}`;
    const v = id({ brand: long });
    expect(v.evidence[0].value.length).toBe(200);
  });

  it('does not leak state between calls', () => {
    id({ brand: 'Axis', mac: '3C:EF:8C:10:20:30', firmware: '2.800.0000000.5.R' });
    expect(id({ brand: 'Hikvision' })).toMatchObject({ origin: 'hikvision', conflicts: [] });
    expect(id({}).evidence).toEqual([]);
  });
});

describe('MAC reading', () => {
  it('accepts exactly the formats normaliseMac accepts', () => {
    const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 12, maxLength: 12 });
    const shaped = fc.oneof(
      hex.map((h) => h.match(/../g)!.join(':')), hex.map((h) => h.match(/../g)!.join('-')),
      hex.map((h) => h.match(/..../g)!.join('.')), hex, fc.string(), hex.map((h) => ` ${h.slice(0, 6)}:${h.slice(6)} `),
      fc.tuple(fc.constantFrom(' ', '\t', '\u00a0', '\u3000', '\x01', '\u200b', ''), hex.map((h) => h.match(/../g)!.join(':'))).map(([w, m]) => `${w}${m}${w}`),
    );
    fc.assert(fc.property(shaped, (s) => {
      if (s === '') return; // an empty field is an absent field
      const v = id({ mac: s });
      const ok = normaliseMac(s) !== null;
      expect(v.evidence[0].indicates.includes('is not a MAC address')).toBe(!ok);
    }), { numRuns: 500 });
  });
});

describe('compileCatalogue', () => {
  it('refuses a rule or brand that names an unknown company', () => {
    const bad = { ...fixtureCatalogue, rules: [{ ...fixtureCatalogue.rules[0], company: 'nobody' }] };
    expect(() => compileCatalogue(bad, fixtureOui)).toThrow(/unknown company "nobody"/);
  });
});

describe('explain', () => {
  it('tells the verdict, confidence, each piece of evidence and the conflicts in plain words', () => {
    const text = explain(id({ id: 'cam-7', brand: 'Axis', mac: '3C:EF:8C:10:20:30', firmware: '2.800.0000000.5.R' }), names);
    expect(text).toContain('Device cam-7');
    expect(text).toMatch(/Produced by: Zhejiang Dahua Technology Co., Ltd. \(dahua\), confidence \d+%/);
    expect(text).toContain('Subject to the PRC National Intelligence Law: yes');
    expect(text).toMatch(/\+ MAC prefix "3C:EF:8C:10:20:30" → Zhejiang Dahua .* \(weight 0.90\)/);
    expect(text).toMatch(/- label "Axis" → Axis Communications AB \(axis\)/);
    expect(text).toContain('! Labelled Axis (Axis Communications AB) but the MAC prefix and the firmware version point to');
    expect(text).toContain('Catalogue test-1');
  });

  it('says plainly when nothing is known', () => {
    const text = explain(id({ id: 'x', brand: 'Generic' }));
    expect(text).toContain('Produced by: not known');
    expect(text).toContain('Subject to the PRC National Intelligence Law: not known');
    expect(text).toMatch(/· label "Generic" → nothing/);
  });
});
