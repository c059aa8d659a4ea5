// A discovery scan: sweep the targets' TCP ports (and send each a unicast WS-Discovery Probe), then identify every
// host that answered — HTTP(S) banner, page, favicon, certificate and vendor paths, RTSP, ONVIF device service,
// WS-Discovery scopes, FTP/telnet banners, UPnP, SADP, DHIP, SNMP (with a community), the neighbour table's MAC —
// and ask the provenance engine who made it. Each host has its own deadline, so a
// hostile or stalled device costs only its own time; the scan's signal stops everything and keeps what was found.
import { setMaxListeners } from 'node:events';
import type { CompiledCatalogue } from '../domain/provenance';
import { identify } from '../domain/provenance';
import type { DeviceEvidence } from '../domain/provenance-types';
import { catalogueRuntime } from '../catalog/index';
import { normaliseMac } from '../domain/netaddr';
import { readServiceBanner, type BannerRead } from './banners';
import type { FaviconHashes } from './favicon';
import {
  bannerShortfall, checkPaths, describeError, httpRequest, readBanner, readCertificate, readFavicon,
  type BannerResult, type CertificateNames, type PathsResult,
} from './http';
import { NeighbourTable } from './neighbours';
import { queryDevice, type DeviceCredentials, type OnvifResult } from './onvif';
import { TokenBucket } from './rate';
import { rtspProbe } from './rtsp';
import { readSnmpSystem, type SnmpSystem } from './snmp';
import {
  DHIP_PORT, SADP_PORT, SSDP_PORT, dhipSearch, parseDhipAnswer, parseSadpAnswer, parseSsdpAnswer, parseUpnpDescription,
  rawResponse, sadpInquiry, sameDeviceLocation, ssdpSearch, udpExchange, type DeviceFacts, type UpnpDescription,
} from './udp';
import { ScopeGuard, type ScopeRefusal } from './scope';
import { DEFAULT_PORTS, sweep } from './tcp';
import { addresses, intToIpv4, mergeRanges, parseTarget, countAddresses, type TargetRange } from './targets';
import type { DiscoveredDevice, ScanReport } from './types';
import { WsDiscoveryClient, scopeValue, type ProbeMatch } from './wsdiscovery';
import { MAX_XML_BYTES } from './xml';

export const DEFAULTS = { rate: 2000, concurrency: 512, timeoutMs: 2000 } as const;

const HTTP_PORTS = [80, 8080, 8000, 8081, 88];
const HTTPS_PORTS = [443, 8443];
const RTSP_PORTS = [554, 8554];
const FTP_PORT = 21;
const TELNET_PORT = 23;
/** How long a UDP probe waits for its answer (a closed port answers at once, with ICMP port unreachable). */
const UDP_WAIT_MS = 1000;
/** A verdict this sure needs no vendor-path checks (a dozen more requests) to back it. */
const CONFIDENT = 0.95;

export interface ScanProgress {
  hostsTotal: number;
  hostsDone: number;
  devicesFound: number;
  /** Hosts finished per second, since the start. */
  hostsPerSecond: number;
  phase: 'sweep' | 'identify' | 'done';
}

export interface ScanOptions {
  /** Addresses, CIDR ranges or a-b ranges, as given. */
  targets: string[];
  /** Allowed ranges: targets outside are refused, and nothing outside is ever dialled. */
  allow: string[];
  ports?: number[];
  /** Packets/connections per second over all probes. */
  rate?: number;
  /** Connects in flight at once during the sweep. */
  concurrency?: number;
  /** Time one probe may take; a host's whole identification gets a few of these (see hostDeadlineMs). */
  timeoutMs?: number;
  hostDeadlineMs?: number;
  /** Login for ONVIF, per address (null: none for that address). */
  credentialsFor?: ((address: string) => Promise<DeviceCredentials | null>) | null;
  /** SNMP community for an address, or null: SNMP (sysDescr, sysObjectID) is asked only where this gives one. */
  snmpCommunityFor?: ((address: string) => string | null) | null;
  /**
   * Send a unicast WS-Discovery Probe to every target address during the sweep, not only to hosts with an open TCP
   * port. Finds ONVIF devices whose every port is outside the port list, at a price: one datagram per address (on a
   * LAN, an ARP request for every empty address; measured on loopback, ~50 µs of kernel time each, 3 s per /16).
   */
  wsdAll?: boolean;
  /** Also send a multicast WS-Discovery Probe on the local segment (answers from outside the scope are ignored). */
  multicast?: boolean;
  /** Local address for WS-Discovery (and its multicast interface). */
  bindAddress?: string;
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (p: ScanProgress) => void;
  onDevice?: (d: DiscoveredDevice) => void;
  /** The catalogue to identify with (default: the shipped one). */
  compiled?: CompiledCatalogue;
}

