// The ONVIF side of a simulated device: device, media (ver10), media2 (ver20, where the make has it), events and PTZ
// (PTZ models) services, the snapshot URI, and the WS-Discovery Probe answer — shaped by the ONVIF Core, Media,
// Media2 and PTZ specifications and the WS-Discovery 2005/04 draft ONVIF uses, so that clients we did not write (the
// npm `onvif` and `node-onvif` packages) complete their connect sequences.
// Facts used, and where from:
//  - Faults: SOAP 1.2 Code/Subcode with the ONVIF Core "generic faults" (env:Sender ter:NotAuthorized,
//    ter:InvalidArgVal, ter:WellFormed; env:Receiver ter:ActionNotSupported); HTTP status by the SOAP 1.2 HTTP binding
//    (Part 2 §7.5.2.2: env:Sender → 400, any other fault → 500); a SOAP 1.1 request gets a SOAP 1.1 fault with 500.
//  - Access classes (Core §5.9.4): GetSystemDateAndTime, GetCapabilities, GetServices, GetServiceCapabilities and
//    GetWsdlUrl are PRE_AUTH (never need a login); the rest need one on a device that wants authentication.
//  - Authentication: WS-UsernameToken PasswordDigest = Base64(SHA-1(nonce + created + password)) on every make;
//    Hikvision also speaks HTTP digest and refuses with 401 and `Digest qop="auth", realm="IP Camera(…)", nonce=…,
//    stale="FALSE"` (seen in jimm98y/SharpOnvif#11) plus a second SHA-256 challenge on newer firmware and an HTML
//    "Document Error: Unauthorized" body (both documented in the npm onvif package's cam.js); other makes refuse with
//    HTTP 400 and a ter:NotAuthorized fault (the Core spec's WS-Security case, also quoted in that cam.js).
//    A token that is present and wrong is refused by every make, even one that allows anonymous reads.
//  - Stream and snapshot URIs have each make's well-known shapes (Hikvision /Streaming/Channels/101 and
//    /onvif-http/snapshot?Profile_1, Dahua /cam/realmonitor?channel=1&subtype=0 and /onvifsnapshot/…, Axis
//    /onvif-media/media.amp, Hanwha /profileN/media.smp, Bosch /rtsp_tunnel).
import crypto from 'node:crypto';
import { XMLValidator } from 'fast-xml-parser';
import type { SimDevice } from './fleet';
import { snapshotJpeg } from './jpeg';

export interface OnvifCredentials { username: string; password: string }

export interface OnvifReply {
  status: number;
  /** Header names and values in order (WWW-Authenticate may appear twice). */
  headers: [string, string][];
  body: string | Buffer;
}

export interface OnvifRequest {
  method: string;
  /** Path and query as sent (`/onvif/device_service`, `/onvif-http/snapshot?Profile_1`). */
  path: string;
  /** Request headers, names in lower case (Node's `req.headers`). */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | string;
}

// ---- namespaces and canned documents -------------------------------------------------------------------------

const NS = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tr2: 'http://www.onvif.org/ver20/media/wsdl',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  tptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  ter: 'http://www.onvif.org/ver10/error',
  dn: 'http://www.onvif.org/ver10/network/wsdl',
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  wsd: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
};

const BILLION_LAUGHS = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
  + '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
  + '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
  + '<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
  + '<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
  + '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><Manufacturer>&lol9;</Manufacturer></s:Body></s:Envelope>';
const GARBAGE_XML = '<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><<tds:GetDeviceInformationResponse>'
  + '<Manufacturer>\u0000\u0001</Model></Body>&&&<![CDATA[';

const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
const unesc = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

// ---- what each make offers -------------------------------------------------------------------------------------

type Family = 'hikvision' | 'dahua' | 'uniview' | 'axis' | 'hanwha' | 'bosch' | 'avigilon' | 'generic';
type Service = 'device' | 'media' | 'media2' | 'events' | 'ptz';

const family = (d: SimDevice): Family => (d.make.startsWith('hikvision') ? 'hikvision' : d.make.startsWith('dahua') ? 'dahua' : d.make as Family);

/** Service paths as each make lays them out (Axis serves everything but the device service at /onvif/services). */
const SERVICE_PATHS: Record<Family, Record<Service, string>> = {
  hikvision: { device: '/onvif/device_service', media: '/onvif/Media', media2: '/onvif/Media2', events: '/onvif/Events', ptz: '/onvif/PTZ' },
  dahua: { device: '/onvif/device_service', media: '/onvif/media_service', media2: '/onvif/media2_service', events: '/onvif/event_service', ptz: '/onvif/ptz_service' },
  axis: { device: '/onvif/device_service', media: '/onvif/services', media2: '/onvif/services', events: '/onvif/services', ptz: '/onvif/services' },
  uniview: { device: '/onvif/device_service', media: '/onvif/media_service', media2: '/onvif/media2_service', events: '/onvif/event_service', ptz: '/onvif/ptz_service' },
  hanwha: { device: '/onvif/device_service', media: '/onvif/media_service', media2: '/onvif/media2_service', events: '/onvif/event_service', ptz: '/onvif/ptz_service' },
  bosch: { device: '/onvif/device_service', media: '/onvif/media_service', media2: '/onvif/media2_service', events: '/onvif/event_service', ptz: '/onvif/ptz_service' },
  avigilon: { device: '/onvif/device_service', media: '/onvif/media_service', media2: '/onvif/media2_service', events: '/onvif/event_service', ptz: '/onvif/ptz_service' },
  generic: { device: '/onvif/device_service', media: '/onvif/media_service', media2: '/onvif/media2_service', events: '/onvif/event_service', ptz: '/onvif/ptz_service' },
};

/** Media2 (Profile T) is on current firmware of these makes; the cheap generic camera and this Uniview line are Profile S only. */
const hasMedia2 = (d: SimDevice) => !['uniview', 'generic'].includes(family(d));
/** PTZ models in the fleet: Hikvision DS-2DE…, Axis Q61…, Bosch AUTODOME. */
const hasPtz = (d: SimDevice) => /^DS-2DE|^AXIS Q61|AUTODOME/.test(d.model);

function services(d: SimDevice): Service[] {
  return ['device', 'media', ...(hasMedia2(d) ? ['media2' as const] : []), 'events', ...(hasPtz(d) ? ['ptz' as const] : [])];
}

