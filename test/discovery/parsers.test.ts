// The scanner's readers of device answers: WS-Discovery ProbeMatches, ONVIF SOAP, HTTP banners, RTSP heads, the
// neighbour table — and their refusal of hostile XML.
import { describe, expect, it } from 'vitest';
import { parseProbeMatches, scopeValue } from '../../src/discovery/wsdiscovery';
import { readDeviceInformation, readDeviceTime, readMac, usernameToken, soapEnvelope } from '../../src/discovery/onvif';
import { parseDeviceXml, UnsafeXmlError } from '../../src/discovery/xml';
import { htmlTitle, readVendorInfo } from '../../src/discovery/http';
import { parseRtspHead } from '../../src/discovery/rtsp';
import { parseIpNeigh, parseProcArp } from '../../src/discovery/neighbours';
import { digestValid } from '../../tools/simulator/onvif';

// As a Hikvision camera answers (namespace prefixes vary by maker; the reader ignores them).
const PROBE_MATCHES = `<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsadis="http://schemas.xmlsoap.org/ws/2004/08/addressing"
  xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">
<env:Header><wsadis:MessageID>urn:uuid:1</wsadis:MessageID><wsadis:RelatesTo>urn:uuid:abc</wsadis:RelatesTo></env:Header>
<env:Body><d:ProbeMatches><d:ProbeMatch>
  <wsadis:EndpointReference><wsadis:Address>urn:uuid:3fa1fe68-b915-4053-a3e1-4419b6a1b2c3</wsadis:Address></wsadis:EndpointReference>
  <d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>
  <d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/HIKVISION%20CAM onvif://www.onvif.org/hardware/DS-2CD2143G2-I
    onvif://www.onvif.org/MAC/44:19:b6:a1:b2:c3</d:Scopes>
  <d:XAddrs>http://192.0.2.64/onvif/device_service http://[fe80::1]/onvif/device_service</d:XAddrs>
  <d:MetadataVersion>10</d:MetadataVersion>
</d:ProbeMatch></d:ProbeMatches></env:Body></env:Envelope>`;

const BOMB = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><a>&lol2;</a>';

describe('WS-Discovery ProbeMatches', () => {
  it('reads endpoint, XAddrs, types and scopes (name, hardware, MAC)', () => {
    const [m] = parseProbeMatches(PROBE_MATCHES);
    expect(m.endpoint).toBe('urn:uuid:3fa1fe68-b915-4053-a3e1-4419b6a1b2c3');
    expect(m.xaddrs).toEqual(['http://192.0.2.64/onvif/device_service', 'http://[fe80::1]/onvif/device_service']);
    expect(m.types).toEqual(['dn:NetworkVideoTransmitter', 'tds:Device']);
    expect(m.relatesTo).toBe('urn:uuid:abc');
    expect(scopeValue(m.scopes, 'name')).toBe('HIKVISION CAM');
    expect(scopeValue(m.scopes, 'hardware')).toBe('DS-2CD2143G2-I');
    expect(scopeValue(m.scopes, 'mac')).toBe('44:19:b6:a1:b2:c3');
  });

  it('refuses DTDs and entity declarations (billion laughs) without expanding them', () => {
    expect(() => parseProbeMatches(BOMB)).toThrow(UnsafeXmlError);
    expect(() => parseDeviceXml('<!doctype x SYSTEM "file:///etc/passwd"><x/>')).toThrow(/DTD/);
  });

  it('finds nothing in garbage, and never throws anything but UnsafeXmlError', () => {
    for (const junk of ['', 'hello', '<a><b></a>', '<<<>>>&&&', '\u0000\u0001', '<a>'.repeat(5000)]) {
      try { expect(parseProbeMatches(junk)).toEqual([]); } catch (e) { expect(e).toBeInstanceOf(UnsafeXmlError); }
    }
  });
});

