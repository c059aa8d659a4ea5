// The evidence `discover` gathers beyond HTTP/RTSP/ONVIF (issue 11, "Evidence from the network"), on loopback only
// (127.61.0.0/16): FTP and telnet banners, UPnP, SADP, DHIP, SNMP, TLS names, page body, favicon hashes — each from
// the makes that offer it — and the probe list saying what a step got when it got nothing usable. Also: no SNMP
// without a community, no UPnP description fetched from another address, hostile answers cut to size.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFleet, makeDevice, rng, type Make, type SimDevice } from '../../tools/simulator/fleet';
import { startSimulator, type Simulator } from '../../tools/simulator/server';
import { makeCertificate } from '../../tools/simulator/certs';
import { faviconFor } from '../../tools/simulator/favicon';
import { SIM_SNMP_COMMUNITY } from '../../tools/simulator/services';
import { base64Lines, murmur3x86_32 } from '../../src/discovery/favicon';
import { telnetFilter } from '../../src/discovery/banners';
import { runScan, type ScanOptions } from '../../src/discovery/scan';
import type { DiscoveredDevice, ScanReport } from '../../src/discovery/types';
import { scanReport } from '../../src/modules/discovery/schemas';

const TIMEOUT_MS = 2000;
const scan = (targets: string[], extra: Partial<ScanOptions> = {}) =>
  runScan({ targets, allow: ['127.61.0.0/16'], timeoutMs: TIMEOUT_MS, rate: 20_000, concurrency: 128, ...extra });

