// The simulated camera fleet: what each device is (make, relabel, model, firmware, MAC with a real OUI of its maker)
// and how it behaves (normal, slow, stalled, silent, malformed or hostile). Pure data, made from a seed, so a test or
// benchmark can build the same fleet the simulator serves and know what every device should be identified as.
import fs from 'node:fs';
import { catalogueRuntime } from '../../src/catalog/index';
import { buildOuiIndex } from '../../src/catalog/oui';

export const BEHAVIOURS = [
  'normal',
  'slow',          // every answer comes late (slowMs), still within a sensible timeout
  'stall',         // web and RTSP accept connections and never answer; WS-Discovery still answers
  'silent',        // ports open, nothing ever answered (not even WS-Discovery): found, not identifiable
  'malformed',     // ONVIF and WS-Discovery answer garbage XML
  'entity-bomb',   // ONVIF and WS-Discovery answer with a "billion laughs" DTD
  'endless-body',  // every HTTP answer is an endless body
  'huge-headers',  // every HTTP answer has 100 KB of headers
  'reset',         // web connections are reset on accept
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export const MAKES = [
  'hikvision', 'hikvision-nvr', 'hikvision-lts', 'hikvision-annke',
  'dahua', 'dahua-nvr', 'dahua-honeywell', 'dahua-lorex', 'dahua-amcrest',
  'uniview', 'axis', 'hanwha', 'bosch', 'xiongmai', 'generic',
  // Families nmap -sV has a signature for: a Hikvision Turbo HD DVR (DVRDVS-Webs) and Avigilon (AvigilonOnvifNvt RTSP).
  'hikvision-dvr', 'avigilon',
] as const;
/**
 * 'profile': a device made from one real fingerprint (EvidenceProfile), not from a make's description: it answers
 * exactly the strings the fingerprint shows and nothing else (no ONVIF, no favicon, no vendor paths).
 */
export type Make = (typeof MAKES)[number] | 'profile';

/** Evidence strings of one public fingerprint (test/fixtures/fingerprint-corpus.jsonl) a profile device serves. */
export interface EvidenceProfile {
  httpServer?: string; httpTitle?: string; httpBody?: string;
  /** The root page answers 401 with this realm (on RTSP instead when the fingerprint is an RTSP server's). */
  realm?: string; wwwAuthenticate?: string;
  rtspServer?: string; ftpBanner?: string; telnetBanner?: string;
  /** Certificate names as collections write them ("CN=…,O=…,C=…"); a device with one serves HTTPS on 443. */
  x509Subject?: string; x509Issuer?: string;
}

export interface PathAnswer { status: number; body?: string; contentType?: string }

export interface SimDevice {
  address: string;
  make: Make;
  /** The maker the provenance engine should name (company slug), or null for a device nothing identifies. */
  expectedOrigin: string | null;
  behaviour: Behaviour;
  /** Brand on the box (relabels carry the seller's name). */
  label: string;
  manufacturer: string; model: string; firmware: string; serial: string; hardwareId: string; mac: string;
  httpServer: string | null; httpTitle: string;
  /** Vendor paths that exist and what they answer; every other path is 404 (unless catchAll). */
  paths: Record<string, PathAnswer>;
  /** A web UI that answers 200 to every path (common on cheap devices): paths then prove nothing. */
  catchAll: boolean;
  rtspServer: string | null;
  https: boolean;
  vendorPort: number | null;
  /** Whether ONVIF GetDeviceInformation / GetNetworkInterfaces need a WS-UsernameToken digest. */
  onvifAuth: boolean;
  /** Whether the device speaks ONVIF at all (device service and WS-Discovery). */
  onvif: boolean;
  endpoint: string;
  scopes: string[];
  slowMs: number;
  /** Only for make 'profile': the fingerprint it serves. */
  profile?: EvidenceProfile;
}

/** Deterministic PRNG (mulberry32): the same seed gives the same fleet. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const hex = (r: () => number, n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('').toUpperCase();
const digits = (r: () => number, n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');

let prefixesByCompany: Map<string, string[]> | null = null;

/** MA-L prefixes the IEEE registry gives each company the catalogue knows (read from oui-data, never hand-copied). */
export function ouiPrefixes(company: string): string[] {
  if (!prefixesByCompany) {
    prefixesByCompany = new Map();
    for (const [prefix, e] of buildOuiIndex(catalogueRuntime().catalogue)) {
      const list = prefixesByCompany.get(e.company) ?? [];
      list.push(prefix);
      prefixesByCompany.set(e.company, list);
    }
    for (const list of prefixesByCompany.values()) list.sort();
  }
  return prefixesByCompany.get(company) ?? [];
}

/** A MAC with one of the company's registered prefixes; for null, a locally administered (unregistered) MAC. */
export function macFor(r: () => number, company: string | null): string {
  const prefixes = company ? ouiPrefixes(company) : [];
  if (company && !prefixes.length) throw new Error(`the OUI registry has no prefix for ${company}`);
  const p = company ? pick(r, prefixes) : `02${hex(r, 4)}`; // 0x02: locally administered, never in the registry
  return `${p}${hex(r, 6)}`.match(/.{2}/g)!.join(':');
}

const onvifScopes = (name: string, model: string, mac: string | null) => [
  'onvif://www.onvif.org/type/video_encoder', 'onvif://www.onvif.org/Profile/Streaming',
  `onvif://www.onvif.org/name/${encodeURIComponent(name)}`, `onvif://www.onvif.org/hardware/${encodeURIComponent(model)}`,
  'onvif://www.onvif.org/location/country/uk',
  ...(mac ? [`onvif://www.onvif.org/MAC/${mac.toLowerCase()}`] : []),
];

function uuid(r: () => number, tail?: string): string {
  const t = tail ?? hex(r, 12);
  return `urn:uuid:${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${t}`.toLowerCase();
}

/** Hikvision web paths; old firmware answers ISAPI deviceInfo without a login (`anonymousIsapi`). */
const hikPaths = (model: string, serial: string, fw: string, mac: string, anonymousIsapi: boolean): Record<string, PathAnswer> => ({
  '/ISAPI/System/deviceInfo': anonymousIsapi
    ? { status: 200, contentType: 'application/xml', body: `<?xml version="1.0" encoding="UTF-8"?><DeviceInfo version="2.0" xmlns="http://www.std-cgi.com/ver20/XMLSchema"><deviceName>IP CAMERA</deviceName><model>${model}</model><serialNumber>${serial}</serialNumber><macAddress>${mac.toLowerCase()}</macAddress><firmwareVersion>${fw.split(' ')[0]}</firmwareVersion><firmwareReleasedDate>${fw.split(' ').slice(1).join(' ')}</firmwareReleasedDate></DeviceInfo>` }
    : { status: 401 },
  '/SDK/webLanguage': { status: 200, body: '<?xml version="1.0" encoding="UTF-8"?><Language><type>en</type></Language>', contentType: 'application/xml' },
  '/doc/page/login.asp': { status: 200, body: '<html><head><title></title></head><body>login</body></html>', contentType: 'text/html' },
});
const dahuaPaths = (): Record<string, PathAnswer> => ({
  '/RPC2_Login': { status: 200, body: '{"error":{"code":268632079,"message":"Component error: login challenge!"},"id":1,"result":false}', contentType: 'application/json' },
  '/cgi-bin/magicBox.cgi': { status: 401 },
});

/** One device of the given make, at an address, with a behaviour (its RTSP realm: rtsp.ts rtspRealm). */
export function makeDevice(make: Make, address: string, behaviour: Behaviour, r: () => number): SimDevice {
  const base = { address, make, behaviour, catchAll: false, https: r() < 0.5, onvif: true, slowMs: 600 };
  const year = 2018 + Math.floor(r() * 6);
  switch (make) {
    case 'hikvision': case 'hikvision-nvr': case 'hikvision-lts': case 'hikvision-annke': case 'hikvision-dvr': {
      const mac = macFor(r, 'hikvision');
      const nvr = make === 'hikvision-nvr';
      const dvr = make === 'hikvision-dvr';
      const [label, manufacturer, model] = make === 'hikvision-lts' ? ['LTS', 'LTS', pick(r, ['CMIP3C42W-28M', 'CMIP7442W-28SR'])]
        : make === 'hikvision-annke' ? ['Annke', 'ANNKE', pick(r, ['I91BN', 'C800'])]
        : nvr ? ['Hikvision', 'HIKVISION', pick(r, ['DS-7616NI-K2', 'DS-7732NI-I4', 'DS-9632NI-I8'])]
        : dvr ? ['Hikvision', 'HIKVISION', pick(r, ['DS-7208HQHI-K1', 'DS-7216HUHI-K2'])]
        : ['Hikvision', 'HIKVISION', pick(r, ['DS-2CD2143G2-I', 'DS-2CD2T47G2-L', 'DS-2DE4425IW-DE'])];
      const firmware = `V${pick(r, ['5.7.3', '5.5.800', '4.30.085'])} build ${String(year % 100).padStart(2, '0')}${digits(r, 4)}`;
      const serial = `${model}${year}0314AAWR${hex(r, 9)}`; // Hikvision serials embed model and date, relabels too
      return {
        ...base, expectedOrigin: 'hikvision', label, manufacturer, model, firmware, serial, hardwareId: '88', mac,
        // LTS sells Hikvision's older firmware line, whose web server still says "Hikvision-Webs".
        httpServer: nvr ? 'DNVRS-Webs' : dvr ? 'DVRDVS-Webs' : make === 'hikvision-lts' ? 'Hikvision-Webs' : 'App-webs/', httpTitle: '',
        paths: hikPaths(model, serial, firmware, mac, r() < 0.3),
        rtspServer: null, vendorPort: 8000, onvifAuth: true, // Hikvision's RTSP answers carry no Server header (nmap, go2rtc#2232)
        // Hikvision's WS-Discovery endpoint UUID ends in the device MAC.
        endpoint: uuid(r, mac.replace(/:/g, '').toLowerCase()), scopes: onvifScopes(manufacturer, model, mac),
      };
    }
    case 'dahua': case 'dahua-nvr': case 'dahua-honeywell': case 'dahua-lorex': case 'dahua-amcrest': {
      const mac = macFor(r, 'dahua');
      const [label, manufacturer, model] = make === 'dahua-honeywell' ? ['Honeywell', 'Honeywell', pick(r, ['HC30W45R3', 'HC35W48R3'])]
        : make === 'dahua-lorex' ? ['Lorex', 'LOREX', pick(r, ['LNB8005', 'LNE8950AB'])]
        : make === 'dahua-amcrest' ? ['Amcrest', 'Amcrest', pick(r, ['IP8M-2496EW', 'IP4M-1041B'])]
        : make === 'dahua-nvr' ? ['Dahua', 'Dahua', pick(r, ['NVR4216-16P-4KS2', 'DHI-NVR4108HS-8P-4KS2'])]
        : ['Dahua', 'Dahua', pick(r, ['IPC-HFW2431S-S-S2', 'IPC-HDBW2431E-S', 'DH-IPC-HDW3849H-AS-PV'])];
      const serial = `${digits(r, 1)}${hex(r, 1)}0${hex(r, 4)}PAZ${digits(r, 5)}`;
      return {
        ...base, expectedOrigin: 'dahua', label, manufacturer, model, serial, hardwareId: '1.00', mac,
        firmware: `2.${pick(r, ['800', '622'])}.0000000.${Math.floor(r() * 40)}.R, Build Date: ${year}-07-21`,
        httpServer: null, httpTitle: 'WEB SERVICE', paths: dahuaPaths(), rtspServer: 'Dahua Rtsp Server',
        vendorPort: 37777, onvifAuth: true, endpoint: uuid(r), scopes: onvifScopes(manufacturer, model, mac),
      };
    }
    case 'uniview': {
      const mac = macFor(r, 'uniview');
      const model = pick(r, ['IPC322LB-DSF28K-G', 'IPC2124LR3-PF40M-D']);
      return {
        ...base, expectedOrigin: 'uniview', label: 'Uniview', manufacturer: 'UNIVIEW', model, firmware: `IPC_G6103-B0006P62D${digits(r, 4)}`,
        serial: `210235${hex(r, 12)}`, hardwareId: 'A', mac, httpServer: null, httpTitle: 'Web', paths: { '/LAPI/V1.0/System/DeviceInfo': { status: 401 } },
        rtspServer: 'Rtsp Server/2.0', vendorPort: null, onvifAuth: false, endpoint: uuid(r), scopes: onvifScopes('UNIVIEW', model, mac),
      };
    }
    case 'axis': {
      const mac = macFor(r, 'axis');
      const model = pick(r, ['P3245-LVE', 'Q6135-LE', 'M3106-L Mk II']);
      return {
        ...base, expectedOrigin: 'axis', label: 'Axis', manufacturer: 'AXIS', model: `AXIS ${model}`, firmware: pick(r, ['10.12.114', '9.80.3.8']),
        serial: mac.replace(/:/g, ''), hardwareId: hex(r, 3), mac, httpServer: 'Apache/2.4.27 (Unix) OpenSSL/1.0.2k', httpTitle: 'AXIS', // node-onvif#40
        paths: { '/axis-cgi/param.cgi': { status: 401 } }, rtspServer: null, vendorPort: null, onvifAuth: false,
        endpoint: uuid(r), scopes: onvifScopes('AXIS', model, null),
      };
    }
    case 'hanwha': {
      const mac = macFor(r, 'hanwha');
      const model = pick(r, ['XNV-6080R', 'XND-8081VZ', 'QNV-8080R']);
      return {
        ...base, expectedOrigin: 'hanwha', label: 'Hanwha Vision', manufacturer: 'Hanwha Vision', model, firmware: '2.21.02',
        serial: `ZC7${hex(r, 11)}`, hardwareId: model, mac, httpServer: null, httpTitle: 'Wisenet WEB',
        paths: { '/stw-cgi/system.cgi': { status: 401 } }, rtspServer: null, vendorPort: null, onvifAuth: false,
        endpoint: uuid(r), scopes: onvifScopes('Hanwha', model, mac),
      };
    }
    case 'bosch': {
      const mac = macFor(r, 'bosch');
      const model = pick(r, ['FLEXIDOME IP 5000i', 'DINION IP 7000 HD', 'AUTODOME IP 5000i']);
      return {
        ...base, expectedOrigin: 'bosch', label: 'Bosch', manufacturer: 'Bosch', model, firmware: '7.80.0128',
        serial: `0${digits(r, 12)}`, hardwareId: 'F000B5C1', mac, httpServer: 'VCS-VideoJet-Webserver', httpTitle: model,
        paths: { '/rcp.xml': { status: 200, body: '<rcp><command><hex>0x0001</hex></command></rcp>', contentType: 'text/xml' } },
        rtspServer: null, vendorPort: null, onvifAuth: false, endpoint: uuid(r), scopes: onvifScopes('Bosch', model, mac),
      };
    }
    case 'xiongmai': {
      // XMeye firmware family: no ONVIF by default, a Chinese-registered OUI is not guaranteed; banners give it away.
      return {
        ...base, expectedOrigin: 'xiongmai', label: 'Generic', manufacturer: 'General', model: 'IPC', firmware: `V4.02.R11.${hex(r, 8)}.12001.131600.00000`,
        serial: hex(r, 16), hardwareId: '', mac: macFor(r, null), httpServer: 'uc-httpd 1.0.0', httpTitle: 'NETSurveillance WEB',
        paths: {}, rtspServer: 'H264DVR 1.0', vendorPort: 34567, onvifAuth: false, onvif: false, https: false,
        endpoint: uuid(r), scopes: [],
      };
    }
    case 'avigilon': {
      const mac = macFor(r, 'avigilon');
      const model = pick(r, ['2.0C-H5A-BO1-IR', '8.0C-H5A-BO2-IR', '3.0C-H5SL-D1']);
      return {
        ...base, expectedOrigin: 'avigilon', label: 'Avigilon', manufacturer: 'Avigilon', model, firmware: '4.12.0.52',
        serial: digits(r, 10), hardwareId: 'H5A', mac, httpServer: null, httpTitle: 'Avigilon', paths: {},
        rtspServer: 'AvigilonOnvifNvt/2.6.0.130', // recog rtsp_servers.xml example
        vendorPort: null, onvifAuth: false, endpoint: uuid(r), scopes: onvifScopes('Avigilon', model, mac),
      };
    }
    case 'profile': throw new Error('a profile device is made by profileDevice, from its fingerprint');
    case 'generic': {
      const model = pick(r, ['IPC-100', 'HD-IPC', 'NC-200']);
      const mac = macFor(r, null);
      return {
        ...base, expectedOrigin: null, label: 'IPCAM', manufacturer: 'IPCAM', model, firmware: `1.${digits(r, 1)}.${digits(r, 2)}`,
        serial: hex(r, 12), hardwareId: 'v1', mac, httpServer: 'GoAhead-Webs', httpTitle: 'IP Camera', paths: {}, catchAll: true,
        rtspServer: 'Rtsp Server/3.0', vendorPort: null, onvifAuth: false, endpoint: uuid(r), scopes: onvifScopes('IPCAM', model, mac),
      };
    }
  }
}

/** A device that serves one fingerprint's evidence and nothing else (no ONVIF, an unregistered MAC). */
export function profileDevice(address: string, profile: EvidenceProfile, expectedOrigin: string | null, r: () => number): SimDevice {
  return {
    address, make: 'profile', expectedOrigin, behaviour: 'normal', label: '', manufacturer: '', model: '', firmware: '', serial: hex(r, 12),
    hardwareId: '', mac: macFor(r, null), httpServer: profile.httpServer ?? null, httpTitle: profile.httpTitle ?? '', paths: {}, catchAll: false,
    rtspServer: profile.rtspServer ?? null,
    https: !!(profile.x509Subject || profile.x509Issuer), vendorPort: null, onvifAuth: false, onvif: false,
    endpoint: uuid(r), scopes: [], slowMs: 0, profile: { ...profile },
  };
}

/** What a device can be identified as, given its behaviour: a silent device tells nothing. */
export function expectedVerdict(d: SimDevice): string | null {
  return d.behaviour === 'silent' ? null : d.expectedOrigin;
}

/** The ports a device listens on (TCP). */
export function devicePorts(d: SimDevice): number[] {
  if (d.profile) return profilePorts(d.profile);
  return [80, 554, ...(d.https ? [443] : []), ...(d.vendorPort ? [d.vendorPort] : [])].sort((a, b) => a - b);
}

/** Whether the realm of a fingerprint is the web server's (it is the RTSP server's when the fingerprint names one). */
export const webRealm = (p: EvidenceProfile) => !!(p.realm || p.wwwAuthenticate) && !p.rtspServer;

/**
 * A profile device's TCP ports on the simulator's main listeners: web when the fingerprint is a web one, RTSP when it
 * names an RTSP server, HTTPS when it has a certificate.
 */
function profilePorts(p: EvidenceProfile): number[] {
  const web = !!(p.httpServer || p.httpTitle || p.httpBody || webRealm(p));
  return [...(web ? [80] : []), ...(p.rtspServer ? [554] : []), ...(p.x509Subject || p.x509Issuer ? [443] : [])];
}

export interface FleetSpec {
  /** Number of devices. */
  devices: number;
  /** First address (default 127.1.0.1). */
  base?: string;
  /** Spread the devices at random over this many addresses from base (default: consecutive). */
  spread?: number;
  seed?: number;
  /** Share of devices that misbehave (default 0.1), spread evenly over the non-normal behaviours. */
  misbehaving?: number;
  makes?: Make[];
}

const ipToInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const intToIp = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/** Generates a fleet: makes cycle so every make appears; behaviours are assigned to a share of the devices. */
export function generateFleet(spec: FleetSpec): SimDevice[] {
  const r = rng(spec.seed ?? 1);
  const base = ipToInt(spec.base ?? '127.1.0.1');
  const makes = spec.makes ?? [...MAKES];
  const n = spec.devices;
  const addresses: number[] = [];
  if (spec.spread && spec.spread > n) {
    // A random n-subset of the spread (Floyd's algorithm), in address order.
    const chosen = new Set<number>();
    for (let j = spec.spread - n; j < spec.spread; j++) {
      const t = Math.floor(r() * (j + 1));
      chosen.add(chosen.has(t) ? j : t);
    }
    addresses.push(...[...chosen].sort((a, b) => a - b).map((k) => base + k));
  } else for (let i = 0; i < n; i++) addresses.push(base + i);
  for (const a of addresses) if (a >>> 24 !== 127) throw new Error(`simulated devices live on 127.0.0.0/8 only; ${intToIp(a)} is outside`);
  const odd = BEHAVIOURS.filter((b) => b !== 'normal');
  const misbehaving = Math.round(n * (spec.misbehaving ?? 0.1));
  return addresses.map((a, i) => {
    // Misbehaving devices are every k-th one, so they fall on different makes.
    const k = misbehaving ? Math.floor(n / misbehaving) : 0;
    const behaviour: Behaviour = k && i % k === k - 1 && Math.floor(i / k) < misbehaving ? odd[Math.floor(i / k) % odd.length] : 'normal';
    return makeDevice(makes[i % makes.length], intToIp(a), behaviour, r);
  });
}

/** A fleet file: either `{ "devices": [ { "address", "make", "behaviour"? } … ], "seed"? }` or a FleetSpec. */
export function loadFleetFile(file: string): SimDevice[] {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { devices: unknown; seed?: number };
  if (typeof raw.devices === 'number') return generateFleet(raw as FleetSpec);
  if (!Array.isArray(raw.devices)) throw new Error(`${file}: "devices" must be a number or a list`);
  const r = rng(raw.seed ?? 1);
  return raw.devices.map((d: { address?: string; make?: string; behaviour?: string }, i: number) => {
    if (!d.address || !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(d.address)) throw new Error(`${file}: device ${i + 1}: address must be in 127.0.0.0/8`);
    if (!(MAKES as readonly string[]).includes(d.make ?? '')) throw new Error(`${file}: device ${i + 1}: make must be one of ${MAKES.join(', ')}`);
    if (d.behaviour && !BEHAVIOURS.includes(d.behaviour as Behaviour)) throw new Error(`${file}: device ${i + 1}: behaviour must be one of ${BEHAVIOURS.join(', ')}`);
    return makeDevice(d.make as Make, d.address, (d.behaviour ?? 'normal') as Behaviour, r);
  });
}
