// What a network says about a device beyond its label, model and MAC (realms, banners, SNMP, certificates, page
// bodies, favicons, DHCP, SIP, UPnP, raw service answers): each field is read with its own rules, one observation
// counts once, platforms are named without naming a producer, and one free-text string is never near-certain.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FIELD_MAX_WEIGHT, compileCatalogue, explain, identify } from '../../src/domain/provenance';
import type { DeviceEvidence } from '../../src/domain/provenance-types';
import type { Catalogue, Company, EvidenceRule } from '../../src/catalog/types';

const nil = (status: 'subject' | 'not-subject'): Company['flags'][number] =>
  ({ list: 'prc-nil', status, since: null, until: null, confidence: 0.9, source: 'src' });

const rule = (id: string, field: EvidenceRule['field'], pattern: string, target: { company: string } | { platform: string }, weight: number, extra: Partial<EvidenceRule> = {}): EvidenceRule =>
  ({ id, field, pattern, ...target, weight, indicates: `${id} matched`, source: 'src', examples: { match: [], noMatch: [] }, ...extra });
const hik = { company: 'hikvision' }, dahua = { company: 'dahua' }, axis = { company: 'axis' }, avtech = { company: 'avtech' };

const catalogue: Catalogue = {
  version: 'fields-1',
  sources: [{ id: 'src', title: 'Test source', publisher: 'Tests', url: null, date: null }],
  companies: [
    { slug: 'hikvision', name: 'Hangzhou Hikvision Digital Technology Co., Ltd.', country: 'CN', flags: [nil('subject')] },
    { slug: 'dahua', name: 'Zhejiang Dahua Technology Co., Ltd.', country: 'CN', flags: [nil('subject')] },
    { slug: 'axis', name: 'Axis Communications AB', country: 'SE', flags: [nil('not-subject')] },
    { slug: 'avtech', name: 'AVTECH Corporation', country: 'TW', flags: [nil('not-subject')] },
  ],
  brands: [
    { name: 'Hikvision', aliases: [], company: 'hikvision', relation: 'own', confidence: 1, from: null, until: null, source: 'src' },
    { name: 'Axis', aliases: [], company: 'axis', relation: 'own', confidence: 1, from: null, until: null, source: 'src' },
  ],
  ouiRegistrants: [],
  platforms: [
    { id: 'hisilicon-dvr', name: 'HiSilicon-based DVR from a Chinese OEM', nilSubject: true, note: 'every maker of this firmware is a PRC company', source: 'src' },
    { id: 'linux-nvr', name: 'Embedded Linux NVR firmware sold to many brands', nilSubject: null, note: 'sold to makers inside and outside the PRC', source: 'src' },
  ],
  rules: [
    rule('dahua-realm', 'realm', '^Login to [0-9A-Z]{10,}$', dahua, 0.8),
    rule('hik-realm', 'realm', '^Hikvision$', hik, 0.8),
    rule('dahua-www-auth', 'wwwAuthenticate', 'Digest realm="Login to [0-9A-Z]{10,}"', dahua, 0.8),
    rule('hik-ftp', 'ftpBanner', '^220 Hikvision FTP', hik, 0.8),
    rule('dahua-telnet', 'telnetBanner', 'Dahua Technology', dahua, 0.8),
    rule('axis-ssh', 'sshBanner', '^SSH-2\\.0-AXIS', axis, 0.8),
    rule('hik-login', 'loginBanner', 'Hikvision login', hik, 0.7),
    rule('axis-snmp', 'snmpSysDescr', '^AXIS \\w+ Network Camera', axis, 0.85),
    rule('axis-oid', 'snmpSysObjectId', '^\\.?1\\.3\\.6\\.1\\.4\\.1\\.368\\b', axis, 0.9),
    rule('hik-oid', 'snmpSysObjectId', '^\\.?1\\.3\\.6\\.1\\.4\\.1\\.39165\\b', hik, 0.9),
    rule('axis-x509', 'x509Subject', 'O=Axis Communications AB', axis, 0.8),
    rule('hik-x509-issuer', 'x509Issuer', 'O=Hikvision', hik, 0.8),
    rule('xm-body', 'httpBody', 'NETSurveillance WEB', hik, 0.7), // (a stand-in company: the point is the field)
    rule('axis-body', 'httpBody', '/axis-cgi/', axis, 0.75),
    rule('hik-fav-md5', 'faviconMd5', '^89a0c3da3c2b2d7b2ae1b65b1a9a8b4f$', hik, 0.85),
    rule('hik-fav-mmh3', 'faviconMmh3', '^999357577$', hik, 0.85),
    rule('axis-dhcp', 'dhcpVendorClass', '^AXIS,', axis, 0.8),
    rule('dahua-sip', 'sipUserAgent', '^Dahua VTO', dahua, 0.8),
    rule('avtech-upnp', 'upnpServer', 'Avtech/1\\.0$', avtech, 0.8),
    rule('avtech-upnp-mfr', 'upnpManufacturer', '^AVTECH\\b', avtech, 0.75),
    rule('axis-upnp-model', 'upnpModelName', '^AXIS [MPQ]\\d{4}', axis, 0.8),
    rule('axis-model', 'model', '^[MPQ]\\d{4}-[A-Z]+$', axis, 0.7),
    rule('hik-sadp', 'rawResponse', '<Types>inquiry</Types>', hik, 0.9, { ports: [37020] }),
    rule('dahua-dhip', 'rawResponse', '"method"\\s*:\\s*"client\\.notifyDevInfo"', dahua, 0.9),
    rule('hisi-body', 'httpBody', 'hisilicon-dvr-ui\\.js', { platform: 'hisilicon-dvr' }, 0.8),
    rule('hisi-telnet', 'telnetBanner', '^\\(none\\) login', { platform: 'hisilicon-dvr' }, 0.3),
    rule('linux-nvr-title', 'httpTitle', '^NVR Web Viewer$', { platform: 'linux-nvr' }, 0.7),
    rule('hik-title-strong', 'httpTitle', '^Hikvision Web Client$', hik, 0.99),
  ],
};