describe('Shodan favicon hash', () => {
  it('MurmurHash3 x86_32 matches the reference vectors (signed, like Python mmh3.hash)', () => {
    expect(murmur3x86_32(Buffer.from(''))).toBe(0);
    expect(murmur3x86_32(Buffer.from('hello'))).toBe(613153351);
    expect(murmur3x86_32(Buffer.from('foo'))).toBe(-156908512);
    expect(murmur3x86_32(Buffer.from('foo'), 42)).toBe(-1322301282);
    expect(murmur3x86_32(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x2e4ff723);
  });

  it('hashes base64 wrapped as Python base64.encodebytes: 76 characters a line, newline at the end', () => {
    expect(base64Lines(Buffer.from('hello'))).toBe('aGVsbG8=\n');
    const text = base64Lines(Buffer.alloc(58, 0xff)); // 57 bytes fill one line exactly; one more starts another
    expect(text).toBe(`${'/'.repeat(76)}\n/w==\n`);
  });
});

describe('telnet negotiation', () => {
  it('refuses every option asked and keeps the text', () => {
    const { text, replies } = telnetFilter(Buffer.from([255, 253, 24, 255, 251, 1, 255, 250, 24, 1, 255, 240, ...Buffer.from('login: '), 255, 255]));
    expect(text.toString('latin1')).toBe('login: \u00ff');
    expect([...replies]).toEqual([255, 252, 24, 255, 254, 1]); // DO TTYPE → WONT; WILL ECHO → DONT
  });
});

describe('evidence from a simulated fleet', () => {
  const MAKES: Make[] = ['hikvision', 'hikvision-lts', 'dahua', 'dahua-lorex', 'axis', 'hanwha', 'bosch', 'uniview', 'xiongmai'];
  let fleet: SimDevice[];
  let sim: Simulator;
  let report: ScanReport;
  const device = (make: Make): [SimDevice, DiscoveredDevice] => {
    const d = fleet.find((x) => x.make === make)!;
    return [d, report.devices.find((x) => x.address === d.address)!];
  };
  const probe = (found: DiscoveredDevice, name: RegExp) => found.probes.find((p) => name.test(p.probe));

  beforeAll(async () => {
    fleet = generateFleet({ devices: MAKES.length, base: '127.61.0.1', seed: 11, misbehaving: 0, makes: MAKES });
    sim = await startSimulator(fleet);
    report = await scan(['127.61.0.0/27'], { snmpCommunityFor: () => SIM_SNMP_COMMUNITY });
  }, 120_000);
  afterAll(async () => { await sim?.close(); });

  it('still identifies every device as its configured maker, and the report is still the upload contract', () => {
    for (const d of fleet) expect(report.devices.find((x) => x.address === d.address)?.verdict.origin, `${d.make}`).toBe(d.expectedOrigin);
    expect(scanReport.safeParse(JSON.parse(JSON.stringify(report))).success).toBe(true);
  });

  it('Hikvision: telnet banner, UPnP, SADP (model and serial without any login) and SNMP', () => {
    const [d, found] = device('hikvision');
    expect(found.telnetBanner).toBe('192.0.0.64 login:');
    expect(found).toMatchObject({ upnpManufacturer: d.manufacturer, upnpModelName: d.model, upnpServer: expect.stringContaining('UPnP/1.0') });
    const sadp = found.services?.find((s) => s.service === 'sadp');
    expect(sadp).toMatchObject({ port: 37020, rawResponse: expect.stringContaining('<ProbeMatch>') });
    expect(found.onvif).toBeNull(); // no credentials: ONVIF told nothing, SADP did
    expect(found).toMatchObject({ model: d.model, serial: d.serial, mac: d.mac });
    expect(found).toMatchObject({ snmpSysDescr: d.model, snmpSysObjectId: '1.3.6.1.4.1.39165.1.1' });
    // A relabel answers SADP too: the OEM's firmware underneath.
    const [lts, ltsFound] = device('hikvision-lts');
    expect(ltsFound.services?.find((s) => s.service === 'sadp')?.rawResponse).toContain(lts.serial);
    expect(ltsFound.upnpManufacturer).toBe('LTS');
  });

  it('Dahua: DHIP answer on UDP 37810, RTSP realm and the raw WWW-Authenticate header', () => {
    for (const make of ['dahua', 'dahua-lorex'] as const) {
      const [d, found] = device(make);
      const dhip = found.services?.find((s) => s.service === 'dhip');
      expect(dhip?.rawResponse, make).toMatch(/^ \\x00\\x00\\x00DHIP/);
      expect(dhip?.rawResponse, make).toContain('client.notifyDevInfo');
      expect(found.realm).toBe(`Login to ${d.serial}`);
      expect(found.wwwAuthenticate).toContain(`realm="Login to ${d.serial}"`);
      expect(found.services?.some((s) => s.service === 'sadp')).toBe(false);
    }
  });

  it('Axis: FTP greeting and UPnP; Bosch: telnet banner; Hanwha: SNMP', () => {
    const [axis, axisFound] = device('axis');
    expect(axisFound.ftpBanner).toBe(`220 ${axis.model} Network Camera ${axis.firmware} (Mar 13 2023) ready.`);
    expect(axisFound.upnpServer).toMatch(/-axis\d/);
    const [bosch, boschFound] = device('bosch');
    expect(boschFound.telnetBanner).toMatch(new RegExp(`^Welcome to ${bosch.model} ${bosch.address.replace(/\./g, '\\.')} from 127\\.`));
    const [hanwha, hanwhaFound] = device('hanwha');
    expect(hanwhaFound).toMatchObject({ snmpSysDescr: hanwha.model, snmpSysObjectId: expect.stringMatching(/^1\.3\.6\.1\.4\.1\.36849\./) });
  });

  it('TLS subject and issuer from HTTPS devices in doubt, not asked of ones identified for sure; the root page body from every web UI', () => {
    // (Every simulated HTTPS device here is identified for sure over plain HTTP, so this checks the skip; the
    // certificate of a device in doubt is read in "hashes a real favicon … reads the certificate" below.)
    let httpsDevices = 0;
    for (const d of fleet) {
      const found = report.devices.find((x) => x.address === d.address)!;
      const sure = found.probes.some((p) => /^skipped: identified/.test(p.error ?? ''));
      if (d.https) httpsDevices++;
      // (The make's factory names, tools/simulator/certs.ts: every subject there ends in a CN, which is read first.)
      if (d.https && !sure) expect(found, d.make).toMatchObject({ x509Subject: expect.stringMatching(/^CN=/), x509Issuer: expect.any(String) });
      if (d.https && sure) expect(found.x509Subject, d.make).toBeUndefined();
      if (!d.https) expect(found.x509Subject, d.make).toBeUndefined();
      expect(found.httpBody, d.make).toMatch(/<html/i);
    }
    expect(httpsDevices).toBeGreaterThan(0);
  });

  it('reports steps that got nothing usable as not ok, saying what came instead', () => {
    const [, uniview] = device('uniview');
    expect(probe(uniview, /^sadp:/)).toMatchObject({ ok: false, error: expect.stringMatching(/port closed|no answer/) });
    expect(probe(uniview, /^ftp:21/)).toMatchObject({ ok: false, error: expect.stringMatching(/port closed/) });
    expect(probe(uniview, /^snmp:/)).toMatchObject({ ok: false, error: expect.stringMatching(/no answer/) });
    // The simulated web UIs serve their make's icon (asked of a device still in doubt): hashed, and said so.
    const [simXm, xiongmai] = device('xiongmai');
    expect(probe(xiongmai, /http:80 favicon/)).toMatchObject({ ok: true });
    expect(xiongmai.faviconMd5).toBe(crypto.createHash('md5').update(faviconFor(simXm)).digest('hex'));
    const [, hik] = device('hikvision');
    // Hikvision cameras answer OPTIONS without a login and DESCRIBE with their realm: the DESCRIBE step got it.
    expect(probe(hik, /rtsp:554 DESCRIBE/)).toMatchObject({ ok: true });
    expect(hik.realms).toEqual(expect.arrayContaining([expect.stringMatching(/^IP Camera\(/)]));
    expect(probe(hik, /^sadp:/)).toMatchObject({ ok: true, got: expect.stringContaining('serial') });
    // Every ok step says what it got, unless it is a ONVIF step (another helper's) or a table lookup.
    for (const found of report.devices) {
      for (const p of found.probes.filter((x) => x.ok && !/^onvif|ws-discovery|neighbour/.test(x.probe))) expect(p.got, `${found.address} ${p.probe}`).toBeTruthy();
    }
  });
});

// ---- hand-made hosts: things no well-behaved simulated device does -------------------------------------------

interface Closer { close(): Promise<void> }
const closers: Closer[] = [];
afterAll(async () => { await Promise.all(closers.map((c) => c.close())); });

function listenTcp(host: string, port: number, onConnection: (s: net.Socket) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); onConnection(s); });
    server.once('error', reject);
    server.listen({ host, port }, () => {
      closers.push({ close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }) });
      resolve();
    });
  });
}

