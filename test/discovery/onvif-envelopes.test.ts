// Discovery's ONVIF client against answers in other people's envelope styles, served by a small HTTP server on
// 127.47.0.1 that writes them as other stacks do (gSOAP-style SOAP 1.1 with SOAP-ENV:/ns1: prefixes and no
// WS-Addressing, SOAP 1.2 with WS-Addressing headers and default namespaces, a SOAP 1.1-only device that answers a
// VersionMismatch) — and against answers that carry nothing, which must be reported as such, never as ok.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDevice } from '../../src/discovery/onvif';

const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const TDS = 'http://www.onvif.org/ver10/device/wsdl';

const info11 = `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="${SOAP11}" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns1="${TDS}">`
  + '<SOAP-ENV:Body><ns1:GetDeviceInformationResponse><ns1:Manufacturer>Acme</ns1:Manufacturer><ns1:Model>AC-1</ns1:Model>'
  + '<ns1:FirmwareVersion>1.0.2</ns1:FirmwareVersion><ns1:SerialNumber>0042</ns1:SerialNumber><ns1:HardwareId>7</ns1:HardwareId>'
  + '</ns1:GetDeviceInformationResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>';

// A .NET/WCF-style answer: WS-Addressing 1.0 headers, default namespaces, CDATA, a byte-order mark and a newline first.
const info12wsa = `\uFEFF\n<s:Envelope xmlns:s="${SOAP12}" xmlns:a="http://www.w3.org/2005/08/addressing">`
  + '<s:Header><a:Action s:mustUnderstand="1">http://www.onvif.org/ver10/device/wsdl/GetDeviceInformationResponse</a:Action>'
  + '<a:RelatesTo>urn:uuid:5d5e9b2c-0000-4000-8000-000000000001</a:RelatesTo><a:MessageID>urn:uuid:0b0c</a:MessageID></s:Header>'
  + `<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><GetDeviceInformationResponse xmlns="${TDS}">`
  + '<Manufacturer><![CDATA[Acme & Sons]]></Manufacturer><Model>AC-2</Model><FirmwareVersion>2.1</FirmwareVersion>'
  + '<SerialNumber>SN-9</SerialNumber><HardwareId>x</HardwareId></GetDeviceInformationResponse></s:Body></s:Envelope>';

const versionMismatch11 = `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${SOAP11}"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SOAP-ENV:VersionMismatch</faultcode>`
  + '<faultstring>SOAP version mismatch or invalid SOAP message</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>';

const emptyResponse = `<env:Envelope xmlns:env="${SOAP12}" xmlns:tds="${TDS}"><env:Body><tds:GetDeviceInformationResponse/></env:Body></env:Envelope>`;
const otherElement = `<env:Envelope xmlns:env="${SOAP12}" xmlns:tds="${TDS}"><env:Body><tds:GetScopesResponse/></env:Body></env:Envelope>`;
const actionNotSupported = `<env:Envelope xmlns:env="${SOAP12}" xmlns:ter="http://www.onvif.org/ver10/error"><env:Body><env:Fault><env:Code><env:Value>env:Receiver</env:Value>`
  + '<env:Subcode><env:Value>ter:ActionNotSupported</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">Optional Action Not Implemented</env:Text>'
  + '</env:Reason></env:Fault></env:Body></env:Envelope>';

/** What each path answers: status, content type, body — chosen by the request's SOAP version where a real device would. */
const ANSWERS: Record<string, (soap11: boolean) => [number, string, string]> = {
  '/gsoap11': () => [200, 'text/xml; charset=utf-8', info11],
  '/wcf12': () => [200, 'application/soap+xml; charset=utf-8', info12wsa],
  '/only11': (soap11) => (soap11 ? [200, 'text/xml; charset=utf-8', info11] : [500, 'text/xml; charset=utf-8', versionMismatch11]),
  '/empty': () => [200, 'application/soap+xml', ''],
  '/empty-response': () => [200, 'application/soap+xml', emptyResponse],
  '/other-element': () => [200, 'application/soap+xml', otherElement],
  '/html': () => [200, 'text/html', '<html><head><title>It works</title></head><body><h1>It works!</h1></body></html>'],
  '/fault': () => [500, 'application/soap+xml', actionNotSupported],
};
/** A device whose network interfaces answer names no hardware address (the path answers by operation). */
const noMac = (body: string): [number, string, string] => (body.includes('GetNetworkInterfaces')
  ? [200, 'application/soap+xml', `<env:Envelope xmlns:env="${SOAP12}" xmlns:tds="${TDS}" xmlns:tt="http://www.onvif.org/ver10/schema"><env:Body>`
    + '<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled></tds:NetworkInterfaces>'
    + '</tds:GetNetworkInterfacesResponse></env:Body></env:Envelope>']
  : [200, 'text/xml', info11]);

