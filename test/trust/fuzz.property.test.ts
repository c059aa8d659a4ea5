// Fuzzing (issue 14): property tests for every parser of untrusted input. Each case's input is bounded in size
// (maxLength below), so a hang or a blow-up shows as a fast-check timeout (per case) rather than a slow suite;
// the only error each parser may throw is its documented one. The routes are fuzzed on both engines: never a 500.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, type OrgFixture } from '../helpers/app';
import { multipart } from '../imports/files';
import { report, device } from '../discovery/server-fixtures';
import { parseDeviceXml, UnsafeXmlError } from '../../src/discovery/xml';
import { parseProbeMatches } from '../../src/discovery/wsdiscovery';
import { readDeviceInformation, readDeviceTime, readMac } from '../../src/discovery/onvif';
import { parseRtspHead } from '../../src/discovery/rtsp';
import { headerText, htmlTitle, readVendorInfo } from '../../src/discovery/http';
import { bannerText, escapeBytes, telnetFilter } from '../../src/discovery/banners';
import { FileError, openSheet } from '../../src/modules/imports/read';
import { runIdentify } from '../../src/cli/identify';
import { catalogueRuntime } from '../../src/catalog';

const RUNS = Number(process.env.SIGHTLINE_FUZZ_RUNS ?? 200);
/** Per case: a property taking longer than this is a hang (inputs are a few KiB at most). */
const CASE_TIMEOUT_MS = 5_000;
const opts = (numRuns = RUNS) => ({ numRuns, timeout: CASE_TIMEOUT_MS });

// ---- XML from devices (ONVIF, WS-Discovery, ISAPI) ----
const name = fc.constantFrom('Envelope', 'Header', 'Body', 'ProbeMatches', 'ProbeMatch', 'XAddrs', 'Scopes', 'Types', 'EndpointReference', 'Address', 'RelatesTo',
  'GetDeviceInformationResponse', 'Manufacturer', 'Model', 'FirmwareVersion', 'SerialNumber', 'HardwareId', 'GetNetworkInterfacesResponse', 'HwAddress',
  'GetSystemDateAndTimeResponse', 'UTCDateTime', 'Date', 'Time', 'Year', 'Month', 'Day', 'Hour', 'DeviceInfo', 'model', 'firmwareVersion', 'macAddress');
const prefix = fc.constantFrom('', 's:', 'tds:', 'd:', 'wsa:', 'ns2:');
const textNode = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('&amp;', '&lt;', ']]>', '<![CDATA[x]]>', '&#0;', '&#xFFFF;', '\u0000', '<!-- -->', '<?pi x?>', '0101', '-1', '99999999999999999999'));
const element: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
  el: fc.tuple(prefix, name, fc.array(fc.oneof({ depthSize: 'small', withCrossShrink: true }, textNode, tie('el')), { maxLength: 4 }), fc.boolean())
    .map(([p, n, kids, closed]) => `<${p}${n}>${kids.join('')}${closed ? `</${p}${n}>` : ''}`),
})).el;
const deviceXml = fc.oneof(
  element.map((e) => `<?xml version="1.0"?>${e}`),
  fc.string({ maxLength: 2000 }),
  fc.tuple(element, fc.nat({ max: 400 }), fc.string({ maxLength: 20 })).map(([e, at, junk]) => e.slice(0, at) + junk + e.slice(at)),
  fc.constantFrom('<!DOCTYPE x [<!ENTITY a "a">]><x>&a;</x>', '<a>'.repeat(200) + '</a>'.repeat(200), '<a b="1" b="2"/>', '<a:b:c/>', '\ufeff<x/>'),
);

describe('fuzz: device XML parsers', () => {
  it('parseDeviceXml returns an object or throws UnsafeXmlError, and the readers built on it never throw', () => {
    fc.assert(fc.property(deviceXml, (xml) => {
      let doc: Record<string, unknown>;
      try { doc = parseDeviceXml(xml); } catch (e) { expect(e).toBeInstanceOf(UnsafeXmlError); return; }
      readDeviceInformation(doc); readMac(doc);
      const t = readDeviceTime(doc);
      expect(t === null || t instanceof Date).toBe(true);
    }), opts());
  });
  it('parseProbeMatches gives bounded matches or throws UnsafeXmlError', () => {
    fc.assert(fc.property(deviceXml, (xml) => {
      try {
        const matches = parseProbeMatches(xml);
        expect(matches.length).toBeLessThanOrEqual(16);
        for (const m of matches) expect(m.xaddrs.length).toBeLessThanOrEqual(16);
      } catch (e) { expect(e).toBeInstanceOf(UnsafeXmlError); }
    }), opts());
  });
  it('readVendorInfo never throws on any ISAPI or magicBox body', () => {
    fc.assert(fc.property(fc.constantFrom('/ISAPI/System/deviceInfo', '/cgi-bin/magicBox.cgi?action=getSystemInfo', '/other'), fc.oneof(deviceXml, fc.string({ maxLength: 2000 })), (p, body) => {
      expect(typeof readVendorInfo(p, body)).toBe('object');
    }), opts());
  });
});