function listenHttp(host: string, port: number, handler: http.RequestListener): Promise<void> {
  const server = http.createServer(handler);
  return listenTcp(host, port, (s) => server.emit('connection', s));
}

function listenUdp(host: string, port: number, onMessage: (msg: Buffer, reply: (b: Buffer | string) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('message', (msg, rinfo) => onMessage(msg, (b) => s.send(b, rinfo.port, rinfo.address)));
    s.once('error', reject);
    s.bind({ address: host, port }, () => { closers.push({ close: async () => { s.close(); } }); resolve(); });
  });
}

const page = (title: string): http.RequestListener => (_req, res) => { res.writeHead(200, { 'Content-Type': 'text/html', Server: 'test-httpd' }).end(`<html><title>${title}</title></html>`); };

describe('broken vendor discovery answers', () => {
  it('are reported as not ok; their raw bytes are kept, escaped and bounded, entities never expanded', async () => {
    const r = rng(5);
    const fleet = [makeDevice('hikvision', '127.61.2.1', 'entity-bomb', r), makeDevice('hikvision', '127.61.2.2', 'malformed', r), makeDevice('dahua', '127.61.2.3', 'malformed', r)];
    const sim = await startSimulator(fleet);
    try {
      const report = await scan(['127.61.2.1-3']);
      for (const [d, service] of [[fleet[0], 'sadp'], [fleet[1], 'sadp'], [fleet[2], 'dhip']] as const) {
        const found = report.devices.find((x) => x.address === d.address)!;
        expect(found.probes.find((p) => p.probe.startsWith(`${service}:`)), `${d.behaviour} ${service}`).toMatchObject({ ok: false, error: expect.stringMatching(/^answered \d+ bytes that are not/) });
        const raw = found.services?.find((x) => x.service === service)?.rawResponse ?? '';
        expect(raw.length, `${d.behaviour} ${service}`).toBeLessThanOrEqual(4 * 1024);
      }
      expect(report.devices[0].services?.[0].rawResponse).toContain('&a;&a;'); // the entity declaration, never expanded
      expect(report.devices[2].services?.[0].rawResponse).toMatch(/^ \\x00\\x00\\x00DHIP/);
    } finally {
      await sim.close();
    }
  }, 60_000);
});

