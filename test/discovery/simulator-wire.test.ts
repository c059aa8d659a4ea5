// The simulator's devices on the wire, read with Node's own HTTP, TLS and socket clients (not the simulator's code):
// each make's status line and header style, its 401 realm, its factory TLS certificate, its favicon, and an RTSP server
// that challenges with the make's realm, serves SDP once logged in, and does not answer 200 to HTTP or SIP.
// Loopback only (127.54.0.x).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAKES, generateFleet, makeDevice, rng, type Make, type SimDevice } from '../../tools/simulator/fleet';
import { makeCertificate } from '../../tools/simulator/certs';
import { DEFAULT_CREDENTIALS, startSimulator, type Simulator } from '../../tools/simulator/server';
import { streamPaths } from '../../tools/simulator/rtsp';

/** Sends raw bytes, returns everything the device says until it closes (or 1.5 s of silence). */
function raw(host: string, port: number, payload: string, quietMs = 1500): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    let out = '';
    let timer = setTimeout(() => s.destroy(), quietMs);
    s.on('connect', () => s.write(payload));
    s.on('data', (c) => { out += c.toString('latin1'); clearTimeout(timer); timer = setTimeout(() => s.destroy(), quietMs); });
    s.on('close', () => { clearTimeout(timer); resolve(out); });
    s.on('error', reject);
  });
}

function get(host: string, path: string, port = 80): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; rawHeaders: string[]; version: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent: false, headers: { Connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), rawHeaders: res.rawHeaders, version: res.httpVersion }));
    });
    req.on('error', reject);
  });
}

const md5 = (s: string) => crypto.createHash('md5').update(s).digest('hex');

/** An RFC 2617 Digest Authorization for a 401's challenge (what an RTSP client computes). */
function digest(challenge: string, method: string, uri: string, password = DEFAULT_CREDENTIALS.password): string {
  const realm = /realm="([^"]*)"/.exec(challenge)![1];
  const nonce = /nonce="([^"]*)"/.exec(challenge)![1];
  const response = md5(`${md5(`${DEFAULT_CREDENTIALS.username}:${realm}:${password}`)}:${nonce}:${md5(`${method}:${uri}`)}`);
  return `Digest username="${DEFAULT_CREDENTIALS.username}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}"`;
}