export class ScopeRefusedError extends Error {
  constructor(readonly refusals: ScopeRefusal[]) {
    super(refusals.map((r) => r.reason).join('\n'));
  }
}

/** Parses the targets and checks each against the allowed ranges; throws TargetError or ScopeRefusedError. */
export function planTargets(targets: string[], allow: string[]): { guard: ScopeGuard; ranges: TargetRange[] } {
  const guard = new ScopeGuard(allow);
  const parsed = targets.map(parseTarget);
  const { refused } = guard.partition(parsed);
  if (refused.length) throw new ScopeRefusedError(refused);
  return { guard, ranges: mergeRanges(parsed) };
}

interface HostWork { address: string; ports: number[]; match: ProbeMatch | null }

/** Runs a whole scan and returns its report (also when interrupted: then `interrupted` is true). */
export async function runScan(o: ScanOptions): Promise<ScanReport> {
  const startedAt = new Date().toISOString();
  const { guard, ranges } = planTargets(o.targets, o.allow);
  const ports = o.ports ?? DEFAULT_PORTS;
  const timeoutMs = o.timeoutMs ?? DEFAULTS.timeoutMs;
  const hostDeadlineMs = o.hostDeadlineMs ?? timeoutMs * 3;
  const rate = o.rate ?? DEFAULTS.rate;
  const concurrency = o.concurrency ?? DEFAULTS.concurrency;
  // The catalogue is compiled when the first host needs identifying: a sweep that finds nothing never pays for it
  // (about 0.5 s of CPU at start-up, a twentieth of a /16 sweep's).
  let compiledCatalogue = o.compiled;
  const engine = () => (compiledCatalogue ??= catalogueRuntime().compiled);
  const limiter = new TokenBucket(rate);
  // One internal signal for the whole scan (linked to the caller's), and one per host: every in-flight request
  // listens on them, so their listener count is the number of requests, not a leak.
  const stop = new AbortController();
  const signal = stop.signal;
  setMaxListeners(0, signal);
  if (o.signal?.aborted) stop.abort(o.signal.reason);
  o.signal?.addEventListener('abort', () => stop.abort(o.signal!.reason), { once: true });
  const total = countAddresses(ranges);
  const t0 = performance.now();

  const devices = new Map<string, DiscoveredDevice>();
  const work = new Map<string, HostWork>();
  const cutShort = new Map<string, string>(); // hosts whose identification a stop interrupted, and why
  const queue: HostWork[] = [];
  let hostsDone = 0;
  let phase: ScanProgress['phase'] = 'sweep';
  const progress = () => o.onProgress?.({
    hostsTotal: total, hostsDone, devicesFound: work.size, phase,
    hostsPerSecond: hostsDone / Math.max(0.001, (performance.now() - t0) / 1000),
  });

  const wsd = new WsDiscoveryClient({ accept: (a) => guard.allows(a), bindAddress: o.bindAddress });
  const neighbours = new NeighbourTable();
  const take = () => limiter.take(1, signal);

  // Identification runs beside the sweep, a bounded number of hosts at a time.
  const identifyLimit = Math.max(4, Math.min(128, Math.floor(concurrency / 8)));
  let running = 0;
  let idle: (() => void) | null = null;
  const schedule = () => {
    while (running < identifyLimit && queue.length && !signal.aborted) {
      const h = queue.shift()!;
      running++;
      identifyHost(h).then((d) => {
        devices.set(d.address, d);
        o.onDevice?.(d);
      }, (e: unknown) => {
        // Only a stop can get here (every probe catches its own errors): the host is reported below as cut short.
        cutShort.set(h.address, signal.aborted ? 'cut short: the scan was stopped' : `identification failed: ${describeError(e)}`);
      }).finally(() => { running--; schedule(); if (!running && (!queue.length || signal.aborted)) idle?.(); });
    }
  };
  const found = (address: string, openPorts: number[], match: ProbeMatch | null) => {
    let w = work.get(address);
    if (w) { if (openPorts.length) w.ports = openPorts; return; }
    w = { address, ports: openPorts, match };
    work.set(address, w);
    // Compiled before the first host's first probe goes out: compiling blocks the event loop (0.3-0.4 s of CPU,
    // seconds on a busy machine), and libuv runs expired timers before it reads sockets, so a probe in flight
    // meanwhile could time out with its answer already waiting to be read.
    engine();
    queue.push(w);
    schedule();
  };
  // A WS-Discovery answer from a host with no open port (or a multicast answer) is a device too, once the sweep
  // has had its say about the host's ports: queued after the sweep.
  const lateMatches = new Set<string>();
  wsd.onMatch = (address) => { if (!work.has(address)) lateMatches.add(address); };

  /**
   * Identifies one host in two rounds. First the cheap answers, in parallel: WS-Discovery (already asked during the
   * sweep), the web banner (with its certificate over HTTPS), RTSP OPTIONS (and DESCRIBE), ONVIF device information,
   * FTP and telnet banners, and one datagram each for SSDP, SADP and DHIP (and SNMP where a community is given).
   * Then, only when those leave doubt (no maker, confidence under CONFIDENT, or contradicting evidence such as a
   * relabel), the vendor-path checks, which cost a dozen requests, the favicon and the TLS certificate: requests
   * are spent where the answer is uncertain.
   */
  const identifyHost = async (h: HostWork): Promise<DiscoveredDevice> => {
    const hostSignal = AbortSignal.any([signal, AbortSignal.timeout(hostDeadlineMs)]);
    setMaxListeners(0, hostSignal);
    const probes: DiscoveredDevice['probes'] = [];
    const failure = (e: unknown) => (hostSignal.aborted && !signal.aborted ? `host deadline (${hostDeadlineMs} ms) reached` : describeError(e));
    /**
     * Runs one probe step and reports it. `judge` says whether an answer is usable: null when it is, else what came
     * instead ("answered 404, no Server header"); such a step is reported as not ok, but its answer is still kept.
     */
    const timed = async <T>(name: string, fn: () => Promise<T>, judge?: (v: T) => string | null, got?: (v: T) => string | null): Promise<T | null> => {
      const s = performance.now();
      try {
        const v = await fn();
        const shortfall = judge?.(v) ?? null;
        const summary = shortfall ? null : got?.(v);
        probes.push({ probe: name, ok: !shortfall, ms: Math.round(performance.now() - s), ...(shortfall ? { error: shortfall } : {}), ...(summary ? { got: summary.slice(0, 160) } : {}) });
        return v;
      } catch (e) {
        probes.push({ probe: name, ok: false, ms: Math.round(performance.now() - s), error: failure(e) });
        return null;
      }
    };
    const open = new Set(h.ports);
    const httpPort = HTTP_PORTS.find((p) => open.has(p));
    const httpsPort = HTTPS_PORTS.find((p) => open.has(p));
    const rtspPort = RTSP_PORTS.find((p) => open.has(p));
    const web = (port: number, tls: boolean) => ({ host: h.address, port, tls, timeoutMs, signal: hostSignal, beforeRequest: take });
    const udpWait = Math.min(timeoutMs, UDP_WAIT_MS);

    // WS-Discovery: a Probe now (with wsdAll the sweep sent one already: this one covers a lost datagram).
    const wsdTask = (async () => {
      if (h.match) return h.match;
      if (!wsd.matches.has(h.address) && !wsd.errors.has(h.address)) { await take(); wsd.probe(h.address); }
      return wsd.waitFor(h.address, Math.min(timeoutMs, 1000), hostSignal);
    })().catch(() => null); // stopped while waiting for a token: no ProbeMatch
    const macTask = neighbours.macOf(h.address).catch(() => null);
    const bannerGot = (b: BannerResult) => [b.server && `Server "${b.server}"`, b.title && `title "${b.title}"`, b.realm && `realm "${b.realm}"`].filter(Boolean).join(', ') || `answered ${b.status}`;
    const readWebBanner = (name: string, t: Parameters<typeof readBanner>[0]) => timed<BannerResult>(name, () => readBanner(t), bannerShortfall, bannerGot);
    // The web banner over HTTP; over HTTPS only when there is no plain HTTP port or it did not answer. A device
    // that has not answered plain HTTP within a quarter of the timeout is asked over HTTPS at once as well (a hedged
    // request), so a stalled web server costs one timeout, not two in a row; a prompt answer cancels the hedge.
    const bannerTask = (async (): Promise<{ banner: BannerResult; tls: boolean } | null> => {
      const over = (tls: boolean) => (b: BannerResult | null) => (b ? { banner: b, tls } : null);
      if (httpPort === undefined) return httpsPort === undefined ? null : readWebBanner(`https:${httpsPort} banner`, web(httpsPort, true)).then(over(true));
      if (httpsPort === undefined) return readWebBanner(`http:${httpPort} banner`, web(httpPort, false)).then(over(false));
      let tlsTask: Promise<BannerResult | null> | null = null;
      let timer: NodeJS.Timeout | undefined;
      const hedge = new AbortController();
      const hedged = AbortSignal.any([hostSignal, hedge.signal]);
      const startTls = () => (tlsTask ??= readWebBanner(`https:${httpsPort} banner`, { ...web(httpsPort, true), signal: hedged, beforeRequest: () => limiter.take(1, hedged) }));
      // The clock starts once the plain request has its token: at a gentle --rate the wait for it is not the device's.
      const plain = await readWebBanner(`http:${httpPort} banner`, {
        ...web(httpPort, false), beforeRequest: async () => { await take(); timer ??= setTimeout(startTls, Math.max(50, timeoutMs / 4)); },
      });
      clearTimeout(timer);
      if (plain) {
        // (Set by the timer's callback, which the compiler does not follow.)
        const hedgedTask = tlsTask as Promise<BannerResult | null> | null;
        if (hedgedTask) {
          // Its "aborted" line would only confuse the report.
          hedge.abort();
          const tlsBanner = await hedgedTask;
          const i = probes.findIndex((x) => x.probe === `https:${httpsPort} banner`);
          if (i >= 0 && !tlsBanner) probes.splice(i, 1);
          // Both answered: the plain page is the banner, the TLS answer still gave its certificate.
          if (tlsBanner?.certificate) return { banner: { ...plain, certificate: tlsBanner.certificate }, tls: false };
        }
        return { banner: plain, tls: false };
      }
      return startTls().then(over(true));
    })();
    const rtspTask = rtspPort === undefined ? Promise.resolve(null) : (async () => {
      const s = performance.now();
      try {
        await take();
        const r = await rtspProbe(h.address, rtspPort, timeoutMs, hostSignal, take);
        const ms = Math.round(performance.now() - s);
        const o = r.options;
        probes.push(o.server || o.realm
          ? { probe: `rtsp:${rtspPort} OPTIONS`, ok: true, ms, got: [o.server && `Server "${o.server}"`, o.realm && `realm "${o.realm}"`].filter(Boolean).join(', ') }
          : { probe: `rtsp:${rtspPort} OPTIONS`, ok: false, ms, error: `answered ${o.status}, no Server header or realm` });
        const d = r.describe;
        if (d instanceof Error) probes.push({ probe: `rtsp:${rtspPort} DESCRIBE`, ok: false, ms, error: failure(d) });
        else if (d) {
          probes.push(d.realm || (d.server && !o.server)
            ? { probe: `rtsp:${rtspPort} DESCRIBE`, ok: true, ms, got: [d.server && `Server "${d.server}"`, d.realm && `realm "${d.realm}"`].filter(Boolean).join(', ') }
            : { probe: `rtsp:${rtspPort} DESCRIBE`, ok: false, ms, error: `answered ${d.status}, no realm${d.server ? '' : ' or Server header'}` });
        }
        return r;
      } catch (e) {
        probes.push({ probe: `rtsp:${rtspPort} OPTIONS`, ok: false, ms: Math.round(performance.now() - s), error: failure(e) });
        return null;
      }
    })();
    // FTP and telnet speak first. When the sweep's port list had them, only an open port is asked; otherwise the
    // host found by the sweep is asked directly (a refused connect costs one round trip, not a sweep of every address).
    const bannerPort = (kind: 'ftp' | 'telnet', port: number) => (ports.includes(port) && !open.has(port) ? Promise.resolve(null)
      : timed<BannerRead>(`${kind}:${port} banner`, async () => { await take(); return readServiceBanner(kind, h.address, port, timeoutMs, hostSignal); }, undefined, (b) => `"${b.banner.slice(0, 100)}"`));
    const ftpTask = bannerPort('ftp', FTP_PORT);
    const telnetTask = bannerPort('telnet', TELNET_PORT);
    // UDP: each a datagram to this address only.
    const udp = <T>(name: string, port: number, payload: () => Buffer, parse: (m: Buffer) => T | null, what: string, got: (v: T) => string) =>
      timed<{ msg: Buffer; parsed: T | null }>(`${name}:${port}`, async () => {
        await take();
        const msg = await udpExchange(h.address, port, payload(), udpWait, hostSignal);
        return { msg, parsed: parse(msg) };
      }, (r) => (r.parsed ? null : `answered ${r.msg.length} bytes that are not ${what}`), (r) => got(r.parsed!));
    const factsGot = (f: DeviceFacts) => [f.model && `model ${f.model}`, f.serial && `serial ${f.serial}`, f.mac && `MAC ${f.mac}`].filter(Boolean).join(', ') || 'an answer without model, serial or MAC';
    const upnpTask = (async () => {
      const r = await udp('ssdp', SSDP_PORT, () => ssdpSearch(h.address), parseSsdpAnswer, 'an SSDP answer',
        (a) => `SERVER "${a.server ?? '-'}", LOCATION ${a.location ?? '-'}`);
      const answer = r?.parsed;
      if (!answer?.location) return answer ? { answer, description: null } : null;
      const at = sameDeviceLocation(answer.location, h.address);
      if (!at) {
        probes.push({ probe: 'upnp description', ok: false, ms: 0, error: `not followed: LOCATION ${answer.location.slice(0, 100)} is not on this device` });
        return { answer, description: null };
      }
      const description = await timed<UpnpDescription>(`upnp description (http:${at.port})`, async () => {
        await take();
        const res = await httpRequest({ host: h.address, port: at.port, path: at.path, timeoutMs, signal: hostSignal, maxBody: MAX_XML_BYTES });
        if (res.status !== 200) throw new Error(`answered ${res.status}`);
        if (res.truncated) throw new Error(`description larger than ${MAX_XML_BYTES} bytes, not read`);
        return parseUpnpDescription(res.body.toString('utf8'));
      }, (d) => (d.manufacturer || d.modelName ? null : 'description without manufacturer or modelName'), (d) => `${d.manufacturer ?? '-'} ${d.modelName ?? ''}`);
      return { answer, description };
    })();
    const sadpTask = udp('sadp', SADP_PORT, sadpInquiry, parseSadpAnswer, 'a SADP ProbeMatch', factsGot);
    const dhipTask = udp('dhip', DHIP_PORT, dhipSearch, parseDhipAnswer, 'a DHIP device answer', factsGot);
    // SNMP only with a community the user gave for this address (and the address in scope): nothing is sent otherwise.
    const snmpTask = (async () => {
      const community = o.snmpCommunityFor && guard.allows(h.address) ? o.snmpCommunityFor(h.address) : null;
      if (!community) return null;
      return timed<SnmpSystem>('snmp:161 system', async () => { await take(); return readSnmpSystem(h.address, community, udpWait, hostSignal); },
        undefined, (v) => `sysDescr "${(v.sysDescr ?? '-').slice(0, 80)}"`);
    })();
    const onvifTask = (async (): Promise<OnvifResult | null> => {
      // The device service is where WS-Discovery says (if on this device), else the usual path on the web port.
      const match = await wsdTask;
      const endpoint = onvifEndpoint(h.address, match, httpPort, httpsPort);
      if (!endpoint) return null;
      const knownMac = (await macTask) ?? scopeValue(match?.scopes ?? [], 'mac');
      const creds = o.credentialsFor ? await o.credentialsFor(h.address).catch(() => null) : null;
      const s = performance.now();
      try {
        const r = await queryDevice({ ...endpoint, timeoutMs, signal: hostSignal, beforeRequest: take }, creds, guard.allows(h.address), !knownMac);
        probes.push(...r.steps);
        return r;
      } catch (e) {
        probes.push({ probe: 'onvif', ok: false, ms: Math.round(performance.now() - s), error: describeError(e) });
        return null;
      }
    })();
    const [match, firstWeb, rtsp, onvif, mac, ftp, telnet, upnp, sadp, dhip, snmpSystem] = await Promise.all([
      wsdTask, bannerTask, rtspTask, onvifTask, macTask, ftpTask, telnetTask, upnpTask, sadpTask, dhipTask, snmpTask]);
    // The favicon, and the certificate when the banner came over plain HTTP: asked in the second round, on the port
    // whose banner answered.
    let extras: { favicon: FaviconHashes | null; certificate: CertificateNames | null } = { favicon: null, certificate: null };
    const extrasTask = async () => {
      if (!firstWeb || hostSignal.aborted) return extras;
      const port = firstWeb.tls ? httpsPort! : httpPort!;
      const [favicon, certificate] = await Promise.all([
        timed<FaviconHashes>(`${firstWeb.tls ? 'https' : 'http'}:${port} favicon`, () => readFavicon(web(port, firstWeb.tls)), undefined, (f) => `md5 ${f.faviconMd5}, mmh3 ${f.faviconMmh3}`),
        httpsPort === undefined || firstWeb.banner.certificate ? null
          : timed<CertificateNames>(`tls:${httpsPort} certificate`, async () => { await take(); return readCertificate(h.address, httpsPort, timeoutMs, hostSignal); },
            (c) => (c.subject || c.issuer ? null : 'certificate without subject or issuer'), (c) => `subject ${c.subject ?? '-'}`),
      ]);
      return { favicon, certificate };
    };
    const firstBanner = firstWeb?.banner ?? null;
    let banner = firstBanner;
    const sadpFacts = sadp?.parsed ?? null;
    const dhipFacts = dhip?.parsed ?? null;
    const services = [
      ...(sadp ? [{ service: 'sadp', port: SADP_PORT, rawResponse: rawResponse(sadp.msg) }] : []),
      ...(dhip ? [{ service: 'dhip', port: DHIP_PORT, rawResponse: rawResponse(dhip.msg) }] : []),
    ];

    const evidenceFrom = (paths: PathsResult | null): DeviceEvidence => {
      const scopes = match?.scopes ?? [];
      const info = onvif?.info ?? null;
      const vendor = paths?.info ?? {};
      const told = sadpFacts ?? dhipFacts; // what a vendor discovery protocol said about the device
      const realms = [banner?.realm, rtsp?.realm].filter((r): r is string => !!r);
      const certificate = banner?.certificate ?? extras.certificate;
      return {
        model: info?.model ?? vendor.model ?? told?.model ?? scopeValue(scopes, 'hardware'),
        firmware: info?.firmwareVersion ?? vendor.firmware ?? told?.firmware ?? null,
        serial: info?.serialNumber ?? vendor.serial ?? told?.serial ?? null,
        // The neighbour table is the device's own MAC; what the device reports about itself comes after.
        mac: canonicalMac(mac ?? onvif?.mac ?? vendor.mac ?? told?.mac ?? scopeValue(scopes, 'mac')),
        httpServer: banner?.server ?? null,
        httpTitle: banner?.title ?? null,
        httpPaths: paths?.answered ?? [],
        rtspServer: rtsp?.server ?? null,
        onvif: info,
        scopes,
        ...(realms.length ? { realm: realms[0], realms: [...new Set(realms)] } : {}),
        ...optional({
          wwwAuthenticate: banner?.wwwAuthenticate ?? rtsp?.wwwAuthenticate,
          httpBody: banner?.body,
          faviconMd5: extras.favicon?.faviconMd5,
          faviconMmh3: extras.favicon?.faviconMmh3,
          x509Subject: certificate?.subject,
          x509Issuer: certificate?.issuer,
          ftpBanner: ftp?.banner,
          telnetBanner: telnet?.banner,
          upnpServer: upnp?.answer.server,
          upnpManufacturer: upnp?.description?.manufacturer,
          upnpModelName: upnp?.description?.modelName,
          snmpSysDescr: snmpSystem?.sysDescr,
          snmpSysObjectId: snmpSystem?.sysObjectId,
        }),
        ...(services.length ? { services } : {}),
      };
    };
    let evidence = evidenceFrom(null);
    let verdict = identify(engine(), evidence);
    const webPort = httpPort ?? httpsPort;
    // A host that answered none of the first round (every probe failed or timed out) is stalled or not a device
    // at all: asking a dozen vendor paths would only cost it another timeout.
    const answeredAnything = !!(match || firstBanner || rtsp || onvif?.info || onvif?.steps.some((st) => st.ok) || (onvif && onvif.auth !== 'anonymous')
      || ftp || telnet || upnp || sadp || dhip || snmpSystem);
    if (webPort !== undefined && !hostSignal.aborted && !answeredAnything) {
      probes.push({ probe: `http:${webPort} vendor paths`, ok: false, ms: 0, error: 'skipped: the device answered none of the first probes' });
    } else if (webPort !== undefined && !hostSignal.aborted) {
      if (verdict.origin === null || verdict.confidence < CONFIDENT || verdict.conflicts.length) {
        // In doubt: the vendor paths, favicon and certificate, and the banner once more if it did not come (a busy
        // device may have been slow).
        const [paths, retried, more] = await Promise.all([
          timed<PathsResult>(`http:${webPort} vendor paths`, () => checkPaths(web(webPort, httpPort === undefined)),
            (p) => (p.answered.length ? null : `no vendor path answered differently from a missing page (which got ${p.canaryStatus})`), (p) => p.answered.join(' ')),
          banner ? null : readWebBanner(`http:${webPort} banner (again)`, web(webPort, httpPort === undefined)),
          extrasTask(),
        ]);
        banner ??= retried;
        extras = more;
        evidence = evidenceFrom(paths);
        verdict = identify(engine(), evidence);
      } else {
        probes.push({ probe: `http:${webPort} vendor paths, favicon, certificate`, ok: false, ms: 0, error: `skipped: identified with confidence ${verdict.confidence} already` });
      }
    }

    probes.push({ probe: 'ws-discovery', ok: !!match, ms: 0, ...(match ? {} : { error: wsd.errors.get(h.address) ?? 'no ProbeMatch' }) });
    if (mac) probes.push({ probe: 'neighbour-table', ok: true, ms: 0 });
    if (signal.aborted) probes.push({ probe: 'identify', ok: false, ms: 0, error: 'cut short: the scan was stopped' });
    return {
      ...evidence,
      address: h.address,
      ports: h.ports,
      wsDiscovery: match ? { endpoint: match.endpoint, xaddrs: match.xaddrs, types: match.types } : null,
      probes,
      verdict,
      seenAt: new Date().toISOString(),
      ...(onvif ? { onvifAuth: onvif.auth, clockOffsetMs: onvif.clockOffsetMs } : {}),
    };
  };

  let interrupted = false;
  let sweepMs = 0;
  try {
    await wsd.start();
    if (o.multicast) await wsd.probeMulticast();
    const swept = await sweep(inScope(addresses(ranges), guard), {
      ports, timeoutMs, concurrency, workers: o.workers, limiter, extraTokensPerHost: o.wsdAll ? 1 : 0, signal,
    }, {
      // Otherwise each host found gets its Probe when its identification starts.
      onDispatch: o.wsdAll ? (batch) => { for (const n of batch) wsd.probe(intToIpv4(n)); } : undefined,
      onOpen: (host, openPorts) => found(intToIpv4(host), openPorts, null),
      onProgress: (n) => { hostsDone = n; progress(); },
    });
    hostsDone = swept.hostsDone;
    sweepMs = Math.round(performance.now() - t0);
    interrupted = swept.interrupted;
    phase = 'identify';
    progress();
    if (!signal.aborted && (o.wsdAll || o.multicast)) {
      // Late WS-Discovery answers (hosts with no open TCP port, multicast answers): only those probes can bring them.
      await new Promise((r) => setTimeout(r, Math.min(timeoutMs, 1000)));
      for (const a of [...lateMatches, ...wsd.matches.keys()]) if (!work.has(a) && guard.allows(a)) found(a, [], wsd.matches.get(a) ?? null);
    }
    if (running || queue.length) await new Promise<void>((resolve) => { idle = resolve; signal.addEventListener('abort', () => resolve(), { once: true }); });
    // Interrupted: hosts still being identified finish quickly (their signal aborted); hosts never started are
    // reported with their open ports and no identification.
    while (running) await new Promise<void>((resolve) => { idle = resolve; });
  } finally {
    wsd.close();
  }
  interrupted ||= signal.aborted;
  for (const w of work.values()) {
    if (devices.has(w.address)) continue;
    const evidence: DeviceEvidence = { scopes: w.match?.scopes ?? [] };
    devices.set(w.address, {
      ...evidence, address: w.address, ports: w.ports, wsDiscovery: null,
      probes: [{ probe: 'identify', ok: false, ms: 0, error: cutShort.get(w.address) ?? 'not run: the scan was stopped' }],
      verdict: identify(engine(), evidence), seenAt: new Date().toISOString(),
    });
  }
  phase = 'done';
  progress();
  const sorted = [...devices.values()].sort((a, b) => ipKey(a.address) - ipKey(b.address));
  return {
    tool: 'sightline-discover', formatVersion: 1, startedAt, finishedAt: new Date().toISOString(),
    targets: o.targets, ports, hostsScanned: hostsDone, interrupted, devices: sorted,
    timings: { sweepMs, totalMs: Math.round(performance.now() - t0) },
  };
}