const SERVICE_NS: Record<Service, string> = { device: NS.tds, media: NS.trt, media2: NS.tr2, events: NS.tev, ptz: NS.tptz };
const xaddr = (d: SimDevice, s: Service) => `http://${d.address}${SERVICE_PATHS[family(d)][s]}`;

interface Profile { token: string; name: string; width: number; height: number; bitrate: number; fps: number }

function profiles(d: SimDevice): Profile[] {
  const tokens: Record<Family, [string, string]> = {
    hikvision: ['Profile_1', 'Profile_2'], dahua: ['MediaProfile000', 'MediaProfile001'], axis: ['profile_1_h264', 'profile_2_h264'],
    uniview: ['media_profile1', 'media_profile2'], hanwha: ['ProfileToken2', 'ProfileToken3'], bosch: ['0', '1'], avigilon: ['DefaultPrimary', 'DefaultSecondary'], generic: ['PROFILE_000', 'PROFILE_001'],
  };
  const [main, sub] = tokens[family(d)];
  return [
    { token: main, name: 'mainStream', width: 1920, height: 1080, bitrate: 4096, fps: 25 },
    { token: sub, name: 'subStream', width: 640, height: 360, bitrate: 512, fps: 15 },
  ];
}

/** RTSP path (with query) of a profile's stream, by make; index 0 is the main stream, 1 the sub stream. */
export function streamPath(d: SimDevice, index: number): string {
  const n = index + 1;
  switch (family(d)) {
    case 'hikvision': return `/Streaming/Channels/10${n}?transportmode=unicast&profile=${profiles(d)[index].token}`;
    case 'dahua': return `/cam/realmonitor?channel=1&subtype=${index}&unicast=true&proto=Onvif`;
    case 'axis': return `/onvif-media/media.amp?profile=${profiles(d)[index].token}&sessiontimeout=60&streamtype=unicast`;
    case 'uniview': return `/media/video${n}`;
    case 'hanwha': return `/profile${n + 1}/media.smp`;
    case 'bosch': return `/rtsp_tunnel?h26x=4&line=1&inst=${n}`;
    case 'avigilon': return index === 0 ? '/defaultPrimary?streamType=u' : '/defaultSecondary?streamType=u';
    case 'generic': return `/stream${n}`;
  }
}

/** Every RTSP path (with query) the device's ONVIF media service hands out, for the RTSP server to answer. */
export function rtspPaths(d: SimDevice): string[] {
  return d.onvif ? profiles(d).map((_, i) => streamPath(d, i)) : [];
}

/** Snapshot path (with query) of a profile, by make. */
export function snapshotPath(d: SimDevice, index: number): string {
  const n = index + 1;
  switch (family(d)) {
    case 'hikvision': return `/onvif-http/snapshot?${profiles(d)[index].token}`;
    case 'dahua': return `/onvifsnapshot/media_service/snapshot?channel=1&subtype=${index}`;
    case 'axis': return `/onvif-cgi/jpg/image.cgi?resolution=${profiles(d)[index].width}x${profiles(d)[index].height}&compression=30`;
    case 'uniview': return `/images/snapshot${n}.jpg`;
    case 'hanwha': return `/stw-cgi/video.cgi?msubmenu=snapshot&action=view&Profile=${n + 1}`;
    case 'bosch': return `/snap.jpg?JpegCam=${n}`;
    case 'avigilon': return `/media/still.jpg?stream=${index}`;
    case 'generic': return `/snapshot${n}.jpg`;
  }
}

// ---- authentication ---------------------------------------------------------------------------------------------

/** Checks a WS-UsernameToken PasswordDigest: Base64(SHA-1(nonce + created + password)). */
export function digestValid(body: string, creds: OnvifCredentials): boolean {
  const field = (name: string) => new RegExp(`<(?:[\\w.-]+:)?${name}\\b[^>]*>([^<]*)</(?:[\\w.-]+:)?${name}>`).exec(body)?.[1]?.trim() ?? null;
  const user = field('Username'), password = field('Password'), nonce = field('Nonce'), created = field('Created');
  if (!user || !password || !nonce || !created) return false;
  if (unesc(user) !== creds.username) return false;
  const expected = crypto.createHash('sha1').update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created), Buffer.from(creds.password)])).digest('base64');
  return crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(password.padEnd(expected.length).slice(0, expected.length)));
}

/** Digest nonces handed out (value → time), so a response is only accepted for a nonce this simulator issued. */
const issuedNonces = new Map<string, number>();
const NONCE_LIFETIME_MS = 5 * 60_000;

function issueNonce(f: Family): string {
  const random = crypto.randomBytes(8);
  // Hikvision's nonce is the hex of a base64 "time:hash" text; Dahua's is a decimal number.
  const nonce = f === 'hikvision'
    ? Buffer.from(Buffer.from(`${random.subarray(0, 4).toString('hex')}:${random.subarray(4).toString('hex').slice(0, 7)}`).toString('base64')).toString('hex')
    : f === 'dahua' ? String(random.readUInt32BE(0)) + String(random.readUInt16BE(4)) : random.toString('hex');
  issuedNonces.set(nonce, Date.now());
  if (issuedNonces.size > 50_000) issuedNonces.delete(issuedNonces.keys().next().value!);
  return nonce;
}

/** The HTTP digest realm the device names (Hikvision: "IP Camera(<last 5 of the serial>)"; Dahua: "Login to <serial>"). */
function realm(d: SimDevice): string {
  const f = family(d);
  return f === 'hikvision' ? `IP Camera(${d.serial.slice(-5)})` : f === 'dahua' ? `Login to ${d.serial}` : `${d.manufacturer} ONVIF`;
}

function challenges(d: SimDevice): [string, string][] {
  const f = family(d);
  if (f === 'hikvision') {
    return [
      ['WWW-Authenticate', `Digest qop="auth", realm="${realm(d)}", nonce="${issueNonce(f)}", stale="FALSE"`],
      ['WWW-Authenticate', `Digest qop="auth", realm="${realm(d)}", nonce="${issueNonce(f)}", algorithm="SHA-256", stale="FALSE"`],
    ];
  }
  if (f === 'dahua') return [['WWW-Authenticate', `Digest realm="${realm(d)}", qop="auth", nonce="${issueNonce(f)}", opaque="${crypto.randomBytes(20).toString('hex')}"`]];
  return [['WWW-Authenticate', `Digest realm="${realm(d)}", qop="auth", nonce="${issueNonce(f)}", algorithm=MD5`]];
}