// ---- HTTP, RTSP and service banners ----
const headLine = fc.oneof(fc.string({ maxLength: 80 }), fc.tuple(fc.constantFrom('Server', 'WWW-Authenticate', 'server', 'X'), fc.string({ maxLength: 120 })).map(([k, v]) => `${k}: ${v}`),
  fc.string({ maxLength: 60 }).map((r) => `WWW-Authenticate: Digest realm="${r}", nonce="x"`));
const rtspHead = fc.tuple(fc.oneof(fc.constant('RTSP/1.0 200 OK'), fc.constant('RTSP/1.0 401 Unauthorized'), fc.string({ maxLength: 30 })), fc.array(headLine, { maxLength: 80 }), fc.constantFrom('\r\n', '\n'))
  .map(([first, lines, nl]) => [first, ...lines].join(nl));

describe('fuzz: banner parsers', () => {
  it('parseRtspHead returns null or a three-digit status with bounded fields', () => {
    fc.assert(fc.property(rtspHead, (head) => {
      const r = parseRtspHead(head);
      if (r === null) return;
      expect(r.status).toBeGreaterThanOrEqual(0);
      expect(r.status).toBeLessThan(1000);
      expect((r.server ?? '').length).toBeLessThanOrEqual(200);
      expect((r.realm ?? '').length).toBeLessThanOrEqual(120);
    }), opts());
  });
  it('htmlTitle, headerText and bannerText return bounded text without control characters, or null', () => {
    fc.assert(fc.property(fc.string({ maxLength: 4000 }), fc.array(fc.string({ maxLength: 300 }), { maxLength: 3 }), (html, headers) => {
      for (const v of [htmlTitle(html), htmlTitle(`<title>${html}</title>`), headerText(headers), headerText(headers[0]), bannerText(html)]) {
        if (v === null) continue;
        expect(v.length).toBeLessThanOrEqual(500);
        expect(v).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
      }
    }), opts());
  });
  it('telnetFilter and escapeBytes take any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
      const { text, replies } = telnetFilter(Buffer.from(bytes));
      expect(text.length + replies.length).toBeLessThanOrEqual(bytes.length * 3 + 3);
      expect(escapeBytes(Buffer.from(bytes)).length).toBeLessThanOrEqual(4 * 1024 + 8);
    }), opts());
  });
});

// ---- identify (JSON lines) ----
const deviceLike = fc.record({
  id: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()), brand: fc.option(fc.string({ maxLength: 30 })), model: fc.option(fc.string({ maxLength: 30 })),
  mac: fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.constant('44:19:B6:00:00:01'))), httpServer: fc.option(fc.string({ maxLength: 60 })),
  onvif: fc.option(fc.record({ manufacturer: fc.option(fc.string({ maxLength: 30 })) })), rawResponse: fc.option(fc.string({ maxLength: 200 })),
  services: fc.option(fc.array(fc.record({ service: fc.option(fc.string({ maxLength: 10 })), port: fc.option(fc.integer()) }), { maxLength: 4 })),
  faviconMmh3: fc.option(fc.oneof(fc.integer(), fc.string({ maxLength: 12 }), fc.double())),
}, { requiredKeys: [] });
const identifyLine = fc.oneof(deviceLike.map((d) => JSON.stringify(d)), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 200 }).map((s) => s.replace(/\n/g, ' ')));

describe('fuzz: identify input', () => {
  const compiled = catalogueRuntime().compiled;
  it('answers every non-blank line once, an error line or a verdict, and exits 0 or 1', async () => {
    await fc.assert(fc.asyncProperty(fc.array(identifyLine, { maxLength: 20 }), fc.integer({ min: 1, max: 64 }), async (lines, chunk) => {
      const input = lines.join('\n');
      const chunks: string[] = [];
      for (let i = 0; i < input.length; i += chunk) chunks.push(input.slice(i, i + chunk));
      const out = new PassThrough();
      const err = new PassThrough();
      const written: string[] = [];
      out.on('data', (c) => written.push(String(c)));
      err.resume();
      const code = await runIdentify({ input: Readable.from(chunks), out, err, compiled });
      expect([0, 1]).toContain(code);
      const answers = written.join('').split('\n').filter(Boolean);
      expect(answers.length).toBe(input.split('\n').filter((l) => l.replace(/\r$/, '').trim()).length);
      for (const a of answers) JSON.parse(a);
    }), opts(Math.ceil(RUNS / 2)));
  });
});

// ---- spreadsheet import reader ----
let dir: string;
let seedXlsx: Buffer;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-fuzz-'));
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Register');
  ws.addRow(['Serial number', 'Manufacturer', 'IP address']);
  for (let i = 0; i < 5; i++) ws.addRow([`S-${i}`, 'Hikvision', `10.0.0.${i}`]);
  seedXlsx = Buffer.from(await wb.xlsx.writeBuffer());
});
afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

