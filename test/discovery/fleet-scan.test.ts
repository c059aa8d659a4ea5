// A scan of a simulated fleet (127.42.0.0/24 only): every device found and identified as its configured maker,
// relabels seen through, hostile devices costing only their own time, and the report matching the upload contract.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEHAVIOURS, MAKES, expectedVerdict, generateFleet, type SimDevice } from '../../tools/simulator/fleet';
import { DEFAULT_CREDENTIALS, startSimulator, type Simulator } from '../../tools/simulator/server';
import { runScan } from '../../src/discovery/scan';
import type { ScanReport } from '../../src/discovery/types';
import { scanReport } from '../../src/modules/discovery/schemas';

const TIMEOUT_MS = 3000; // generous: the test machine is shared; a host gets 3 × this at most

describe('discover against a simulated fleet', () => {
  let fleet: SimDevice[];
  let sim: Simulator;
  let anonymous: ScanReport;
  let anonymousMs: number;

  beforeAll(async () => {
    // Every make twice (relabels included), 8 of them misbehaving in each of the 8 bad ways.
    fleet = generateFleet({ devices: 2 * MAKES.length, base: '127.42.0.1', seed: 7, misbehaving: 8 / (2 * MAKES.length) });
    sim = await startSimulator(fleet, { credentials: DEFAULT_CREDENTIALS });
    const t0 = performance.now();
    anonymous = await runScan({ targets: ['127.42.0.0/24'], allow: ['127.42.0.0/16'], timeoutMs: TIMEOUT_MS, rate: 20_000, concurrency: 256 });
    anonymousMs = performance.now() - t0;
  }, 120_000);
  afterAll(async () => { await sim?.close(); });

  it('covers every make and behaviour (the fixture is what the test claims)', () => {
    expect(new Set(fleet.map((d) => d.behaviour))).toEqual(new Set(BEHAVIOURS));
    expect(new Set(fleet.map((d) => d.make)).size).toBe(MAKES.length);
  });

  it('finds every device and nothing else, with its open ports', () => {
    expect(anonymous.hostsScanned).toBe(256);
    expect(anonymous.interrupted).toBe(false);
    expect(anonymous.devices.map((d) => d.address)).toEqual(fleet.map((d) => d.address));
    for (const d of fleet) {
      const found = anonymous.devices.find((x) => x.address === d.address)!;
      expect(found.ports, d.address).toEqual([80, 554, ...(d.https ? [443] : []), ...(d.vendorPort ? [d.vendorPort] : [])].sort((a, b) => a - b));
    }
  });

  it('identifies every device as its configured maker (100%), relabels included, without credentials', () => {
    const wrong = fleet.filter((d) => anonymous.devices.find((x) => x.address === d.address)?.verdict.origin !== expectedVerdict(d))
      .map((d) => `${d.address} ${d.make}/${d.behaviour}: got ${anonymous.devices.find((x) => x.address === d.address)?.verdict.origin}`);
    expect(wrong).toEqual([]);
    // Relabels: sold as LTS, Annke, Honeywell, Lorex, Amcrest; identified as their real maker.
    const relabels = fleet.filter((d) => d.label !== 'Hikvision' && d.label !== 'Dahua' && /^(hikvision|dahua)-/.test(d.make) && d.behaviour === 'normal');
    expect(relabels.length).toBeGreaterThanOrEqual(3);
    for (const d of relabels) {
      const got = anonymous.devices.find((x) => x.address === d.address)!;
      expect(got.verdict.origin, `${d.label} at ${d.address}`).toBe(d.expectedOrigin);
      expect(got.mac).toBe(d.mac.toUpperCase()); // from the WS-Discovery MAC scope (no ONVIF login, no neighbour entry on loopback)
    }
  });

  it('a hostile device costs only its own time: the scan ends within the per-host bound', () => {
    // Without per-host deadlines the stalled devices would hold the scan for the simulator's 60 s socket timeout.
    expect(anonymousMs).toBeLessThan(3 * TIMEOUT_MS * 2 + 15_000);
    const stalled = anonymous.devices.find((x) => x.address === fleet.find((d) => d.behaviour === 'stall')!.address)!;
    expect(stalled.probes.some((p) => !p.ok && /within|deadline/.test(p.error ?? ''))).toBe(true);
    const bomb = anonymous.devices.find((x) => x.address === fleet.find((d) => d.behaviour === 'entity-bomb')!.address)!;
    expect(bomb.probes.find((p) => p.probe === 'ws-discovery')?.error).toMatch(/DTD/);
    const headers = anonymous.devices.find((x) => x.address === fleet.find((d) => d.behaviour === 'huge-headers')!.address)!;
    expect(headers.httpServer).toBeNull();
  });

  it('without credentials, devices that want a login are still identified from everything else', () => {
    const hik = anonymous.devices.find((x) => x.address === fleet.find((d) => d.make === 'hikvision' && d.behaviour === 'normal')!.address)!;
    expect(hik.onvifAuth).toBe('no-credentials');
    expect(hik.onvif).toBeNull();
    expect(hik.httpServer).toBe('App-webs/'); // after following the redirect to the login page
    expect(hik.rtspServer).toBeNull(); // real Hikvision RTSP answers carry no Server header (nmap's Hikvision rtspd lines)
    expect(hik.verdict.confidence).toBeGreaterThan(0.95);
    // That sure, the dozen vendor-path requests are not spent; a doubtful device gets them.
    expect(hik.probes.find((p) => /vendor paths/.test(p.probe))?.error).toMatch(/^skipped/);
    const xm = anonymous.devices.find((x) => x.address === fleet.find((d) => d.make === 'xiongmai' && d.behaviour === 'normal')!.address)!;
    // Tried, and none of them exists on an XMeye device: reported as what it got, not as ok.
    const xmPaths = xm.probes.find((p) => /vendor paths/.test(p.probe))!;
    expect(xmPaths).toMatchObject({ ok: false, error: expect.stringMatching(/^no vendor path answered/) });
  });

  it('a catch-all web server (200 for every path) is not taken for every maker', () => {
    const generic = anonymous.devices.find((x) => x.address === fleet.find((d) => d.make === 'generic' && d.behaviour === 'normal')!.address)!;
    expect(generic.httpPaths).toEqual([]);
    expect(generic.verdict.origin).toBeNull();
  });

  it('the report is what the server accepts (the upload contract) and survives JSON', () => {
    const parsed = scanReport.safeParse(JSON.parse(JSON.stringify(anonymous)));
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))).toBe(true);
  });

  it('with credentials, reads ONVIF device information by WS-UsernameToken digest; the password never appears', async () => {
    const withCreds = await runScan({
      targets: ['127.42.0.1-20'], allow: ['127.42.0.0/16'], timeoutMs: TIMEOUT_MS, rate: 20_000, concurrency: 256,
      credentialsFor: async () => DEFAULT_CREDENTIALS,
    });
    const normal = fleet.filter((d) => d.behaviour === 'normal' && d.onvif && ipLast(d.address) <= 20);
    for (const d of normal) {
      const got = withCreds.devices.find((x) => x.address === d.address)!;
      expect(got.onvif?.manufacturer, `${d.address} ${d.make}`).toBe(d.manufacturer);
      expect(got.onvifAuth).toBe(d.onvifAuth ? 'digest' : 'anonymous');
      expect(got.mac?.toLowerCase()).toBe(d.mac.toLowerCase());
      expect(got.verdict.origin).toBe(d.expectedOrigin);
    }
    const honeywell = withCreds.devices.find((x) => x.onvif?.manufacturer === 'Honeywell');
    if (honeywell) expect(honeywell.verdict.origin).toBe('dahua'); // labelled Honeywell, made by Dahua
    expect(JSON.stringify(withCreds)).not.toContain(DEFAULT_CREDENTIALS.password);
  }, 120_000);

  it('with wsdAll, finds ONVIF devices by their WS-Discovery answer alone (no listed port open)', async () => {
    const targets = ['127.42.0.1-4'];
    const quiet = await runScan({ targets, allow: ['127.42.0.0/16'], ports: [9], timeoutMs: TIMEOUT_MS });
    expect(quiet.devices).toEqual([]); // port 9 is closed everywhere and nobody was asked over UDP
    const r = await runScan({ targets, allow: ['127.42.0.0/16'], ports: [9], timeoutMs: TIMEOUT_MS, wsdAll: true });
    const onvif = fleet.filter((d) => ipLast(d.address) <= 4 && d.onvif && !['silent', 'malformed', 'entity-bomb'].includes(d.behaviour));
    expect(r.devices.map((d) => d.address)).toEqual(onvif.map((d) => d.address));
    for (const d of r.devices) {
      expect(d.ports).toEqual([]);
      expect(d.verdict.origin).toBe(onvif.find((x) => x.address === d.address)!.expectedOrigin);
    }
  }, 60_000);

  it('wrong credentials are reported as rejected, and the device is still identified', async () => {
    const hik = fleet.find((d) => d.make === 'hikvision' && d.behaviour === 'normal')!;
    const r = await runScan({
      targets: [hik.address], allow: ['127.42.0.0/16'], timeoutMs: TIMEOUT_MS, credentialsFor: async () => ({ username: 'admin', password: 'wrong' }),
    });
    expect(r.devices[0].onvifAuth).toBe('rejected');
    expect(r.devices[0].verdict.origin).toBe('hikvision');
  }, 60_000);
});

function ipLast(a: string) { return Number(a.split('.')[3]); }