const c = compileCatalogue(catalogue, new Map([['00408C', { company: 'axis', registrant: 'Axis Communications AB' }]]));
const id = (d: DeviceEvidence) => identify(c, d);

describe('each new field is read with its own rules', () => {
  const cases: [string, DeviceEvidence, string, string][] = [
    ['realm', { realm: 'Login to 4G0123456789' }, 'dahua', 'dahua-realm'],
    ['realms', { realms: ['rtsp', 'Login to 4G0123456789'] }, 'dahua', 'dahua-realm'],
    ['wwwAuthenticate', { wwwAuthenticate: 'Digest realm="Login to 4G0123456789", qop="auth", nonce="1"' }, 'dahua', 'dahua-www-auth'],
    ['ftpBanner', { ftpBanner: '220 Hikvision FTP server ready' }, 'hikvision', 'hik-ftp'],
    ['telnetBanner', { telnetBanner: 'Welcome to Dahua Technology embedded Linux' }, 'dahua', 'dahua-telnet'],
    ['sshBanner', { sshBanner: 'SSH-2.0-AXIS_OS' }, 'axis', 'axis-ssh'],
    ['loginBanner', { loginBanner: 'Hikvision login:' }, 'hikvision', 'hik-login'],
    ['snmpSysDescr', { snmpSysDescr: 'AXIS P1375 Network Camera 10.12.182' }, 'axis', 'axis-snmp'],
    ['snmpSysObjectId', { snmpSysObjectId: '1.3.6.1.4.1.39165.1.1' }, 'hikvision', 'hik-oid'],
    ['x509Subject', { x509Subject: 'CN=axis-accc8e012345, O=Axis Communications AB, C=SE' }, 'axis', 'axis-x509'],
    ['x509Issuer', { x509Issuer: 'CN=Device CA, O=Hikvision, C=CN' }, 'hikvision', 'hik-x509-issuer'],
    ['httpBody', { httpBody: '<html><script src="/axis-cgi/prod_brand_info.cgi"></script></html>' }, 'axis', 'axis-body'],
    ['faviconMd5', { faviconMd5: '89A0C3DA3C2B2D7B2AE1B65B1A9A8B4F' }, 'hikvision', 'hik-fav-md5'],
    ['faviconMmh3', { faviconMmh3: 999357577 }, 'hikvision', 'hik-fav-mmh3'],
    ['dhcpVendorClass', { dhcpVendorClass: 'AXIS,Network Camera,P1375,10.12.182' }, 'axis', 'axis-dhcp'],
    ['sipUserAgent', { sipUserAgent: 'Dahua VTO 4.500' }, 'dahua', 'dahua-sip'],
    ['upnpServer', { upnpServer: 'Linux/2.x UPnP/1.0 Avtech/1.0' }, 'avtech', 'avtech-upnp'],
    ['upnpManufacturer', { upnpManufacturer: 'AVTECH Corporation' }, 'avtech', 'avtech-upnp-mfr'],
    ['upnpModelName', { upnpModelName: 'AXIS M3106-L' }, 'axis', 'axis-upnp-model'],
    ['rawResponse', { service: 'sadp', port: 37020, rawResponse: '<?xml version="1.0"?><Probe><Types>inquiry</Types></Probe>' }, 'hikvision', 'hik-sadp'],
    ['services', { services: [{ service: 'http', port: 80, rawResponse: 'HTTP/1.1 200 OK' }, { service: 'dhip', port: 37810, rawResponse: '{"method" : "client.notifyDevInfo","params":{}}' }] }, 'dahua', 'dahua-dhip'],
  ];
  it.each(cases)('%s', (field, d, origin, ruleId) => {
    const v = id({ id: field, ...d });
    expect(v.origin).toBe(origin);
    expect(v.nilSubject).toBe(origin === 'hikvision' || origin === 'dahua');
    const kind = field === 'realms' ? 'realm' : field === 'services' ? 'rawResponse' : field;
    expect(v.evidence).toEqual([expect.objectContaining({ kind, company: origin, ruleId, source: 'src', indicates: `${ruleId} matched` })]);
  });

  it('a favicon hash given as text reads the same as the number', () => {
    expect(id({ faviconMmh3: '999357577' })).toMatchObject({ origin: 'hikvision', confidence: id({ faviconMmh3: 999357577 }).confidence });
    expect(id({ faviconMmh3: -999357577 }).origin).toBeNull();
  });

  it('the UPnP model name reads model rules too, and agrees with the model as one observation', () => {
    expect(id({ upnpModelName: 'M3106-LVE' }).evidence[0]).toMatchObject({ kind: 'upnpModelName', ruleId: 'axis-model' });
    const both = id({ model: 'M3106-LVE', upnpModelName: 'M3106-LVE' });
    expect(both.evidence).toHaveLength(2);
    expect(both.confidence).toBe(id({ model: 'M3106-LVE' }).confidence);
  });

  it('the UPnP manufacturer without a rule is read as the maker the device claims, once with the ONVIF one', () => {
    const upnp = id({ upnpManufacturer: 'Hikvision' });
    expect(upnp).toMatchObject({ origin: 'hikvision', confidence: 0.65 });
    expect(upnp.evidence[0].indicates).toMatch(/^The device reports its maker as Hikvision/);
    const both = id({ upnpManufacturer: 'Hikvision', onvif: { manufacturer: 'HIKVISION' } });
    expect(both.evidence.map((e) => e.kind)).toEqual(['onvifManufacturer', 'upnpManufacturer']);
    expect(both.confidence).toBe(0.65);
  });

  it('evidence from different fields adds up', () => {
    const v = id({ sshBanner: 'SSH-2.0-AXIS_OS', snmpSysDescr: 'AXIS P1375 Network Camera 10.12.182', dhcpVendorClass: 'AXIS,Network Camera' });
    expect(v).toMatchObject({ origin: 'axis', nilSubject: false });
    expect(v.confidence).toBeGreaterThan(0.99);
  });

  it('shows the part of a long page body that matched', () => {
    const body = `<html>${' '.repeat(5000)}<script src="/axis-cgi/prod_brand_info.cgi"></script>${'x'.repeat(60000)}</html>`;
    const e = id({ httpBody: body }).evidence[0];
    expect(e.value.length).toBeLessThanOrEqual(200);
    expect(e.value).toContain('/axis-cgi/prod_brand_info.cgi');
  });
});

