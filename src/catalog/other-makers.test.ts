// The fragment data/fingerprints/other-makers.json (makers outside PRC jurisdiction) read through the shipped
// catalogue and the engine: the strings real devices send name their maker, generic strings name nobody, and
// sellers of relabelled PRC OEM kit are never named by a device's own strings (that would hide the PRC producer).
import { describe, expect, it } from 'vitest';
import { catalogueRuntime } from './index';
import { loadCatalogue } from './load';
import { identify } from '../domain/provenance';
import type { DeviceEvidence } from '../domain/provenance-types';

describe('makers outside PRC jurisdiction (other-makers.json)', () => {
  const rt = catalogueRuntime();

  it('names the maker from the web and RTSP strings cameras answer with, and does not flag them PRC-NIL', () => {
    const cases: [DeviceEvidence, string][] = [
      [{ httpTitle: 'AXIS 2100 Camera Server' }, 'axis'],
      [{ httpTitle: 'Live view / - AXIS 205 version 4.03' }, 'axis'],
      [{ httpServer: 'AvigilonOnvifNvt/2.6.0.130' }, 'avigilon'],
      [{ httpServer: 'VCS-VideoJet-Webserver' }, 'bosch'],
      [{ httpServer: 'dcs-lig-httpd' }, 'd-link'],
      [{ httpServer: 'NetEVI/3.03' }, 'sony'],
      [{ httpServer: 'gen5th/1.9' }, 'sony'],
      [{ httpTitle: 'WV-NS202A Network Camera' }, 'panasonic'],
      [{ httpTitle: 'WJ-NT104 MAIN PAGE' }, 'panasonic'],
      [{ httpTitle: 'UniFi Video' }, 'ubiquiti'],
      [{ httpTitle: 'Eagle Eye Networks (Local)' }, 'eagle-eye'],
      [{ httpTitle: 'IQA22N IQEYE1A1613: Live Images' }, 'iqinvision'],
      [{ httpTitle: 'Genetec - SHARPV01111' }, 'genetec'],
      [{ httpServer: 'GeoHttpServer' }, 'geovision'],
      [{ httpServer: 'Linux/2.6.37_eureka_1, UPnP/1.0, Portable SDK for UPnP devices/1.6.6' }, 'siqura'],
      [{ httpServer: 'http server/everfocus' }, 'everfocus'],
      [{ httpServer: 'IVC Enterprise Video Server' }, 'ivc'],
      [{ httpServer: 'Vistabox' }, 'convision'],
      [{ httpServer: 'ADH-Web' }, 'dedicated-micros'],
      [{ httpServer: 'Intellex-Http Server 4.2' }, 'american-dynamics'],
      [{ httpServer: 'Sentry360' }, 'sentry360'],
      [{ httpServer: 'JVC/1.0' }, 'jvc'],
      [{ httpTitle: 'Hanwha Techwin' }, 'hanwha'],
      [{ httpTitle: 'Redirect to userimage: /control/userimage.html' }, 'mobotix'],
      [{ httpServer: 'ev-compat' }, 'pelco'],
      [{ httpTitle: 'Network Camera VB-M40/VB-M42' }, 'canon'],
      [{ rtspServer: 'Optelecom-NKF RTSPServer/1.0' }, 'siqura'],
    ];
    const wrong = cases.flatMap(([d, maker]) => {
      const v = identify(rt.compiled, d);
      return v.origin === maker && v.nilSubject === false ? [] : [`${JSON.stringify(d)}: expected ${maker}, got ${v.origin}/${v.nilSubject}`];
    });
    expect(wrong).toEqual([]);
  });

  it('names nobody from generic web servers, titles and realms', () => {
    const generic = [
      'Boa/0.94.14rc21', 'GoAhead-Webs', 'Webs', 'lighttpd/1.4.35', 'mini_httpd/1.19 19dec2003', 'thttpd/2.25b 29dec2003',
      'Apache', 'nginx', 'Network Camera', 'IP Camera', 'WEB SERVICE', 'Login', 'DVR', 'camera',
    ];
    const fragment = loadCatalogue().rules.filter((r) => r.source?.startsWith('west-') || r.id.endsWith('-onvif-manufacturer'));
    expect(fragment.length).toBeGreaterThan(100);
    const hits = fragment.flatMap((r) => generic.filter((g) => new RegExp(r.pattern, 'i').test(g)).map((g) => `${r.id} matches "${g}"`));
    expect(hits).toEqual([]);
  });

  it('names no maker from a string the collections give to more than one, but still answers the UK test when all of them are non-PRC', () => {
    // alphapd: D-Link DCS and TRENDnet TV-IP (nmap); PDR-M800: LILIN (recog) or Sanyo (nmap); thttpd "-MX": Mobotix and a Korenix serial server.
    for (const d of [{ httpServer: 'alphapd/2.1.8' }, { httpServer: 'PDR-M800/1.0' }]) {
      const v = identify(rt.compiled, d);
      expect([v.origin, v.nilSubject], d.httpServer).toEqual([null, false]);
    }
    expect(identify(rt.compiled, { httpServer: 'thttpd/2.19-MX Jun  2 2022' }).origin).toBeNull();
    // The realm still tells the seller apart.
    expect(identify(rt.compiled, { httpServer: 'alphapd', realm: 'TV-IP572PI' }).origin).toBe('trendnet');
  });

  it('treats Panasonic and i-PRO evidence as one product line: an old WV- unit is Panasonic\'s, one that says i-PRO is i-PRO\'s', () => {
    const old = identify(rt.compiled, { brand: 'Panasonic', model: 'WV-NP244', httpTitle: 'WV-NP244 Network Camera' });
    expect([old.origin, old.nilSubject, old.conflicts.length]).toEqual(['panasonic', false, 0]);
    const newer = identify(rt.compiled, { model: 'WV-S2136', onvif: { manufacturer: 'i-PRO' } });
    expect([newer.origin, newer.nilSubject, newer.conflicts.length]).toEqual(['i-pro', false, 0]);
  });

  it('never lets a device\'s own strings name a seller of relabelled PRC OEM kit', () => {
    // Their kit is built by PRC OEMs: a rule naming the seller would clear PRC-made units. Labels still name them.
    const sellers = ['swann', 'night-owl', 'intelbras', 'ptzoptics', 'kguard'];
    const cat = loadCatalogue();
    expect(cat.rules.filter((r) => r.company && sellers.includes(r.company)).map((r) => r.id)).toEqual([]);
    for (const s of sellers) expect(cat.brands.some((b) => b.company === s), s).toBe(true);
    expect(identify(rt.compiled, { brand: 'Swann' }).nilSubject).not.toBe(false);
  });
});