describe('simulated devices on the wire', () => {
  let sim: Simulator;
  const dev = new Map<Make, SimDevice>();
  const odd: Record<'endless' | 'headers' | 'reset', SimDevice> = {} as never;

  beforeAll(async () => {
    const r = rng(54);
    const fleet = MAKES.map((make, i) => {
      const d = makeDevice(make, `127.54.0.${i + 1}`, 'normal', r);
      d.https = true;
      dev.set(make, d);
      return d;
    });
    odd.endless = makeDevice('dahua', '127.54.1.1', 'endless-body', r);
    odd.headers = makeDevice('hikvision', '127.54.1.2', 'huge-headers', r);
    odd.reset = makeDevice('axis', '127.54.1.3', 'reset', r);
    sim = await startSimulator([...fleet, odd.endless, odd.headers, odd.reset], { credentials: DEFAULT_CREDENTIALS });
  });
  afterAll(async () => { await sim?.close(); });

  it('answers in each make\'s HTTP style: version, header order and casing', async () => {
    const hik = await raw(dev.get('hikvision')!.address, 80, 'GET / HTTP/1.0\r\n\r\n');
    expect(hik).toMatch(/^HTTP\/1\.0 200 OK\r\nDate: [^\r]+\r\nServer: App-webs\/\r\n/);
    const dahua = await raw(dev.get('dahua')!.address, 80, 'GET / HTTP/1.0\r\n\r\n');
    expect(dahua).toMatch(/^HTTP\/1\.1 200 OK\r\nCONNECTION: close\r\nCONTENT-LENGTH: \d+\r\n/);
    expect(dahua).toContain('\r\n\r\n\xef\xbb\xbf<!DOCTYPE html>'); // a UTF-8 byte order mark, as latin1 bytes
    const xm = await get(dev.get('xiongmai')!.address, '/');
    expect([xm.version, xm.headers.server]).toEqual(['1.0', 'uc-httpd 1.0.0']);
    expect(xm.body.toString()).toContain('<title>NETSurveillance WEB</title>');
    // An HTTP/1.1 server with keep-alive answers two requests on one connection.
    const axis = dev.get('axis')!;
    const two = await raw(axis.address, 80, 'GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(two.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
  });

  it('answers ONVIF through the make\'s own HTTP style, whether the request body is sized or chunked', async () => {
    const envelope = '<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
      + '<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>';
    const hik = dev.get('hikvision')!;
    const sized = await raw(hik.address, 80, `POST /onvif/device_service HTTP/1.1\r\nHost: x\r\nContent-Type: application/soap+xml\r\nContent-Length: ${envelope.length}\r\n\r\n${envelope}`);
    expect(sized).toMatch(/^HTTP\/1\.0 200 OK\r\nDate: [^\r]+\r\nServer: App-webs\/\r\n[\s\S]*GetSystemDateAndTimeResponse/);
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: dev.get('axis')!.address, port: 80, method: 'POST', path: '/onvif/device_service', agent: false,
        headers: { 'Content-Type': 'application/soap+xml' } }, (res) => {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write(envelope.slice(0, 40)); // no Content-Length: Node sends the body chunked
      req.end(envelope.slice(40));
    });
    expect(chunked.status).toBe(200);
    expect(chunked.body).toContain('GetSystemDateAndTimeResponse');
  });

  it('challenges with each make\'s realm and scheme', async () => {
    const realmOf = async (make: Make) => {
      const d = dev.get(make)!;
      const path = Object.entries(d.paths).find(([, a]) => a.status === 401)?.[0] ?? '/cgi-bin/magicBox.cgi';
      const res = await get(d.address, path);
      expect(res.status, make).toBe(401);
      return res.headers['www-authenticate'];
    };
    expect(await realmOf('dahua')).toMatch(new RegExp(`^Digest realm="Login to ${dev.get('dahua')!.serial}"`));
    expect(await realmOf('axis')).toMatch(new RegExp(`^Digest realm="AXIS_${dev.get('axis')!.serial.toUpperCase()}"`));
    expect(await realmOf('hanwha')).toMatch(/^Digest realm="iPOLiS"/);
    // Hikvision answers ISAPI deviceInfo without a login on some old firmware; where it asks, the realm is its own.
    for (const make of ['hikvision', 'hikvision-nvr', 'hikvision-lts'] as const) {
      if (dev.get(make)!.paths['/ISAPI/System/deviceInfo'].status !== 401) continue;
      expect(await realmOf(make)).toMatch(make === 'hikvision' ? /realm="IP Camera\([^)]{5}\)"/ : /realm="Hikvision"/);
    }
  });

  it('serves the make\'s factory certificate over TLS', async () => {
    const cert = (d: SimDevice) => new Promise<tls.PeerCertificate>((resolve, reject) => {
      const s = tls.connect({ host: d.address, port: 443, rejectUnauthorized: false }, () => { resolve(s.getPeerCertificate()); s.destroy(); });
      s.on('error', reject);
    });
    const hik = await cert(dev.get('hikvision')!);
    expect(hik.subject).toMatchObject({ CN: 'www.hikvision.com', OU: 'DVRNVR', O: 'HIKVISION', L: 'HangZhou', ST: 'ZheJiang', C: 'CN' });
    const axis = dev.get('axis')!;
    expect((await cert(axis)).subject).toMatchObject({ CN: `axis-${axis.mac.replace(/:/g, '').toLowerCase()}`, O: 'Axis Communications AB' });
    const bosch = dev.get('bosch')!;
    const b = await cert(bosch);
    expect(b.subject).toMatchObject({ CN: 'local.myboschcam.net', O: 'Bosch Sicherheitssysteme GmbH' });
    expect(b.issuer).toMatchObject({ OU: 'ST-VS', serialNumber: bosch.serial });
    // The web UI behind TLS is the same make's.
    const page = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: dev.get('dahua')!.address, port: 443, rejectUnauthorized: false }, () => s.write('GET / HTTP/1.0\r\n\r\n'));
      let out = '';
      s.on('data', (c) => { out += c.toString('latin1'); });
      s.on('close', () => resolve(out));
      s.on('error', reject);
    });
    expect(page).toMatch(/^HTTP\/1\.1 200 OK\r\nCONNECTION: close\r\n/);
  });

  it('makes a certificate OpenSSL accepts for every device of a large fleet', () => {
    const key = crypto.createPrivateKey(fs.readFileSync(new URL('../../tools/simulator/certs/key.pem', import.meta.url)));
    for (const d of generateFleet({ devices: 500, base: '127.54.4.1', seed: 9 })) {
      const cert = new crypto.X509Certificate(makeCertificate(d, key));
      expect(cert.checkPrivateKey(key), d.address).toBe(true);
      expect(cert.subject, d.make).toMatch(/^(C=CN\nST=ZheJiang|O=Axis Communications AB\nCN=axis-[0-9a-f]{12}|C=DE\nST=Bayern|CN=127\.54\.)/);
    }
  });

  it('serves a favicon per make: an ICO, shared by relabels of one maker, different between makers', async () => {
    const icon = async (make: Make) => {
      const res = await get(dev.get(make)!.address, '/favicon.ico');
      expect(res.headers['content-type']).toBe('image/x-icon');
      expect([...res.body.subarray(0, 4)]).toEqual([0, 0, 1, 0]);
      return md5(res.body.toString('latin1'));
    };
    expect(await icon('hikvision-annke')).toBe(await icon('hikvision'));
    expect(await icon('dahua')).not.toBe(await icon('hikvision'));
    expect(await icon('axis')).not.toBe(await icon('bosch'));
  });

  it('RTSP: 401 with the make\'s realm, SDP and a session once logged in, wrong password refused', async () => {
    for (const make of ['hikvision', 'dahua', 'axis', 'hanwha', 'uniview'] as const) {
      const d = dev.get(make)!;
      const uri = `rtsp://${d.address}:554${streamPaths(d).main}`;
      const first = await raw(d.address, 554, `DESCRIBE ${uri} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n`, 500);
      expect(first, make).toMatch(/^RTSP\/1\.0 401 Unauthorized\r\nCSeq: 2\r\n/);
      const challenge = /WWW-Authenticate: (Digest [^\r]+)/.exec(first)![1];
      // The realms the sources cited in tools/simulator/rtsp.ts show (frigate#9006, retina#62, cameradar#199).
      const realm = { hikvision: `IP Camera(${d.serial.slice(-5)})`, dahua: `Login to ${d.serial}`, axis: `AXIS_${d.serial.toUpperCase()}`, hanwha: 'iPOLiS', uniview: 'UNIVIEW' }[make];
      expect(challenge).toContain(`realm="${realm}"`);
      const wrong = await raw(d.address, 554, `DESCRIBE ${uri} RTSP/1.0\r\nCSeq: 3\r\nAuthorization: ${digest(challenge, 'DESCRIBE', uri, 'wrong')}\r\n\r\n`, 500);
      expect(wrong, make).toMatch(/^RTSP\/1\.0 401/);
      const session = await raw(d.address, 554, `DESCRIBE ${uri} RTSP/1.0\r\nCSeq: 3\r\nAuthorization: ${digest(challenge, 'DESCRIBE', uri)}\r\n\r\n`
        + `SETUP ${uri}/trackID=1 RTSP/1.0\r\nCSeq: 4\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nAuthorization: ${digest(challenge, 'SETUP', `${uri}/trackID=1`)}\r\n\r\n`, 500);
      expect(session, make).toMatch(/^RTSP\/1\.0 200 OK\r\nCSeq: 3\r\n[\s\S]*Content-Type: application\/sdp[\s\S]*m=video 0 RTP\/AVP 96/);
      expect(session, make).toMatch(/RTSP\/1\.0 200 OK\r\nCSeq: 4\r\nSession: \w+;timeout=60\r\nTransport: RTP\/AVP\/TCP;unicast;interleaved=0-1/);
    }
  });

  it('RTSP: HTTP and SIP requests get what the real servers answer, never a plain RTSP 200', async () => {
    const dahua = dev.get('dahua')!;
    expect(await raw(dahua.address, 554, 'GET / HTTP/1.0\r\n\r\n')).toBe('RTSP/1.0 405 Method Not Allowed\r\nServer: Dahua Rtsp Server\r\nContent-Length: 0\r\nCSeq: 0\r\n\r\n');
    const sip = 'OPTIONS sip:nm SIP/2.0\r\nVia: SIP/2.0/TCP nm;branch=foo\r\nCSeq: 42 OPTIONS\r\nContent-Length: 0\r\n\r\n';
    expect(await raw(dahua.address, 554, sip, 500)).toMatch(/^RTSP\/1\.0 401 Unauthorized\r\nCSeq: 42 OPTIONS\r\nWWW-Authenticate: Digest realm="Login to /);
    for (const make of MAKES) {
      const answer = await raw(dev.get(make)!.address, 554, 'GET / HTTP/1.0\r\n\r\n', 500);
      expect(answer, make).not.toMatch(/^RTSP\/1\.0 200/);
      expect(answer.length, make).toBeGreaterThan(0);
    }
  });

  it('misbehaving devices still misbehave on the new wire', async () => {
    // Endless body: far more than any reader keeps.
    const got = await new Promise<number>((resolve, reject) => {
      let n = 0;
      const s = net.connect({ host: odd.endless.address, port: 80 }, () => s.write('GET / HTTP/1.0\r\n\r\n'));
      s.on('data', (c) => { n += c.length; if (n > 4 * 1024 * 1024) s.destroy(); });
      s.on('close', () => resolve(n));
      s.on('error', reject);
    });
    expect(got).toBeGreaterThan(4 * 1024 * 1024);
    await expect(get(odd.headers.address, '/')).rejects.toThrow(/Header overflow|HPE_HEADER_OVERFLOW/i);
    await expect(get(odd.reset.address, '/')).rejects.toThrow(/ECONNRESET|socket hang up/);
  });
});