describe('one observation counts once', () => {
  const header = 'Digest realm="Login to 4G0123456789", qop="auth", nonce="1"';

  it('a realm and the WWW-Authenticate header it came from count once', () => {
    const realm = id({ realm: 'Login to 4G0123456789' });
    const both = id({ realm: 'Login to 4G0123456789', wwwAuthenticate: header });
    expect(both.evidence.map((e) => e.ruleId)).toEqual(['dahua-realm', 'dahua-www-auth']);
    expect(both.confidence).toBe(realm.confidence);
    expect(both.confidence).toBe(0.8);
  });

  it('reads the realm inside a header with realm rules when no realm was given, without reading it twice', () => {
    const v = id({ wwwAuthenticate: 'Basic realm="Hikvision", Digest realm="Hikvision", nonce="x"' });
    expect(v.evidence).toEqual([expect.objectContaining({ kind: 'wwwAuthenticate', ruleId: 'hik-realm', company: 'hikvision' })]);
    expect(v.confidence).toBe(0.8);
    // The same realm given twice, on its own and in a list, is one line.
    expect(id({ realm: 'Hikvision', realms: ['Hikvision', 'Hikvision'] }).evidence).toHaveLength(1);
  });

  it('a telnet banner and a login banner are one console; an SNMP description and object id are one agent', () => {
    expect(id({ telnetBanner: 'Hikvision login:', loginBanner: 'Hikvision login:' }).confidence).toBe(0.7);
    const agent = id({ snmpSysDescr: 'AXIS P1375 Network Camera 10.12.182', snmpSysObjectId: '1.3.6.1.4.1.368.4' });
    expect(agent.evidence).toHaveLength(2);
    expect(agent.confidence).toBe(0.9);
    // Different sources do add up.
    expect(id({ snmpSysObjectId: '1.3.6.1.4.1.39165.1.1', x509Issuer: 'O=Hikvision' }).confidence).toBeGreaterThan(0.97);
  });
});