describe('ONVIF device service answers', () => {
  const soap = (body: string) => parseDeviceXml(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="x" xmlns:tt="y"><s:Body>${body}</s:Body></s:Envelope>`);

  it('reads GetDeviceInformation, keeping serials and ids as text', () => {
    const info = readDeviceInformation(soap('<tds:GetDeviceInformationResponse><tds:Manufacturer>Dahua</tds:Manufacturer><tds:Model>IPC-HFW2431S-S-S2</tds:Model>'
      + '<tds:FirmwareVersion>2.800.0000000.16.R, Build Date: 2021-07-21</tds:FirmwareVersion><tds:SerialNumber>0012345</tds:SerialNumber><tds:HardwareId>1.00</tds:HardwareId></tds:GetDeviceInformationResponse>'));
    expect(info).toEqual({ manufacturer: 'Dahua', model: 'IPC-HFW2431S-S-S2', firmwareVersion: '2.800.0000000.16.R, Build Date: 2021-07-21', serialNumber: '0012345', hardwareId: '1.00' });
    expect(readDeviceInformation(soap('<x/>'))).toBeNull();
  });

  it('reads the MAC from GetNetworkInterfaces and ignores a malformed one', () => {
    expect(readMac(soap('<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces><tt:Info><tt:HwAddress>3c:ef:8c:01:02:03</tt:HwAddress></tt:Info></tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>'))).toBe('3c:ef:8c:01:02:03');
    expect(readMac(soap('<tds:GetNetworkInterfacesResponse><tt:HwAddress>&lt;script&gt;</tt:HwAddress></tds:GetNetworkInterfacesResponse>'))).toBeNull();
  });

  it('reads the device clock from GetSystemDateAndTime', () => {
    const t = readDeviceTime(soap('<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:UTCDateTime><tt:Time><tt:Hour>13</tt:Hour><tt:Minute>5</tt:Minute><tt:Second>9</tt:Second></tt:Time>'
      + '<tt:Date><tt:Year>2026</tt:Year><tt:Month>11</tt:Month><tt:Day>28</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>'));
    expect(t?.toISOString()).toBe('2026-11-28T13:05:09.000Z');
  });

  it('makes a WS-UsernameToken digest a device accepts, and one it refuses with the wrong password', () => {
    const creds = { username: 'admin<&>', password: 'correct horse' };
    const request = soapEnvelope('GetDeviceInformation', usernameToken(creds, new Date()));
    expect(request).not.toContain('correct horse'); // digest only, never the password
    expect(digestValid(request, creds)).toBe(true);
    expect(digestValid(request, { ...creds, password: 'wrong' })).toBe(false);
    expect(digestValid(soapEnvelope('GetDeviceInformation', null), creds)).toBe(false);
  });
});

describe('banners', () => {
  it('reads a page title with entities and whitespace', () => {
    expect(htmlTitle('<html><head><TITLE lang="en">\n  WEB&#32;SERVICE </title>')).toBe('WEB SERVICE');
    expect(htmlTitle('<title>NETSurveillance WEB</title>')).toBe('NETSurveillance WEB');
    expect(htmlTitle('<title>Caf&eacute; &amp; co</title>')).toBe('Caf&eacute; & co');
    expect(htmlTitle('<html>no title</html>')).toBeNull();
  });

  it('reads the RTSP Server header and auth realm', () => {
    expect(parseRtspHead('RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nServer: Dahua Rtsp Server\r\nWWW-Authenticate: Digest realm="Login to 7J0A5C4PAZ12345", nonce="1"'))
      .toEqual({ status: 401, server: 'Dahua Rtsp Server', realm: 'Login to 7J0A5C4PAZ12345' });
    expect(parseRtspHead('HTTP/1.1 200 OK\r\nServer: nginx')).toBeNull();
  });

  it('reads model, serial, firmware and MAC from an unauthenticated ISAPI deviceInfo', () => {
    const body = '<?xml version="1.0"?><DeviceInfo xmlns="http://www.std-cgi.com/ver20/XMLSchema"><model>DS-2CD2143G2-I</model><serialNumber>DS-2CD2143G2-I20220314AAWRJ12345678</serialNumber>'
      + '<macAddress>44:19:b6:01:02:03</macAddress><firmwareVersion>V5.7.3</firmwareVersion><firmwareReleasedDate>build 220112</firmwareReleasedDate></DeviceInfo>';
    expect(readVendorInfo('/ISAPI/System/deviceInfo', body)).toEqual({
      model: 'DS-2CD2143G2-I', serial: 'DS-2CD2143G2-I20220314AAWRJ12345678', firmware: 'V5.7.3 build 220112', mac: '44:19:b6:01:02:03',
    });
    expect(readVendorInfo('/ISAPI/System/deviceInfo', BOMB)).toEqual({});
    expect(readVendorInfo('/cgi-bin/magicBox.cgi?action=getDeviceType', 'type=IPC-HFW2431S-S-S2\r\n')).toEqual({ model: 'IPC-HFW2431S-S-S2' });
  });
});

describe('neighbour table', () => {
  it('reads complete entries from /proc/net/arp and ip neigh', () => {
    const arp = 'IP address       HW type     Flags       HW address            Mask     Device\n'
      + '192.0.2.64       0x1         0x2         44:19:b6:01:02:03     *        eth0\n'
      + '192.0.2.65       0x1         0x0         00:00:00:00:00:00     *        eth0\n';
    expect([...parseProcArp(arp)]).toEqual([['192.0.2.64', '44:19:B6:01:02:03']]);
    const neigh = '192.0.2.64 dev eth0 lladdr 44:19:b6:01:02:03 REACHABLE\n192.0.2.66 dev eth0 lladdr 3c:ef:8c:00:00:01 FAILED\n192.0.2.67 dev eth0  INCOMPLETE\n';
    expect([...parseIpNeigh(neigh)]).toEqual([['192.0.2.64', '44:19:B6:01:02:03']]);
  });
});