/** Parses `Digest k=v, k="v"` (RFC 7616) into a map; null for another scheme. */
function parseDigest(header: string): Map<string, string> | null {
  const m = /^\s*Digest\s+(.*)$/is.exec(header);
  if (!m) return null;
  const out = new Map<string, string>();
  for (const p of m[1].matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) out.set(p[1].toLowerCase(), p[2] ?? p[3]);
  return out;
}

/** RFC 7616 digest check of an Authorization header for this request, against the device's realm and a nonce it issued. */
function httpDigestValid(d: SimDevice, method: string, path: string, header: string | undefined, creds: OnvifCredentials): boolean {
  const a = header ? parseDigest(header) : null;
  if (!a) return false;
  const nonce = a.get('nonce') ?? '', issued = issuedNonces.get(nonce);
  if (issued === undefined || Date.now() - issued > NONCE_LIFETIME_MS) return false;
  if (a.get('username') !== creds.username || a.get('realm') !== realm(d) || a.get('uri') !== path) return false;
  const algorithm = (a.get('algorithm') ?? 'MD5').toUpperCase();
  const hashName = algorithm === 'MD5' ? 'md5' : algorithm === 'SHA-256' ? 'sha256' : null;
  if (!hashName) return false;
  const h = (s: string) => crypto.createHash(hashName).update(s).digest('hex');
  const ha1 = h(`${creds.username}:${realm(d)}:${creds.password}`), ha2 = h(`${method}:${path}`);
  const qop = a.get('qop');
  const expected = qop ? h(`${ha1}:${nonce}:${a.get('nc') ?? ''}:${a.get('cnonce') ?? ''}:${qop}:${ha2}`) : h(`${ha1}:${nonce}:${ha2}`);
  const got = a.get('response') ?? '';
  return got.length === expected.length && crypto.timingSafeEqual(Buffer.from(got), Buffer.from(expected));
}

/** Makes whose ONVIF service takes HTTP digest as well as WS-UsernameToken and challenges with 401. */
const usesHttpDigest = (d: SimDevice) => family(d) === 'hikvision';

const PRE_AUTH = new Set(['GetSystemDateAndTime', 'GetCapabilities', 'GetServices', 'GetServiceCapabilities', 'GetWsdlUrl', 'GetEndpointReference']);

// ---- SOAP request reading ---------------------------------------------------------------------------------------

interface SoapRequest { version: '1.1' | '1.2'; header: string; body: string; operation: string; namespace: string }

/** Reads the envelope's version and the body's first element (name and namespace); a string says why it cannot. */
function readRequest(text: string): SoapRequest | 'malformed' | 'version' {
  if (/<!DOCTYPE|<!ENTITY/i.test(text) || XMLValidator.validate(text) !== true) return 'malformed';
  const declarations = [...text.matchAll(/\sxmlns(?::([\w.-]+))?\s*=\s*["']([^"']*)["']/g)];
  /** The namespace a prefix had at an offset (the last declaration before it; enough for SOAP's flat envelopes). */
  const resolve = (prefix: string | undefined, at: number) => {
    let uri: string | undefined;
    for (const m of declarations) if (m.index! <= at && (m[1] ?? '') === (prefix ?? '')) uri = m[2];
    return uri;
  };
  const env = /<(?:([\w.-]+):)?Envelope\b[^>]*>/.exec(text);
  if (!env) return 'malformed';
  const envNs = resolve(env[1], env.index + env[0].length);
  if (envNs !== NS.soap12 && envNs !== NS.soap11) return 'version';
  const p = env[1] ? `${env[1]}:` : '';
  const bodyOpen = new RegExp(`<${p}Body\\b[^>]*>`).exec(text);
  if (!bodyOpen) return 'malformed';
  const bodyStart = bodyOpen.index + bodyOpen[0].length;
  const bodyEnd = text.lastIndexOf(`</${p}Body>`);
  const body = text.slice(bodyStart, bodyEnd < bodyStart ? text.length : bodyEnd);
  const headerOpen = new RegExp(`<${p}Header\\b[^>]*>`).exec(text);
  const header = headerOpen && headerOpen.index < bodyOpen.index ? text.slice(headerOpen.index, bodyOpen.index) : '';
  const first = /<(?:([\w.-]+):)?([\w.-]+)\b/.exec(body);
  const operation = first?.[2] ?? '';
  const namespace = first ? resolve(first[1], bodyStart + first.index + body.slice(first.index).indexOf('>')) ?? '' : '';
  return { version: envNs === NS.soap11 ? '1.1' : '1.2', header, body, operation, namespace };
}

/** The text of the first element with this local name in a fragment (unescaped), or null. */
const arg = (xml: string, name: string): string | null => {
  const m = new RegExp(`<(?:[\\w.-]+:)?${name}\\b[^>]*?(?:/>|>([^<]*)<)`).exec(xml);
  return m ? unesc((m[1] ?? '').trim()) : null;
};

// ---- SOAP answers -----------------------------------------------------------------------------------------------

const XMLNS = Object.entries({ tds: NS.tds, trt: NS.trt, tr2: NS.tr2, tev: NS.tev, tptz: NS.tptz, tt: NS.tt, ter: NS.ter,
  wsnt: 'http://docs.oasis-open.org/wsn/b-2', wstop: 'http://docs.oasis-open.org/wsn/t-1', tns1: 'http://www.onvif.org/ver10/topics',
  xs: 'http://www.w3.org/2001/XMLSchema' }).map(([k, v]) => ` xmlns:${k}="${v}"`).join('');