describe('platforms', () => {
  const hisiBody = '<html><script src="/js/hisilicon-dvr-ui.js"></script></html>';

  it('names a platform without naming a producer, and takes its PRC answer when it settles it', () => {
    const v = id({ id: 'dvr-1', httpBody: hisiBody });
    expect(v).toMatchObject({ origin: null, nilSubject: true, conflicts: [] });
    expect(v.platform).toEqual({ id: 'hisilicon-dvr', name: 'HiSilicon-based DVR from a Chinese OEM', nilSubject: true, note: 'every maker of this firmware is a PRC company' });
    expect(v.evidence).toEqual([expect.objectContaining({ kind: 'httpBody', company: null, platform: 'hisilicon-dvr', ruleId: 'hisi-body' })]);
    const text = explain(v);
    expect(text).toContain('Produced by: not known — the evidence shows HiSilicon-based DVR from a Chinese OEM (hisilicon-dvr)');
    expect(text).toContain('Subject to the PRC National Intelligence Law: yes — the platform alone settles it');
    expect(text).toMatch(/~ web page ".*hisilicon-dvr-ui\.js.*" → platform HiSilicon-based DVR from a Chinese OEM/);
  });

  it('a platform that does not settle the question leaves nilSubject unknown, and says why', () => {
    const v = id({ httpTitle: 'NVR Web Viewer' });
    expect(v).toMatchObject({ origin: null, nilSubject: null, platform: { id: 'linux-nvr', nilSubject: null } });
    expect(explain(v)).toContain('not known — the platform alone does not settle it: sold to makers inside and outside the PRC');
  });

  it('weak platform evidence names no platform', () => {
    const v = id({ telnetBanner: '(none) login:' });
    expect(v.evidence[0]).toMatchObject({ platform: 'hisilicon-dvr', weight: 0.3 });
    expect(v.platform).toBeUndefined();
    expect(v.nilSubject).toBeNull();
  });

  it('beside a producer, the platform is reported and the producer decides the PRC question', () => {
    const v = id({ mac: '00:40:8C:01:02:03', sshBanner: 'SSH-2.0-AXIS_OS', httpBody: hisiBody });
    expect(v).toMatchObject({ origin: 'axis', nilSubject: false, platform: { id: 'hisilicon-dvr' } });
    expect(v.confidence).toBe(id({ mac: '00:40:8C:01:02:03', sshBanner: 'SSH-2.0-AXIS_OS' }).confidence); // no mass on a producer
    expect(explain(v)).toContain('Platform: HiSilicon-based DVR from a Chinese OEM (hisilicon-dvr); the producer above decides the PRC question.');
    // …and the disagreement is shown: a non-PRC producer on a platform only PRC companies make.
    expect(v.conflicts).toEqual([{
      companies: ['axis'], kinds: ['mac', 'sshBanner', 'httpBody'],
      message: 'The MAC prefix and the SSH banner point to Axis Communications AB but the web page shows HiSilicon-based DVR from a Chinese OEM, which only companies subject to the PRC National Intelligence Law make',
    }]);
    // A PRC producer on that platform agrees with it.
    expect(id({ snmpSysObjectId: '1.3.6.1.4.1.39165.1', httpBody: hisiBody })).toMatchObject({ origin: 'hikvision', nilSubject: true, conflicts: [], platform: { id: 'hisilicon-dvr' } });
  });
});

