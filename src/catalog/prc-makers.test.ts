// The PRC-makers fragment (data/fingerprints/prc-makers.json): what real devices say must point to the maker that
// produced them, and nothing a non-PRC maker's device says may point to a PRC maker (a false PRC-NIL flag is the
// worst mistake the product can make). The non-PRC strings below are values public collections (rapid7/recog xml/,
// nmap-service-probes) record for those makers' devices, written out here by hand.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from './load';
import type { EvidenceField, EvidenceRule } from './types';

const fragment = JSON.parse(readFileSync(new URL('./data/fingerprints/prc-makers.json', import.meta.url), 'utf8')) as { rules: EvidenceRule[] };
const ids = new Set(fragment.rules.map((r) => r.id));
const catalogue = loadCatalogue();
const rules = catalogue.rules.filter((r) => ids.has(r.id));

/** What the fragment's rules say about one observed value: the companies or platforms they point to. */
function pointsTo(field: EvidenceField, value: string, port?: number): string[] {
  return rules
    .filter((r) => r.field === field && (port === undefined || !r.ports || r.ports.includes(port)) && new RegExp(r.pattern, 'i').test(value))
    .map((r) => r.company ?? `platform:${r.platform}`);
}

describe('PRC makers fragment', () => {
  it('is merged into the shipped catalogue', () => {
    expect(rules.length).toBe(fragment.rules.length);
    expect(rules.length).toBeGreaterThanOrEqual(70);
  });

  it('points every company rule at a company subject to the PRC National Intelligence Law', () => {
    const subject = new Set(catalogue.companies.filter((c) => c.flags.some((f) => f.list === 'prc-nil' && f.status === 'subject')).map((c) => c.slug));
    for (const r of rules) if (r.company) expect(subject, r.id).toContain(r.company);
  });

  it('reads each maker from the evidence its firmware gives', () => {
    const sadp = '<?xml version="1.0" encoding="UTF-8"?><ProbeMatch><Uuid>0F6C2A3B</Uuid><Types>inquiry</Types>'
      + '<DeviceDescription>IPC-T240H</DeviceDescription><DeviceSN>IPC-T240H20210101AAWRF00000001</DeviceSN><CommandPort>8000</CommandPort></ProbeMatch>';
    expect(pointsTo('rawResponse', sadp, 37020)).toEqual(['hikvision']);          // a HiLook relabel answers SADP
    expect(pointsTo('rawResponse', sadp, 80)).toEqual([]);                       // SADP rules only read UDP 37020
    expect(pointsTo('realm', 'IP Camera(D2959)')).toEqual(['hikvision']);
    expect(pointsTo('realm', 'Login to ND021811012345')).toEqual(['dahua']);     // a Lorex NR-series recorder
    expect(pointsTo('rawResponse', '\\x20\\x00\\x00\\x00DHIP\\x00\\x00\\x00\\x00', 37810)).toEqual(['dahua']);
    expect(pointsTo('snmpSysObjectId', '1.3.6.1.4.1.1004849.2.10.2')).toEqual(['dahua']);
    expect(pointsTo('httpServer', 'Cross Web Server')).toEqual(['tvt']);
    expect(pointsTo('rtspServer', 'H264DVR 1.0')).toEqual(["platform:h264dvr-firmware"]); // no collection names its maker
    expect(pointsTo('rawResponse', '\\xff\\x01\\x00\\x00\\x02\\x00\\x00\\x00{ "Ret" : 100, "SessionID" : "0x00000002" }', 34567)).toEqual(['xiongmai']);
    expect(pointsTo('ftpBanner', '220 IPCamera FtpServer(www.maygion.com),do NOT change firmware unless you know what you are doing!')).toEqual(['maygion']);
    expect(pointsTo('realm', 'TP-LINK IP-Camera')).toContain('tp-link');
    expect(pointsTo('httpBody', '<div class="ui-video-wrap-icon"></div><select id="slct_userType"></select>')).toEqual(['dahua']);
    expect(pointsTo('httpTitle', 'Milesight Network Camera')).toEqual(['milesight']);
    expect(pointsTo('model', 'TD-2308SS-B')).toEqual(['tvt']);
    expect(pointsTo('realm', 'TD-W8901G')).toEqual(['tp-link']);                  // TP-Link's TD- routers are not TVT's
    expect(pointsTo('rtspServer', 'HiIpcam/V100R003 VodServer/1.0.0')).toEqual(['platform:hisilicon-dvr']);
    const platform = catalogue.platforms.find((p) => p.id === 'hisilicon-dvr');
    expect(platform?.nilSubject).toBe(true);
  });

  it('never points a non-PRC maker\'s device at a PRC maker', () => {
    const nonPrc: [EvidenceField, string][] = [
      ['httpServer', 'AvigilonOnvifNvt/4.1.0'], ['httpServer', 'VCS-VideoJet-Webserver'], ['httpServer', 'alphapd/2.1.8'],
      ['httpServer', 'dcs-lig-httpd'], ['httpServer', 'NetEVI/1.30'], ['httpServer', 'gen5th/1.0'], ['httpServer', 'Interlogix-Webs'],
      ['httpServer', 'PDR-M800/1.0'], ['httpServer', 'ev-compat'], ['httpServer', 'IQinVision Embedded 1.0'], ['httpServer', 'Vistabox'],
      ['httpServer', 'AV-TECH AV787 Video Web Server'], ['httpServer', 'Camera Web Server'], ['httpServer', 'GoAhead-Webs'],
      ['httpServer', 'Linux/2.6.18_pro500-davinci_axis, UPnP/1.0, Portable SDK for UPnP devices/1.6.6'],
      ['realm', 'Arecont Vision'], ['realm', 'AXIS_WS_ACCC8E3A0A8F'], ['realm', 'DCS-932L'], ['realm', 'TV-IP310PI'],
      ['realm', 'Sony Network Camera SNC-CH120'], ['realm', 'Siqura'], ['realm', 'Orbit-351'], ['realm', 'NET-i'], ['realm', 'netcam'],
      ['realm', 'Internet Camera'], ['realm', 'IP Camera'], ['realm', 'DVR'], ['realm', "Use 'live' as User Name in order to log in to the respective level"],
      ['wwwAuthenticate', 'Digest realm="AXIS_WS_ACCC8E3A0A8F", nonce="000057c3Y810622bff50b36005eb5efeae118626a161bf", stale=FALSE'],
      ['rtspServer', 'AvigilonOnvifNvt/4.1.0'], ['rtspServer', 'Optelecom-NKF RTSPServer/1.0'], ['rtspServer', 'GM Streaming Server v1.0'],
      ['rtspServer', 'HomeMonitor HD Pro'], ['rtspServer', 'iCanSystem/1.0'], ['rtspServer', 'Indigo-Security/1.0'],
      ['x509Subject', 'CN=axis-accc8e000000,O=Axis Communications AB'], ['x509Subject', 'CN=TCAM,OU=Security,O=Truen,L=Seoul,ST=Seoul,C=KR'],
      ['x509Subject', 'CN=AVIGILON-CAMERA-H4-1,OU=Certification Manager,O=Avigilon Corporation,L=Vancouver,ST=British Columbia,C=CA'],
      ['x509Subject', 'CN=UniFi-Video Controller,OU=R&D,O=Ubiquiti Networks,L=New York,ST=NY,C=US'],
      ['x509Issuer', 'CN=camera.ubnt.dev,O=Ubiquiti Inc.'],
      ['ftpBanner', '220 Axis 2100 Network Camera 2.43 (Mar 11 2004) ready.'], ['ftpBanner', '220 Welcome to DCS-2130 FTP Server'],
      ['ftpBanner', '220 Welcome to Network Camera FTP Server'],
      ['telnetBanner', '\r\n\r\nWelcome to Dinion-IP-NWC 4.10 from 10.0.0.5\r\n'],
      ['telnetBanner', 'Grandstream GXV3674_FHD_VF    Shell Command.Copyight 2011-2014\r\nUsername:'],
      ['telnetBanner', 'IMDVRS login:'], ['telnetBanner', '(none) login: '],
      ['snmpSysObjectId', '1.3.6.1.4.1.368.4'], ['snmpSysObjectId', '1.3.6.1.4.1.8072.3.2.10'], ['snmpSysDescr', 'Canon Network Camera VB-H43'],
      ['faviconMd5', 'a3fd8705f010b90e37d42128000f620b'], ['faviconMd5', 'd9526978908979fa5018db0bcc762aa0'],
      ['faviconMd5', '842c79ab11f38323fc554afbea5c990a'], ['faviconMd5', '7de37347ff2f9277824b3e3cfe4a8ada'],
      ['httpTitle', 'AXIS 2100 Camera Server'], ['httpTitle', 'Live view / - AXIS 205 version 4.05'], ['httpTitle', 'WV-NS202A Network Camera'],
      ['httpTitle', 'Sony Network Camera'], ['httpTitle', 'UniFi NVR: Software Portal'], ['httpTitle', 'Network Video Recorder Login'],
      ['httpTitle', 'Web Viewer for Samsung DVR'],
      ['rawResponse', 'GeOv\\x10\\x00\\x00\\x00\\x12\\x34\\x00\\x00P\\x01\\x00'], ['rawResponse', 'RIFA\\x00\\x00\\x00\\x00'],
      ['rawResponse', '\\x01\\x00\\x00\\x00\\x00\\x00\\x00(PSPROTOCOL\\x00\\x00\\x00\\x00\\x00\\x00\\xa0\\x00\\x00\\x01'],
      ['upnpManufacturer', 'AXIS'], ['upnpManufacturer', 'Hanwha Techwin'], ['upnpManufacturer', 'Bosch Security Systems'],
      ['sipUserAgent', 'AXIS A8105-E Network Video Door Station'], ['scope', 'onvif://www.onvif.org/hardware/M3045-V'],
    ];
    for (const [field, value] of nonPrc) expect(pointsTo(field, value), `${field} "${value}"`).toEqual([]);
  });
});
