// Issue 11, end to end: for every maker the public fingerprint corpus (test/fixtures/fingerprint-corpus.jsonl, from
// rapid7/recog and nmap-service-probes) names, a simulated device answering with one of that maker's real
// fingerprints is found by a scan and identified as that maker — through discovery's own probes (web banner and
// page, realm, RTSP, FTP/telnet banners, TLS certificate), with no ONVIF to lean on. PRC-NIL makers are covered with
// every fingerprint the simulator can serve, the others with one each. Only 127.73.0.0/24 is ever dialled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evidenceOf, kindsOf, loadFingerprintCorpus, type FingerprintCase } from '../../bench/fingerprint-score';
import { catalogueRuntime } from '../../src/catalog';
import { identify } from '../../src/domain/provenance';
import { runScan } from '../../src/discovery/scan';
import { DEFAULT_PORTS } from '../../src/discovery/tcp';
import type { ScanReport } from '../../src/discovery/types';
import { profileDevice, rng, type EvidenceProfile, type SimDevice } from '../../tools/simulator/fleet';
import { startSimulator, type Simulator } from '../../tools/simulator/server';

const TIMEOUT_MS = 3000; // generous: the test machine is shared

/** Evidence a profile device can serve as the real device does (see EvidenceProfile). */
const SERVABLE = new Set<string>(['httpServer', 'httpTitle', 'httpBody', 'realm', 'wwwAuthenticate', 'rtspServer', 'ftpBanner', 'telnetBanner', 'x509Subject', 'x509Issuer']);

/** Why a kind of evidence cannot be served (or read by discovery). */
const UNSERVABLE_BECAUSE: Record<string, string> = {
  faviconMd5: 'only the icon\'s hash is public, not its bytes',
  rawResponse: 'a raw answer with no port to serve it on, and discovery reads raw answers only from SADP and DHIP',
  dhcpVendorClass: 'discovery does not listen to DHCP',
  sipUserAgent: 'discovery does not speak SIP',
  snmpSysDescr: 'an SNMP case (the maker has servable ones)',
};

/**
 * Makers whose every clear case is out of reach, and why: this list is exactly what the corpus gives, so a maker
 * newly out of reach fails the test instead of disappearing silently.
 */
const NOT_SERVABLE: Record<string, string> = {
  'digital-watchdog': UNSERVABLE_BECAUSE.rawResponse,
  exacq: UNSERVABLE_BECAUSE.rawResponse,
  flir: UNSERVABLE_BECAUSE.faviconMd5,
  nuuo: UNSERVABLE_BECAUSE.rawResponse,
};

const corpus = loadFingerprintCorpus().filter((c) => c.clear);
const servable = (c: FingerprintCase) => kindsOf(c).every((k) => SERVABLE.has(k));

function profileOf(c: FingerprintCase): EvidenceProfile {
  const p: Record<string, string> = {};
  for (const k of SERVABLE) if (typeof c[k] === 'string') p[k] = c[k] as string;
  return p as EvidenceProfile;
}

/** The cases to serve: every servable one for PRC-NIL makers, the first servable one for every other maker. */
function pickCases(): { picked: FingerprintCase[]; unservable: Record<string, string> } {
  const byMaker = new Map<string, FingerprintCase[]>();
  for (const c of corpus) byMaker.set(c.expected.origin!, [...(byMaker.get(c.expected.origin!) ?? []), c]);
  const picked: FingerprintCase[] = [];
  const unservable: Record<string, string> = {};
  for (const [maker, cases] of [...byMaker].sort(([a], [b]) => a.localeCompare(b))) {
    const ok = cases.filter(servable);
    if (!ok.length) {
      const kinds = [...new Set(cases.flatMap(kindsOf).filter((k) => !SERVABLE.has(k)))];
      unservable[maker] = kinds.map((k) => UNSERVABLE_BECAUSE[k] ?? k).join('; ');
    } else picked.push(...(cases[0].expected.nilSubject ? ok : ok.slice(0, 1)));
  }
  return { picked, unservable };
}

const { picked, unservable } = pickCases();