describe('service answers', () => {
  const sadp = '<?xml version="1.0"?><Probe><Types>inquiry</Types></Probe>';

  it('a rule limited to ports reads only answers from those ports', () => {
    expect(id({ port: 37020, rawResponse: sadp }).origin).toBe('hikvision');
    expect(id({ port: 80, rawResponse: sadp }).evidence).toEqual([]);
    expect(id({ rawResponse: sadp }).evidence).toEqual([]); // port unknown: the rule cannot apply
    expect(id({ services: [{ port: 8080, rawResponse: sadp }, { port: 37020, rawResponse: sadp }] }).evidence).toHaveLength(1);
  });

  it('a rule without ports reads an answer from any port', () => {
    expect(id({ rawResponse: '{"method":"client.notifyDevInfo"}' }).origin).toBe('dahua');
    expect(id({ port: 9999, rawResponse: '{"method":"client.notifyDevInfo"}' }).origin).toBe('dahua');
  });

  it('reads at most 256 services of one record', () => {
    const filler = Array.from({ length: 256 }, () => ({ port: 1, rawResponse: 'nothing' }));
    expect(id({ services: [...filler, { port: 37810, rawResponse: '{"method":"client.notifyDevInfo"}' }] }).evidence).toEqual([]);
    expect(id({ services: [...filler.slice(1), { port: 37810, rawResponse: '{"method":"client.notifyDevInfo"}' }] }).origin).toBe('dahua');
  });
});

describe('calibration', () => {
  it('one free-text string is never near-certain, whatever weight its rule claims', () => {
    const v = id({ httpTitle: 'Hikvision Web Client' });
    expect(v.evidence[0].weight).toBe(FIELD_MAX_WEIGHT.httpTitle);
    expect(v.origin).toBe('hikvision');
    expect(v.confidence).toBeLessThan(0.9);
  });

  it('no single field but the hard identifiers can reach 0.9 alone', () => {
    const strong = new Set(Object.entries(FIELD_MAX_WEIGHT).filter(([, w]) => w >= 0.9).map(([f]) => f));
    expect([...strong].sort()).toEqual(['firmware', 'httpServer', 'model', 'onvifFirmware', 'onvifModel', 'rawResponse', 'rtspServer', 'serial', 'snmpSysObjectId', 'upnpModelName']);
  });
});

describe('untrusted input', () => {
  it('any JSON value in any field gives a verdict, never an exception', () => {
    const keys = ['brand', 'mac', 'model', 'onvif', 'scopes', 'httpPaths', 'realm', 'realms', 'wwwAuthenticate', 'telnetBanner', 'httpBody',
      'faviconMd5', 'faviconMmh3', 'upnpManufacturer', 'upnpModelName', 'port', 'rawResponse', 'services', 'snmpSysObjectId'];
    const record = fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 });
    fc.assert(fc.property(record, (d) => {
      const v = id(d as DeviceEvidence);
      expect(v.confidence).toBeGreaterThanOrEqual(0);
      expect(v.confidence).toBeLessThanOrEqual(0.999);
      for (const e of v.evidence) expect(e.value.length).toBeLessThanOrEqual(200);
    }), { numRuns: 1000 });
  });
});