describe('discovery reads ONVIF answers in other envelope styles, and says when an answer carried nothing', () => {
  let server: http.Server;
  let port: number;
  const seen: { path: string; contentType: string; soapAction?: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => {
        const soap11 = body.includes(SOAP11);
        seen.push({ path: req.url!, contentType: String(req.headers['content-type']), soapAction: req.headers.soapaction as string | undefined });
        const [status, type, text] = req.url === '/no-mac' ? noMac(body) : (ANSWERS[req.url!] ?? (() => [404, 'text/plain', 'not found']))(soap11);
        res.writeHead(status, { 'Content-Type': type }).end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.47.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const query = (path: string) => queryDevice({ host: '127.47.0.1', port, tls: false, path, timeoutMs: 3000 }, null, false, false);
  const step = (r: Awaited<ReturnType<typeof query>>) => r.steps.find((s) => s.probe === 'onvif:GetDeviceInformation')!;

  it('reads gSOAP-style SOAP 1.1 (SOAP-ENV:, ns1:, no WS-Addressing) answered to a SOAP 1.2 request', async () => {
    const r = await query('/gsoap11');
    expect(step(r).ok).toBe(true);
    expect(r.info).toEqual({ manufacturer: 'Acme', model: 'AC-1', firmwareVersion: '1.0.2', serialNumber: '0042', hardwareId: '7' });
  });

  it('reads SOAP 1.2 with WS-Addressing headers, default namespaces, CDATA and a byte-order mark', async () => {
    const r = await query('/wcf12');
    expect(step(r).ok).toBe(true);
    expect(r.info).toEqual({ manufacturer: 'Acme & Sons', model: 'AC-2', firmwareVersion: '2.1', serialNumber: 'SN-9', hardwareId: 'x' });
  });

  it('asks a SOAP 1.1-only device again in SOAP 1.1 after its VersionMismatch fault', async () => {
    seen.length = 0;
    const r = await query('/only11');
    expect(r.info?.manufacturer).toBe('Acme');
    expect(seen.map((s) => s.contentType.split(';')[0])).toEqual(['application/soap+xml', 'text/xml']);
    expect(seen[1].soapAction).toBe('"http://www.onvif.org/ver10/device/wsdl/GetDeviceInformation"');
  });

  it.each([
    ['/empty', /empty body/],
    ['/empty-response', /carried no manufacturer/],
    ['/other-element', /no GetDeviceInformationResponse.*GetScopesResponse/],
    ['/html', /text\/html.*It works/],
    ['/fault', /SOAP fault.*ActionNotSupported/],
  ])('an answer without device information (%s) is reported as not ok, saying what came back', async (path, error) => {
    const r = await query(path);
    expect(r.info === null || Object.values(r.info).every((v) => v === null)).toBe(true);
    expect(step(r).ok).toBe(false);
    expect(step(r).error).toMatch(error);
  });

  it('network interfaces without a hardware address are reported as not ok, while the device information is read', async () => {
    const r = await queryDevice({ host: '127.47.0.1', port, tls: false, path: '/no-mac', timeoutMs: 3000 }, null, false, true);
    expect(r.info?.model).toBe('AC-1');
    expect(r.mac).toBeNull();
    expect(r.steps.find((s) => s.probe === 'onvif:GetNetworkInterfaces')).toMatchObject({ ok: false, error: expect.stringMatching(/no hardware address/) });
  });
});