function envelope(version: '1.1' | '1.2', body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="${version === '1.1' ? NS.soap11 : NS.soap12}"${XMLNS}>`
    + `<env:Body>${body}</env:Body></env:Envelope>`;
}

const contentType = (version: '1.1' | '1.2') => (version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8');

interface Fault { code: 'Sender' | 'Receiver' | 'VersionMismatch'; subcodes: string[]; reason: string }

function faultReply(version: '1.1' | '1.2', f: Fault): OnvifReply {
  if (version === '1.1') {
    // SOAP 1.1 has no subcodes: the most specific ONVIF code becomes the faultcode (as gSOAP-based devices answer).
    const code = f.subcodes[0] ?? `env:${f.code === 'Sender' ? 'Client' : f.code === 'Receiver' ? 'Server' : f.code}`;
    return { status: 500, headers: [['Content-Type', contentType(version)]],
      body: envelope('1.1', `<env:Fault><faultcode>${code}</faultcode><faultstring>${esc(f.reason)}</faultstring></env:Fault>`) };
  }
  const subcodes = f.subcodes.reduceRight((inner, s) => `<env:Subcode><env:Value>${s}</env:Value>${inner}</env:Subcode>`, '');
  return {
    status: f.code === 'Sender' ? 400 : 500, headers: [['Content-Type', contentType(version)]],
    body: envelope('1.2', `<env:Fault><env:Code><env:Value>env:${f.code}</env:Value>${subcodes}</env:Code>`
      + `<env:Reason><env:Text xml:lang="en">${esc(f.reason)}</env:Text></env:Reason></env:Fault>`),
  };
}

const notSupported = (reason = 'Optional Action Not Implemented', more: string[] = []): Fault => ({ code: 'Receiver', subcodes: ['ter:ActionNotSupported', ...more], reason });
const invalidArg = (sub: string, reason: string): Fault => ({ code: 'Sender', subcodes: ['ter:InvalidArgVal', sub], reason });

const bool = (b: boolean) => String(b);

function dateTime(): string {
  const t = new Date();
  return '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>'
    + '<tt:TimeZone><tt:TZ>GMT0BST,M3.5.0/1,M10.5.0</tt:TZ></tt:TimeZone><tt:UTCDateTime>'
    + `<tt:Time><tt:Hour>${t.getUTCHours()}</tt:Hour><tt:Minute>${t.getUTCMinutes()}</tt:Minute><tt:Second>${t.getUTCSeconds()}</tt:Second></tt:Time>`
    + `<tt:Date><tt:Year>${t.getUTCFullYear()}</tt:Year><tt:Month>${t.getUTCMonth() + 1}</tt:Month><tt:Day>${t.getUTCDate()}</tt:Day></tt:Date>`
    + '</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>';
}

/** The device service's own capabilities (tds:DeviceServiceCapabilities): attributes only. */
const deviceServiceCapabilities = '<tds:Capabilities><tds:Network IPFilter="false" ZeroConfiguration="false" IPVersion6="false" DynDNS="false" NTP="1" HostnameFromDHCP="false"/>'
  + '<tds:Security TLS1.0="false" TLS1.1="false" TLS1.2="false" OnboardKeyGeneration="false" AccessPolicyConfig="false" DefaultAccessPolicy="false" Dot1X="false"'
  + ' RemoteUserHandling="false" X.509Token="false" SAMLToken="false" KerberosToken="false" UsernameToken="true" HttpDigest="__DIGEST__" RELToken="false"/>'
  + '<tds:System DiscoveryResolve="false" DiscoveryBye="true" RemoteDiscovery="false" SystemBackup="false" SystemLogging="false" FirmwareUpgrade="false"'
  + ' HttpFirmwareUpgrade="false" HttpSystemBackup="false" HttpSystemLogging="false" HttpSupportInformation="false"/></tds:Capabilities>';

function serviceCapabilities(d: SimDevice, s: Service): string {
  switch (s) {
    case 'device': return deviceServiceCapabilities.replace('__DIGEST__', bool(usesHttpDigest(d)));
    case 'media': return '<trt:Capabilities SnapshotUri="true" Rotation="false" VideoSourceMode="false" OSD="false"><trt:ProfileCapabilities MaximumNumberOfProfiles="2"/>'
      + '<trt:StreamingCapabilities RTPMulticast="false" RTP_TCP="true" RTP_RTSP_TCP="true" NonAggregateControl="false" NoRTSPStreaming="false"/></trt:Capabilities>';
    case 'media2': return '<tr2:Capabilities SnapshotUri="true" Rotation="false" VideoSourceMode="false" OSD="false"><tr2:ProfileCapabilities MaximumNumberOfProfiles="2"'
      + ` ConfigurationsSupported="VideoSource VideoEncoder${hasPtz(d) ? ' PTZ' : ''}"/><tr2:StreamingCapabilities RTSPStreaming="true" RTPMulticast="false" RTP_RTSP_TCP="true"`
      + ' NonAggregateControl="false" AutoStartMulticast="false"/></tr2:Capabilities>';
    case 'events': return '<tev:Capabilities WSSubscriptionPolicySupport="true" WSPullPointSupport="true" WSPausableSubscriptionManagerInterfaceSupport="false"'
      + ' MaxNotificationProducers="10" MaxPullPoints="10" PersistentNotificationStorage="false"/>';
    case 'ptz': return '<tptz:Capabilities EFlip="false" Reverse="false" GetCompatibleConfigurations="true" MoveStatus="true" StatusPosition="true"/>';
  }
}

const VERSION: Record<Service, [number, number]> = { device: [17, 12], media: [17, 12], media2: [17, 12], events: [17, 12], ptz: [17, 6] };

function getServices(d: SimDevice, includeCapability: boolean): string {
  return '<tds:GetServicesResponse>' + services(d).map((s) => `<tds:Service><tds:Namespace>${SERVICE_NS[s]}</tds:Namespace><tds:XAddr>${xaddr(d, s)}</tds:XAddr>`
    + (includeCapability ? `<tds:Capabilities>${serviceCapabilities(d, s)}</tds:Capabilities>` : '')
    + `<tds:Version><tt:Major>${VERSION[s][0]}</tt:Major><tt:Minor>${VERSION[s][1]}</tt:Minor></tds:Version></tds:Service>`).join('')
    + '</tds:GetServicesResponse>';
}

/** GetCapabilities (tt:Capabilities, in schema order: Analytics, Device, Events, Imaging, Media, PTZ). */
function getCapabilities(d: SimDevice, category: string): string | Fault {
  const parts: Record<string, string | null> = {
    Device: `<tt:Device><tt:XAddr>${xaddr(d, 'device')}</tt:XAddr><tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration>`
      + '<tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network><tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve>'
      + '<tt:DiscoveryBye>true</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup>'
      + '<tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>'
      + '<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions></tt:System>'
      + '<tt:IO><tt:InputConnectors>0</tt:InputConnectors><tt:RelayOutputs>0</tt:RelayOutputs></tt:IO><tt:Security><tt:TLS1.1>false</tt:TLS1.1>'
      + '<tt:TLS1.2>false</tt:TLS1.2><tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration><tt:AccessPolicyConfig>false</tt:AccessPolicyConfig>'
      + '<tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken><tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken>'
      + '</tt:Security></tt:Device>',
    Events: `<tt:Events><tt:XAddr>${xaddr(d, 'events')}</tt:XAddr><tt:WSSubscriptionPolicySupport>true</tt:WSSubscriptionPolicySupport>`
      + '<tt:WSPullPointSupport>true</tt:WSPullPointSupport><tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>',
    Media: `<tt:Media><tt:XAddr>${xaddr(d, 'media')}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>`
      + '<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>',
    PTZ: hasPtz(d) ? `<tt:PTZ><tt:XAddr>${xaddr(d, 'ptz')}</tt:XAddr></tt:PTZ>` : null,
    Analytics: null, Imaging: null,
  };
  const wanted = category === 'All' || category === '' ? ['Device', 'Events', 'Media', 'PTZ'] : [category];
  if (!wanted.every((c) => c in parts)) return invalidArg('ter:InvalidArgVal', 'Unknown capability category');
  // Core spec: a category the device does not have is "env:Receiver ter:ActionNotSupported ter:NoSuchService".
  if (category !== 'All' && category !== '' && !parts[category]) return notSupported('The requested service is not supported', ['ter:NoSuchService']);
  return `<tds:GetCapabilitiesResponse><tds:Capabilities>${wanted.map((c) => parts[c] ?? '').join('')}</tds:Capabilities></tds:GetCapabilitiesResponse>`;
}

const videoSourceConfiguration = (el: string) => `<${el} token="VideoSourceConfig_1"><tt:Name>VideoSourceConfig_1</tt:Name><tt:UseCount>2</tt:UseCount>`
  + `<tt:SourceToken>VideoSource_1</tt:SourceToken><tt:Bounds x="0" y="0" width="1920" height="1080"/></${el}>`;

const multicast = '<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>1</tt:TTL>'
  + '<tt:AutoStart>false</tt:AutoStart></tt:Multicast>';

/** tt:VideoEncoderConfiguration (media ver10). */
const encoder1 = (p: Profile, i: number, el = 'tt:VideoEncoderConfiguration') => `<${el} token="VideoEncoderToken_${i + 1}"><tt:Name>VideoEncoder_${i + 1}</tt:Name>`
  + `<tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution>`
  + `<tt:Quality>3</tt:Quality><tt:RateControl><tt:FrameRateLimit>${p.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>`
  + `<tt:BitrateLimit>${p.bitrate}</tt:BitrateLimit></tt:RateControl><tt:H264><tt:GovLength>${p.fps * 2}</tt:GovLength><tt:H264Profile>Main</tt:H264Profile></tt:H264>`
  + `${multicast}<tt:SessionTimeout>PT60S</tt:SessionTimeout></${el}>`;

/** tt:VideoEncoder2Configuration (media2). */
const encoder2 = (p: Profile, i: number, el: string) => `<${el} token="VideoEncoderToken_${i + 1}" GovLength="${p.fps * 2}" Profile="Main">`
  + `<tt:Name>VideoEncoder_${i + 1}</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding>`
  + `<tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution><tt:RateControl ConstantBitRate="false">`
  + `<tt:FrameRateLimit>${p.fps}</tt:FrameRateLimit><tt:BitrateLimit>${p.bitrate}</tt:BitrateLimit></tt:RateControl>${multicast}<tt:Quality>3</tt:Quality></${el}>`;

const PTZ_SPACES = 'http://www.onvif.org/ver10/tptz';
const ptzConfiguration = (el: string) => `<${el} token="PTZConfig_1"><tt:Name>PTZConfig_1</tt:Name><tt:UseCount>2</tt:UseCount><tt:NodeToken>PTZNode_1</tt:NodeToken>`
  + `<tt:DefaultContinuousPanTiltVelocitySpace>${PTZ_SPACES}/PanTiltSpaces/VelocityGenericSpace</tt:DefaultContinuousPanTiltVelocitySpace>`
  + `<tt:DefaultContinuousZoomVelocitySpace>${PTZ_SPACES}/ZoomSpaces/VelocityGenericSpace</tt:DefaultContinuousZoomVelocitySpace><tt:DefaultPTZTimeout>PT5S</tt:DefaultPTZTimeout>`
  + `<tt:PanTiltLimits><tt:Range><tt:URI>${PTZ_SPACES}/PanTiltSpaces/PositionGenericSpace</tt:URI><tt:XRange><tt:Min>-1</tt:Min><tt:Max>1</tt:Max></tt:XRange>`
  + '<tt:YRange><tt:Min>-1</tt:Min><tt:Max>1</tt:Max></tt:YRange></tt:Range></tt:PanTiltLimits>'
  + `<tt:ZoomLimits><tt:Range><tt:URI>${PTZ_SPACES}/ZoomSpaces/PositionGenericSpace</tt:URI><tt:XRange><tt:Min>0</tt:Min><tt:Max>1</tt:Max></tt:XRange></tt:Range></tt:ZoomLimits></${el}>`;

function media1Profile(d: SimDevice, p: Profile, i: number, el: string): string {
  return `<${el} token="${p.token}" fixed="true"><tt:Name>${p.name}</tt:Name>${videoSourceConfiguration('tt:VideoSourceConfiguration')}`
    + `${encoder1(p, i)}${hasPtz(d) ? ptzConfiguration('tt:PTZConfiguration') : ''}</${el}>`;
}

function media2Profile(d: SimDevice, p: Profile, i: number, types: Set<string>): string {
  const all = types.has('All'), has = (t: string) => all || types.has(t);
  const configs = (has('VideoSource') ? videoSourceConfiguration('tr2:VideoSource') : '') + (has('VideoEncoder') ? encoder2(p, i, 'tr2:VideoEncoder') : '')
    + (hasPtz(d) && has('PTZ') ? ptzConfiguration('tr2:PTZ') : '');
  return `<tr2:Profiles token="${p.token}" fixed="true"><tr2:Name>${p.name}</tr2:Name>${types.size ? `<tr2:Configurations>${configs}</tr2:Configurations>` : ''}</tr2:Profiles>`;
}

function mediaUri(uri: string, media2: boolean, response: string): string {
  return media2 ? `<tr2:${response}><tr2:Uri>${esc(uri)}</tr2:Uri></tr2:${response}>`
    : `<trt:${response}><trt:MediaUri><tt:Uri>${esc(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>`
      + '<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT60S</tt:Timeout></trt:MediaUri></trt:' + response + '>';
}

const EVENT_PROPERTIES = '<tev:GetEventPropertiesResponse><tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml</tev:TopicNamespaceLocation>'
  + '<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet><wstop:TopicSet><tns1:VideoSource><tns1:MotionAlarm wstop:topic="true"><tt:MessageDescription IsProperty="true">'
  + '<tt:Source><tt:SimpleItemDescription Name="Source" Type="tt:ReferenceToken"/></tt:Source><tt:Data><tt:SimpleItemDescription Name="State" Type="xs:boolean"/></tt:Data>'
  + '</tt:MessageDescription></tns1:MotionAlarm></tns1:VideoSource></wstop:TopicSet>'
  + '<wsnt:TopicExpressionDialect>http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet</wsnt:TopicExpressionDialect>'
  + '<wsnt:TopicExpressionDialect>http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete</wsnt:TopicExpressionDialect>'
  + '<tev:MessageContentFilterDialect>http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter</tev:MessageContentFilterDialect>'
  + '<tev:MessageContentSchemaLocation>http://www.onvif.org/onvif/ver10/schema/onvif.xsd</tev:MessageContentSchemaLocation></tev:GetEventPropertiesResponse>';

const PTZ_NODE = '<tptz:PTZNode token="PTZNode_1" FixedHomePosition="false"><tt:Name>PTZNode_1</tt:Name><tt:SupportedPTZSpaces>'
  + `<tt:ContinuousPanTiltVelocitySpace><tt:URI>${PTZ_SPACES}/PanTiltSpaces/VelocityGenericSpace</tt:URI><tt:XRange><tt:Min>-1</tt:Min><tt:Max>1</tt:Max></tt:XRange>`
  + '<tt:YRange><tt:Min>-1</tt:Min><tt:Max>1</tt:Max></tt:YRange></tt:ContinuousPanTiltVelocitySpace>'
  + `<tt:ContinuousZoomVelocitySpace><tt:URI>${PTZ_SPACES}/ZoomSpaces/VelocityGenericSpace</tt:URI><tt:XRange><tt:Min>-1</tt:Min><tt:Max>1</tt:Max></tt:XRange></tt:ContinuousZoomVelocitySpace>`
  + '</tt:SupportedPTZSpaces><tt:MaximumNumberOfPresets>256</tt:MaximumNumberOfPresets><tt:HomeSupported>true</tt:HomeSupported></tptz:PTZNode>';

/** One operation of one service: the response body element, or a fault. */
function operate(d: SimDevice, service: Service, op: string, body: string): string | Fault {
  const ps = profiles(d);
  const profileArg = () => {
    const token = arg(body, 'ProfileToken');
    const i = ps.findIndex((p) => p.token === token);
    return i >= 0 ? i : invalidArg('ter:NoProfile', 'The requested profile token ProfileToken does not exist');
  };
  const prefix = { device: 'tds', media: 'trt', media2: 'tr2', events: 'tev', ptz: 'tptz' }[service];
  if (op === 'GetServiceCapabilities') return `<${prefix}:GetServiceCapabilitiesResponse>${serviceCapabilities(d, service)}</${prefix}:GetServiceCapabilitiesResponse>`;
  switch (`${service}:${op}`) {
    case 'device:GetSystemDateAndTime': return dateTime();
    case 'device:GetCapabilities': return getCapabilities(d, arg(body, 'Category') ?? 'All');
    case 'device:GetServices': return getServices(d, arg(body, 'IncludeCapability') === 'true');
    case 'device:GetWsdlUrl': return '<tds:GetWsdlUrlResponse><tds:WsdlUrl>http://www.onvif.org/</tds:WsdlUrl></tds:GetWsdlUrlResponse>';
    case 'device:GetDeviceInformation':
      return `<tds:GetDeviceInformationResponse><tds:Manufacturer>${esc(d.manufacturer)}</tds:Manufacturer><tds:Model>${esc(d.model)}</tds:Model>`
        + `<tds:FirmwareVersion>${esc(d.firmware)}</tds:FirmwareVersion><tds:SerialNumber>${esc(d.serial)}</tds:SerialNumber>`
        + `<tds:HardwareId>${esc(d.hardwareId)}</tds:HardwareId></tds:GetDeviceInformationResponse>`;
    case 'device:GetScopes':
      return `<tds:GetScopesResponse>${d.scopes.map((s) => `<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>${esc(s)}</tt:ScopeItem></tds:Scopes>`).join('')}</tds:GetScopesResponse>`;
    case 'device:GetHostname':
      return `<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP><tt:Name>${esc(d.model.replace(/[^A-Za-z0-9-]/g, '-'))}</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>`;
    case 'device:GetNetworkInterfaces':
      return '<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled>'
        + `<tt:Info><tt:Name>eth0</tt:Name><tt:HwAddress>${d.mac.toLowerCase()}</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>`
        + `<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config><tt:Manual><tt:Address>${d.address}</tt:Address><tt:PrefixLength>8</tt:PrefixLength></tt:Manual><tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4>`
        + '</tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>';
    case 'media:GetProfiles': return `<trt:GetProfilesResponse>${ps.map((p, i) => media1Profile(d, p, i, 'trt:Profiles')).join('')}</trt:GetProfilesResponse>`;
    case 'media:GetProfile': { const i = profileArg(); return typeof i === 'number' ? `<trt:GetProfileResponse>${media1Profile(d, ps[i], i, 'trt:Profile')}</trt:GetProfileResponse>` : i; }
    case 'media:GetVideoSources':
      return '<trt:GetVideoSourcesResponse><trt:VideoSources token="VideoSource_1"><tt:Framerate>25</tt:Framerate>'
        + '<tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>';
    case 'media:GetVideoSourceConfigurations': return `<trt:GetVideoSourceConfigurationsResponse>${videoSourceConfiguration('trt:Configurations')}</trt:GetVideoSourceConfigurationsResponse>`;
    case 'media2:GetVideoSourceConfigurations': return `<tr2:GetVideoSourceConfigurationsResponse>${videoSourceConfiguration('tr2:Configurations')}</tr2:GetVideoSourceConfigurationsResponse>`;
    case 'media:GetVideoEncoderConfigurations': return `<trt:GetVideoEncoderConfigurationsResponse>${ps.map((p, i) => encoder1(p, i, 'trt:Configurations')).join('')}</trt:GetVideoEncoderConfigurationsResponse>`;
    case 'media2:GetVideoEncoderConfigurations': return `<tr2:GetVideoEncoderConfigurationsResponse>${ps.map((p, i) => encoder2(p, i, 'tr2:Configurations')).join('')}</tr2:GetVideoEncoderConfigurationsResponse>`;
    case 'media:GetStreamUri': {
      const i = profileArg();
      if (typeof i !== 'number') return i;
      if (arg(body, 'Stream') === 'RTP-Multicast') return invalidArg('ter:InvalidStreamSetup', 'Multicast streaming is not configured');
      if (!['UDP', 'TCP', 'RTSP', 'HTTP', null].includes(arg(body, 'Protocol'))) return invalidArg('ter:InvalidStreamSetup', 'Unknown transport protocol');
      return mediaUri(`rtsp://${d.address}:554${streamPath(d, i)}`, false, 'GetStreamUriResponse');
    }
    case 'media2:GetStreamUri': {
      const i = profileArg();
      if (typeof i !== 'number') return i;
      const protocol = arg(body, 'Protocol');
      if (protocol === 'RtspMulticast') return invalidArg('ter:InvalidStreamSetup', 'Multicast streaming is not configured');
      if (!['RtspUnicast', 'RTSP', 'RtspOverHttp'].includes(protocol ?? '')) return invalidArg('ter:InvalidStreamSetup', 'Unknown stream protocol');
      return mediaUri(`rtsp://${d.address}:554${streamPath(d, i)}`, true, 'GetStreamUriResponse');
    }
    case 'media:GetSnapshotUri': case 'media2:GetSnapshotUri': {
      const i = profileArg();
      return typeof i === 'number' ? mediaUri(`http://${d.address}${snapshotPath(d, i)}`, service === 'media2', 'GetSnapshotUriResponse') : i;
    }
    case 'media2:GetProfiles': {
      const token = arg(body, 'Token');
      const types = new Set([...body.matchAll(/<(?:[\w.-]+:)?Type\b[^>]*>([^<]*)</g)].flatMap((m) => m[1].trim().split(/\s+/)).filter(Boolean));
      const chosen = ps.map((p, i) => [p, i] as const).filter(([p]) => token === null || p.token === token);
      if (token !== null && !chosen.length) return invalidArg('ter:NoProfile', 'The requested profile token does not exist');
      return `<tr2:GetProfilesResponse>${chosen.map(([p, i]) => media2Profile(d, p, i, types)).join('')}</tr2:GetProfilesResponse>`;
    }
    case 'events:GetEventProperties': return EVENT_PROPERTIES;
    case 'ptz:GetNodes': return `<tptz:GetNodesResponse>${PTZ_NODE}</tptz:GetNodesResponse>`;
    case 'ptz:GetConfigurations': return `<tptz:GetConfigurationsResponse>${ptzConfiguration('tptz:PTZConfiguration')}</tptz:GetConfigurationsResponse>`;
    default: return notSupported();
  }
}

// ---- the entry point --------------------------------------------------------------------------------------------

const header = (h: OnvifRequest['headers'], name: string) => { const v = h[name]; return Array.isArray(v) ? v[0] : v; };

/** Hikvision's 401 page for a refused ONVIF or snapshot request (HTML, not SOAP). */
const HIK_401_BODY = '<!DOCTYPE html><html><head><title>Document Error: Unauthorized</title></head><body><h2>Access Error: 401 -- Unauthorized</h2>'
  + '<p>Authentication Error: Access Denied! Authorization required.</p></body></html>';

/** Which profile's snapshot URI a path (with its query) is, or -1. */
function snapshotIndex(d: SimDevice, path: string): number {
  return profiles(d).findIndex((_, i) => snapshotPath(d, i) === path);
}

/**
 * Answers an HTTP request for the device's ONVIF services or snapshot, or returns null when the path is not ONVIF's
 * (the transport then serves the web UI). The transport adds Server, Date, Content-Length and connection headers,
 * and applies the device's `slow` delay; `malformed` and `entity-bomb` devices are answered here.
 */
export function answerOnvif(d: SimDevice, req: OnvifRequest, credentials: OnvifCredentials): OnvifReply | null {
  if (!d.onvif) return null;
  const pathname = req.path.split('?')[0];
  const snap = snapshotIndex(d, req.path);
  if (snap >= 0) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, headers: [['Allow', 'GET']], body: '' };
    if (d.onvifAuth && !httpDigestValid(d, req.method, req.path, header(req.headers, 'authorization'), credentials)) {
      return { status: 401, headers: [['Content-Type', 'text/html'], ...challenges(d)], body: family(d) === 'hikvision' ? HIK_401_BODY : '' };
    }
    return { status: 200, headers: [['Content-Type', 'image/jpeg']], body: req.method === 'HEAD' ? '' : snapshotJpeg() };
  }
  if (!isOnvifPath(d, req.path)) return null;
  if (req.method !== 'POST') return { status: 405, headers: [['Allow', 'POST'], ['Content-Type', 'text/plain']], body: 'Method Not Allowed' };
  if (d.behaviour === 'malformed') return { status: 200, headers: [['Content-Type', contentType('1.2')]], body: GARBAGE_XML };
  if (d.behaviour === 'entity-bomb') return { status: 200, headers: [['Content-Type', contentType('1.2')]], body: BILLION_LAUGHS };

  const text = typeof req.body === 'string' ? req.body : req.body.toString('utf8');
  const r = readRequest(text);
  if (r === 'malformed') return faultReply('1.2', { code: 'Sender', subcodes: ['ter:WellFormed'], reason: 'Well-formed Error' });
  if (r === 'version') return faultReply('1.2', { code: 'VersionMismatch', subcodes: [], reason: 'SOAP version mismatch: the envelope must be SOAP 1.2 (or 1.1)' });
  const service = services(d).find((s) => SERVICE_NS[s] === r.namespace && SERVICE_PATHS[family(d)][s] === pathname);
  if (!service) {
    return faultReply(r.version, r.operation ? notSupported(`${r.operation} is not an operation of the service at ${pathname}`) : { code: 'Sender', subcodes: ['ter:InvalidArgs'], reason: 'No operation in the SOAP body' });
  }

  if (!PRE_AUTH.has(r.operation)) {
    const hasToken = /<(?:[\w.-]+:)?UsernameToken\b/.test(r.header);
    const authorization = usesHttpDigest(d) ? header(req.headers, 'authorization') : undefined;
    const authenticated = (hasToken && digestValid(r.header, credentials)) || (!!authorization && httpDigestValid(d, 'POST', req.path, authorization, credentials));
    // A device that allows anonymous reads still checks credentials it is given.
    if (!authenticated && (d.onvifAuth || hasToken || authorization)) {
      if (usesHttpDigest(d)) return { status: 401, headers: [['Content-Type', 'text/html'], ...challenges(d)], body: HIK_401_BODY };
      return faultReply(r.version, { code: 'Sender', subcodes: ['ter:NotAuthorized'], reason: 'Sender not Authorized' });
    }
  }
  const answer = operate(d, service, r.operation, r.body);
  if (typeof answer !== 'string') return faultReply(r.version, answer);
  return { status: 200, headers: [['Content-Type', contentType(r.version)]], body: envelope(r.version, answer) };
}