async function readAll(bytes: Uint8Array | string): Promise<void> {
  const file = path.join(dir, `f-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, bytes);
  try {
    const sheet = await openSheet(file, {});
    let n = 0;
    for await (const _ of sheet.rows) if (++n > 10_000) break;
  } catch (e) {
    if (!(e instanceof FileError)) throw e;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const csvCell = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('"', '""', '"a,b"', '=1+1', '\r', '\n', ';', '\t', '\u0000', '\ufeff', 'é', '\ud800'));
const csvText = fc.array(fc.array(csvCell, { maxLength: 8 }), { maxLength: 30 }).map((rows) => rows.map((r) => r.join(',')).join('\n'));

describe('fuzz: spreadsheet import reader', () => {
  it('reads any text as CSV rows or refuses it with a FileError', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(csvText, fc.string({ maxLength: 3000 })), async (text) => { await readAll(text); }), opts());
  });
  it('reads any bytes or refuses them with a FileError', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => { await readAll(bytes); }), opts());
  });
  it('a real workbook with bytes flipped or cut is read or refused with a FileError', async () => {
    const mutation = fc.tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.option(fc.nat()));
    await fc.assert(fc.asyncProperty(mutation, async ([flips, cut]) => {
      const b = Buffer.from(seedXlsx);
      for (const [at, v] of flips) b[at % b.length] = v;
      await readAll(cut === null ? b : b.subarray(0, cut % b.length));
    }), opts(Math.ceil(RUNS / 2)));
  });
});

// ---- the routes that take these inputs: never a 500 ----
const reportShaped = fc.record({
  tool: fc.constantFrom('sightline-discover', 'x'), formatVersion: fc.oneof(fc.constant(1), fc.integer()), startedAt: fc.oneof(fc.constant('2026-11-20T10:00:00.000Z'), fc.string({ maxLength: 30 })),
  finishedAt: fc.constant('2026-11-20T10:01:00.000Z'), targets: fc.array(fc.oneof(fc.constant('127.45.0.0/24'), fc.string({ maxLength: 20 })), { maxLength: 3 }),
  ports: fc.array(fc.integer({ min: -5, max: 70000 }), { maxLength: 5 }), hostsScanned: fc.oneof(fc.nat(), fc.double()), interrupted: fc.boolean(),
  devices: fc.array(fc.oneof(
    fc.constant(device('127.45.0.9', { brand: 'HIKVISION', model: 'DS-2CD2143G2-I', mac: '44:19:B6:00:00:09' })),
    fc.record({ address: fc.oneof(fc.constant('127.45.0.7'), fc.string({ maxLength: 16 })), ports: fc.array(fc.integer(), { maxLength: 3 }), brand: fc.option(fc.string({ maxLength: 40 })), verdict: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
  ), { maxLength: 4 }),
}, { requiredKeys: [] });

describeEachDb('fuzz: upload routes never answer 500', (get) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  beforeAll(async () => {
    app = await createTestApp(get(), { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sl-fuzz-app-')) });
    org = await createOrgFixture(get(), 'fuzztown');
    await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '127.45.0.0/24' });
  });
  afterAll(async () => { await app?.close(); });

  it('POST /discovery/runs with any JSON, report-shaped or not', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(reportShaped, fc.jsonValue({ maxDepth: 4 })), async (body) => {
      const res = await api(app, org.tokens.engineer, 'POST', '/api/v1/discovery/runs', JSON.stringify(body));
      expect(res.status, res.res.body).toBeLessThan(500);
    }), opts(Math.ceil(RUNS / 4)));
    // The well-formed one is accepted, so the property above reached the ingest path, not only the schema.
    expect((await api(app, org.tokens.engineer, 'POST', '/api/v1/discovery/runs', report(['127.45.0.0/24'], [device('127.45.0.9', { brand: 'AXIS' })]))).status).toBe(201);
  });

  it('POST /imports with any file, and the import job, never fail with a 500 or an unexplained error', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(csvText.map((t) => Buffer.from(t)), fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b))), fc.constantFrom('r.csv', 'r.xlsx', 'r'), async (data, name) => {
      const { payload, headers } = multipart({ dryRun: 'true' }, { name, data });
      const res = await app.inject({ method: 'POST', url: '/api/v1/imports', payload, headers: { ...headers, authorization: `Bearer ${org.tokens.manager}` } });
      expect(res.statusCode, res.body).toBeLessThan(500);
      if (res.statusCode !== 202) return;
      await app.deps.jobs.drain();
      const run = (await api(app, org.tokens.manager, 'GET', `/api/v1/imports/${res.json().id}`)).json;
      expect(['previewed', 'failed', 'done']).toContain(run.state);
      if (run.state === 'failed') expect(run.error).not.toMatch(/problem with the service|internal/i);
    }), opts(Math.ceil(RUNS / 8)));
  });
});