describe('SNMP is asked only with a community', () => {
  it('sends nothing to an address without one, and asks where one is given', async () => {
    const host = '127.61.1.10';
    let datagrams = 0;
    await listenHttp(host, 80, page('snmp target'));
    await listenUdp(host, 161, () => { datagrams++; });
    const without = await scan([host]);
    expect(without.devices[0].probes.some((p) => /snmp/.test(p.probe))).toBe(false);
    const elsewhere = await scan([host], { snmpCommunityFor: (a) => (a === '127.61.1.99' ? 'public' : null) });
    expect(elsewhere.devices[0].probes.some((p) => /snmp/.test(p.probe))).toBe(false);
    expect(datagrams).toBe(0);
    // The listener does hear SNMP: with a community for this address, the request arrives (and gets no answer).
    const asked = await scan([host], { snmpCommunityFor: () => 'public' });
    expect(datagrams).toBeGreaterThan(0);
    expect(asked.devices[0].probes.find((p) => /snmp/.test(p.probe))).toMatchObject({ ok: false, error: expect.stringMatching(/no answer/) });
    expect(asked.devices[0].snmpSysDescr).toBeUndefined();
  }, 60_000);
});

describe('UPnP LOCATION on another address', () => {
  it('is recorded but never fetched, even inside the allowed range', async () => {
    const host = '127.61.1.20';
    const other = '127.61.1.21';
    let fetched = 0;
    await listenHttp(host, 80, page('upnp target'));
    await listenUdp(host, 1900, (msg, reply) => {
      if (msg.toString('latin1').startsWith('M-SEARCH')) {
        reply(`HTTP/1.1 200 OK\r\nEXT:\r\nLOCATION: http://${other}:49152/desc.xml\r\nSERVER: Linux/4.4, UPnP/1.0, Elsewhere/1.0\r\nST: upnp:rootdevice\r\n\r\n`);
      }
    });
    await listenHttp(other, 49152, (_req, res) => { fetched++; res.end('<root><device><manufacturer>Elsewhere</manufacturer></device></root>'); });
    const r = await scan([host]);
    const found = r.devices[0];
    expect(found.upnpServer).toBe('Linux/4.4, UPnP/1.0, Elsewhere/1.0');
    expect(found.upnpManufacturer).toBeUndefined();
    expect(found.probes.find((p) => p.probe === 'upnp description')).toMatchObject({ ok: false, error: expect.stringMatching(/^not followed/) });
    expect(fetched).toBe(0);
  }, 30_000);
});