// ---- WS-Discovery -----------------------------------------------------------------------------------------------

const DEVICE_TYPES = [[NS.dn, 'NetworkVideoTransmitter'], [NS.tds, 'Device']];
const appSequence = { instanceId: Math.floor(Date.now() / 1000), messageNumber: 0 };

/** RFC 3986 scope matching (WS-Discovery's default MatchBy): same scheme and authority, path segments as a prefix. */
function scopeMatches(wanted: string, have: string): boolean {
  const split = (s: string) => { const m = /^([a-z][\w+.-]*:\/\/[^/]*)(.*)$/i.exec(s); return m ? [m[1].toLowerCase(), m[2].split('/').filter(Boolean)] as const : null; };
  const w = split(wanted), h = split(have);
  if (!w || !h || w[0] !== h[0] || w[1].length > h[1].length) return wanted === have;
  return w[1].every((seg, i) => seg === h[1][i]);
}

/**
 * The device's answer to a WS-Discovery message, or null when it should stay quiet: not a Probe, or a Probe whose
 * Types or Scopes the device does not match (a Probe for dn:NetworkVideoDisplay finds no camera).
 */
export function answerProbe(d: SimDevice, text: string): string | null {
  if (text.length > 64 * 1024 || /<!DOCTYPE|<!ENTITY/i.test(text)) return null;
  const probe = /<(?:([\w.-]+):)?Probe\b[^>]*?(\/?)>/.exec(text);
  if (!probe || /ProbeMatches/.test(text)) return null;
  const declarations = [...text.matchAll(/\sxmlns(?::([\w.-]+))?\s*=\s*["']([^"']*)["']/g)];
  const nsOf = (prefix: string, at: number) => {
    let uri: string | undefined;
    for (const m of declarations) if (m.index! <= at && (m[1] ?? '') === prefix) uri = m[2];
    return uri;
  };
  const inner = probe[2] ? '' : text.slice(probe.index, text.indexOf('Probe>', probe.index + probe[0].length) + 6);
  const typesEl = /<(?:[\w.-]+:)?Types\b[^>]*>([^<]*)</.exec(inner);
  const typesAt = probe.index + (typesEl ? inner.indexOf(typesEl[0]) + typesEl[0].indexOf('>') : 0);
  for (const qname of (typesEl?.[1] ?? '').trim().split(/\s+/).filter(Boolean)) {
    const [prefix, local] = qname.includes(':') ? qname.split(':', 2) : ['', qname];
    const ns = nsOf(prefix, typesAt);
    // An undeclared prefix is taken at its local name, as lenient devices do; a declared one must match exactly.
    if (!DEVICE_TYPES.some(([n, l]) => l === local && (ns === undefined || ns === n))) return null;
  }
  const scopesEl = /<(?:[\w.-]+:)?Scopes\b([^>]*)>([^<]*)</.exec(inner);
  if (scopesEl && scopesEl[2].trim()) {
    const matchBy = /MatchBy\s*=\s*["']([^"']*)["']/.exec(scopesEl[1])?.[1] ?? 'http://schemas.xmlsoap.org/ws/2005/04/discovery/rfc3986';
    const exact = /strcmp0$/.test(matchBy);
    const ok = scopesEl[2].trim().split(/\s+/).every((w) => d.scopes.some((h) => (exact ? w === h : scopeMatches(unesc(w), h))));
    if (!ok) return null;
  }
  if (d.behaviour === 'malformed') return GARBAGE_XML;
  if (d.behaviour === 'entity-bomb') return BILLION_LAUGHS;
  const relatesTo = /<(?:[\w.-]+:)?MessageID\b[^>]*>([^<]{1,200})</.exec(text)?.[1]?.trim() ?? '';
  appSequence.messageNumber++;
  return `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soap12}" xmlns:wsa="${NS.wsa}" xmlns:d="${NS.wsd}"`
    + ` xmlns:dn="${NS.dn}" xmlns:tds="${NS.tds}"><SOAP-ENV:Header>`
    + `<wsa:MessageID>urn:uuid:${crypto.randomUUID()}</wsa:MessageID><wsa:RelatesTo>${esc(unesc(relatesTo))}</wsa:RelatesTo>`
    + `<wsa:To SOAP-ENV:mustUnderstand="1">${NS.wsa}/role/anonymous</wsa:To>`
    + `<wsa:Action SOAP-ENV:mustUnderstand="1">${NS.wsd}/ProbeMatches</wsa:Action>`
    + `<d:AppSequence SOAP-ENV:mustUnderstand="1" InstanceId="${appSequence.instanceId}" MessageNumber="${appSequence.messageNumber}"/>`
    + '</SOAP-ENV:Header><SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>'
    + `<wsa:EndpointReference><wsa:Address>${esc(d.endpoint)}</wsa:Address></wsa:EndpointReference>`
    + '<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>'
    + `<d:Scopes>${d.scopes.map(esc).join(' ')}</d:Scopes><d:XAddrs>${xaddr(d, 'device')}</d:XAddrs><d:MetadataVersion>10</d:MetadataVersion>`
    + '</d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>';
}

/** Whether the device's ONVIF side answers this path (a service endpoint or a snapshot URI). */
export function isOnvifPath(d: SimDevice, path: string): boolean {
  if (!d.onvif) return false;
  const pathname = path.split('?')[0];
  return services(d).some((s) => SERVICE_PATHS[family(d)][s] === pathname) || snapshotIndex(d, path) >= 0;
}