describe('every maker of the fingerprint corpus, found and identified end to end', () => {
  let sim: Simulator | undefined;
  let report: ScanReport;
  let devices: { d: SimDevice; c: FingerprintCase }[];

  beforeAll(async () => {
    const r = rng(73);
    devices = picked.map((c, i) => ({ d: profileDevice(`127.73.0.${i + 1}`, profileOf(c), c.expected.origin, r), c }));
    sim = await startSimulator(devices.map((x) => x.d));
    const addresses = devices.map((x) => x.d.address);
    // FTP and telnet added to the default ports: a device whose only voice is its banner is found by them.
    report = await runScan({ targets: addresses, allow: addresses, ports: [...DEFAULT_PORTS, 21, 23], timeoutMs: TIMEOUT_MS, rate: 20_000, concurrency: 128 });
  }, 180_000);
  afterAll(async () => { await sim?.close(); });

  it('serves a case for every maker but the few whose fingerprints cannot be served', () => {
    expect(unservable).toEqual(NOT_SERVABLE);
    const makers = new Set(corpus.map((c) => c.expected.origin));
    expect(new Set(picked.map((c) => c.expected.origin))).toEqual(new Set([...makers].filter((m) => !(m! in NOT_SERVABLE))));
    expect(picked.length).toBeGreaterThan(50);
    // The PRC-NIL makers are there with all their servable fingerprints.
    const prc = new Set(picked.filter((c) => c.expected.nilSubject).map((c) => c.expected.origin));
    for (const m of ['hikvision', 'dahua', 'xiongmai', 'tvt', 'maygion', 'reecam', 'tp-link']) expect(prc).toContain(m);
  });

  it('the catalogue alone names each picked fingerprint\'s maker (so a miss below is discovery\'s)', () => {
    const rt = catalogueRuntime();
    const wrong = picked.filter((c) => identify(rt.compiled, evidenceOf(c)).origin !== c.expected.origin).map((c) => c.id);
    expect(wrong).toEqual([]);
  });

  it('finds every device and names its maker, with its PRC-NIL status, from the wire alone', () => {
    const found = new Map(report.devices.map((d) => [d.address, d]));
    const misses: string[] = [];
    for (const { d, c } of devices) {
      const got = found.get(d.address);
      const v = got?.verdict;
      if (!got || v?.origin !== c.expected.origin || v?.nilSubject !== c.expected.nilSubject) {
        const failed = got?.probes.filter((p) => !p.ok).map((p) => `${p.probe}: ${p.error}`).join('; ');
        misses.push(`${d.address}  ${c.id}  expected ${c.expected.origin} (nil ${c.expected.nilSubject})  got ${got ? `${v?.origin} (nil ${v?.nilSubject})` : 'not found'}`
          + `  [${kindsOf(c).join('+')}]  ${failed ?? ''}`);
      }
    }
    if (misses.length) console.log(`misses:\n${misses.join('\n')}`);
    expect(misses).toEqual([]);
    expect(report.devices).toHaveLength(devices.length);
    // Nothing but the fingerprint spoke: no ONVIF, no WS-Discovery, no MAC from a registered maker.
    const helped = report.devices.filter((d) => d.wsDiscovery || d.onvif?.manufacturer
      || d.verdict.evidence.some((e) => e.company && /^(onvif|scope|mac)/.test(e.kind)));
    expect(helped.map((d) => d.address)).toEqual([]);
  });

  it('reads each fingerprint as it was served (the evidence fields carry the case\'s strings)', () => {
    const found = new Map(report.devices.map((d) => [d.address, d]));
    const lost: string[] = [];
    for (const { d, c } of devices) {
      const got = found.get(d.address) as unknown as Record<string, unknown> | undefined;
      for (const k of ['httpServer', 'httpTitle', 'rtspServer'] as const) {
        // nmap keeps only the start of some pages ("<title>V.Networks"): a title never closed cannot be read back.
        const unclosed = k === 'httpTitle' && typeof c.httpBody === 'string' && !/<\/title>/i.test(c.httpBody);
        if (typeof c[k] === 'string' && !unclosed && got?.[k] !== c[k]) lost.push(`${c.id} ${k}: ${JSON.stringify(got?.[k])} ≠ ${JSON.stringify(c[k])}`);
      }
      // Discovery writes a name as "CN=…, O=…"; collections without the space.
      for (const k of ['x509Subject', 'x509Issuer'] as const) {
        const dn = (t: unknown) => String(t ?? '').replace(/,\s+/g, ',');
        if (typeof c[k] === 'string' && dn(got?.[k]) !== dn(c[k])) lost.push(`${c.id} ${k}: ${JSON.stringify(got?.[k])} ≠ ${JSON.stringify(c[k])}`);
      }
      const realms = (got?.realms as string[] | undefined) ?? [];
      if (typeof c.realm === 'string' && !realms.includes(c.realm)) lost.push(`${c.id} realm: ${JSON.stringify(realms)} lacks ${JSON.stringify(c.realm)}`);
      for (const k of ['ftpBanner', 'telnetBanner'] as const) {
        // Discovery folds a banner's control characters and runs of spaces into single spaces.
        const fold = (t: string) => t.replace(/\s+/g, ' ').trim();
        const first = typeof c[k] === 'string' ? fold((c[k] as string).split(/\r?\n/).find((l) => l.trim())!) : null;
        if (first && !fold(String(got?.[k] ?? '')).includes(first)) lost.push(`${c.id} ${k}: ${JSON.stringify(got?.[k])} lacks ${JSON.stringify(first)}`);
      }
    }
    expect(lost).toEqual([]);
  });
});