describe('hostile answers are cut to size', () => {
  it('bounds an endless page, an oversized favicon, a flooding telnet server and an oversized SSDP header', async () => {
    const host = '127.61.1.30';
    await listenHttp(host, 80, (req, res) => {
      res.writeHead(200, { 'Content-Type': req.url === '/favicon.ico' ? 'image/x-icon' : 'text/html', Server: 'flood-httpd' });
      const chunk = Buffer.alloc(16 * 1024, req.url === '/favicon.ico' ? 0x01 : 0x41);
      const pump = () => { while (!res.destroyed && res.write(chunk)); };
      res.on('drain', pump);
      pump();
    });
    await listenTcp(host, 23, (s) => {
      // Endless option negotiation mixed with text, never a prompt.
      const chunk = Buffer.concat([Buffer.from([255, 253, 1, 255, 251, 3]), Buffer.from('x'.repeat(1000))]);
      const pump = () => { while (!s.destroyed && s.write(chunk)); };
      s.on('drain', pump);
      s.on('data', () => {});
      pump();
    });
    await listenUdp(host, 1900, (_msg, reply) => reply(`HTTP/1.1 200 OK\r\nSERVER: ${'S'.repeat(20_000)}\r\nLOCATION: http://${host}:1/x\r\n\r\n`));
    const r = await scan([host]);
    const found = r.devices[0];
    expect(found.httpServer).toBe('flood-httpd');
    expect(found.httpBody!.length).toBeLessThanOrEqual(64 * 1024);
    expect(found.httpBody!.length).toBeGreaterThan(1024);
    expect(found.faviconMd5).toBeUndefined();
    expect(found.probes.find((p) => /favicon/.test(p.probe))).toMatchObject({ ok: false, error: expect.stringMatching(/larger than/) });
    expect(found.telnetBanner!.length).toBeLessThanOrEqual(500);
    expect(found.upnpServer!.length).toBeLessThanOrEqual(300);
  }, 30_000);

  it('hashes a real favicon (MD5 and the Shodan hash of its wrapped base64) and reads the certificate of a device in doubt', async () => {
    const host = '127.61.1.40';
    const icon = crypto.randomBytes(3000);
    const handler: http.RequestListener = (req, res) => {
      if (req.url === '/favicon.ico') res.writeHead(200, { 'Content-Type': 'image/x-icon' }).end(icon);
      else page('icon host')(req, res);
    };
    await listenHttp(host, 80, handler);
    // A certificate made the simulator's way for a device that is no known make (its subject is its address).
    const keyPem = fs.readFileSync(new URL('../../tools/simulator/certs/key.pem', import.meta.url));
    const cert = makeCertificate({ make: 'generic', address: host, mac: '00:00:00:00:00:00', serial: 'icon-host' } as SimDevice, crypto.createPrivateKey(keyPem));
    const tlsServer = https.createServer({ key: keyPem, cert }, handler);
    await listenTcp(host, 443, (s) => tlsServer.emit('connection', s));
    const found = (await scan([host])).devices[0];
    expect(found.verdict.origin).toBeNull(); // nothing names a maker: the second round runs
    expect(found).toMatchObject({ x509Subject: `CN=${host}`, x509Issuer: `CN=${host}` });
    expect(found.probes.find((p) => p.probe === 'tls:443 certificate')).toMatchObject({ ok: true });
    // A web UI on HTTPS alone: the banner request's own certificate.
    const tlsOnly = '127.61.1.41';
    await listenTcp(tlsOnly, 443, (s) => tlsServer.emit('connection', s));
    const overTls = (await scan([tlsOnly])).devices[0];
    expect(overTls).toMatchObject({ httpTitle: 'icon host', x509Subject: `CN=${host}` });
    expect(overTls.probes.some((p) => p.probe === 'tls:443 certificate')).toBe(false);
    const b64 = icon.toString('base64');
    const wrapped = (b64.match(/.{1,76}/g) ?? []).map((l) => `${l}\n`).join('');
    expect(found.faviconMd5).toBe(crypto.createHash('md5').update(icon).digest('hex'));
    expect(found.faviconMmh3).toBe(murmur3x86_32(Buffer.from(wrapped)));
  }, 30_000);
});