/** The fields that have a value (a report carries no empty evidence). */
function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined && v !== '')) as Partial<T>;
}

/** MACs in one form (44:19:B6:01:02:03) so the register can compare them; an unreadable one is kept as given. */
function canonicalMac(mac: string | null | undefined): string | null {
  return mac ? normaliseMac(mac) ?? mac : null;
}

function ipKey(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** Defence in depth: the targets were checked as ranges, and every address is checked again before it is dialled. */
function* inScope(it: Iterator<number>, guard: ScopeGuard): Generator<number> {
  for (let n = it.next(); !n.done; n = it.next()) if (guard.allows(n.value)) yield n.value;
}

/** Where to ask the ONVIF device service: an XAddr on the same device and an open port, else the standard path. */
function onvifEndpoint(address: string, match: ProbeMatch | null, httpPort: number | undefined, httpsPort: number | undefined):
  { host: string; port: number; tls: boolean; path: string } | null {
  for (const x of match?.xaddrs ?? []) {
    try {
      const u = new URL(x);
      // A device pointing elsewhere (another address, a name) is not followed: the scope covers this address only.
      if (u.hostname !== address || !/^https?:$/.test(u.protocol)) continue;
      const tls = u.protocol === 'https:';
      return { host: address, port: Number(u.port || (tls ? 443 : 80)), tls, path: (u.pathname + u.search).slice(0, 300) || '/onvif/device_service' };
    } catch { /* not a URL */ }
  }
  if (httpPort !== undefined) return { host: address, port: httpPort, tls: false, path: '/onvif/device_service' };
  if (httpsPort !== undefined) return { host: address, port: httpsPort, tls: true, path: '/onvif/device_service' };
  return null;
}

/** The server's scheduled discovery entry point (src/modules/discovery, RunScan): same scan, server options. */
export async function runServerScan(targets: string[], options: {
  ports: number[]; rate: number; allow: string[];
  credentialsFor: ((address: string) => Promise<DeviceCredentials | null>) | null;
  heartbeat: () => Promise<void>;
}): Promise<ScanReport> {
  let last = 0;
  return runScan({
    targets, allow: options.allow, ports: options.ports, rate: options.rate, credentialsFor: options.credentialsFor,
    // A server shares its cores with the web app: one sweep thread.
    workers: 1, concurrency: Math.max(16, Math.min(512, options.rate)),
    onProgress: () => { if (performance.now() - last > 10_000) { last = performance.now(); void options.heartbeat().catch(() => {}); } },
  });
}
