// The simulated devices' RTSP server (port 554), per make: OPTIONS, DESCRIBE (401 with the make's realm until the
// client authenticates, then SDP), SETUP/PLAY/TEARDOWN minimal (no media is sent), and what the real servers answer to
// a request that is not RTSP (nmap's HTTP GET and SIP OPTIONS probes).
//
// Real servers dispatch on the METHOD, not the protocol token: a Hikvision camera answers `OPTIONS sip:nm SIP/2.0`
// with RTSP 200 OK and a Dahua with 401, while an HTTP GET (no RTSP method) gets 400/405 — nmap's signatures show it.
// Facts: nmap = /usr/share/nmap/nmap-service-probes (Debian nmap 7.93); issues cited by repository#number.
import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { SimDevice } from './fleet';
import { rtspPaths } from './onvif';
import { hikRealm, readRequests, type WireRequest } from './wire';

export interface Credentials { username: string; password: string }

/**
 * The make's well-known RTSP paths of the main and sub stream (what people and recorders type in). The ONVIF media
 * service hands out its own URIs (onvif.ts streamPath, often with a query); the server answers both.
 */
export function streamPaths(d: SimDevice): { main: string; sub: string } {
  switch (rtspFamily(d)) {
    case 'hik-ipc': case 'hik-nvr': case 'hik-old':
      return { main: '/Streaming/Channels/101', sub: '/Streaming/Channels/102' }; // Hikvision ISAPI streaming channels
    case 'dahua': return { main: '/cam/realmonitor?channel=1&subtype=0', sub: '/cam/realmonitor?channel=1&subtype=1' }; // retina#62
    case 'axis': return { main: '/axis-media/media.amp', sub: '/axis-media/media.amp?resolution=640x360' }; // VAPIX media.amp
    case 'hanwha': return { main: '/profile2/media.smp', sub: '/profile3/media.smp' }; // cameradar#199
    case 'xiongmai': return { main: '/user=admin&password=&channel=1&stream=0.sdp', sub: '/user=admin&password=&channel=1&stream=1.sdp' };
    case 'avigilon': return { main: '/defaultPrimary?streamType=u', sub: '/defaultSecondary?streamType=u' };
    default:
      if (d.make === 'uniview') return { main: '/media/video1', sub: '/media/video2' };
      if (d.make === 'bosch') return { main: '/rtsp_tunnel?inst=1&h26x=4', sub: '/rtsp_tunnel?inst=2&h26x=4' };
      return { main: '/live/ch0', sub: '/live/ch1' };
  }
}

type Family = 'hik-ipc' | 'hik-nvr' | 'hik-old' | 'dahua' | 'axis' | 'hanwha' | 'xiongmai' | 'avigilon' | 'other';

function rtspFamily(d: SimDevice): Family {
  if (d.make.startsWith('dahua')) return 'dahua';
  if (d.make.startsWith('hikvision')) {
    return d.httpServer === 'DNVRS-Webs' || d.httpServer === 'DVRDVS-Webs' ? 'hik-nvr' : d.httpServer === 'Hikvision-Webs' ? 'hik-old' : 'hik-ipc';
  }
  if (d.make === 'axis' || d.make === 'hanwha' || d.make === 'xiongmai' || d.make === 'avigilon') return d.make;
  return 'other';
}

/** The realm a device's RTSP server challenges with. */
export function rtspRealm(d: SimDevice): string {
  if (d.profile) return d.profile.rtspServer ? d.profile.realm ?? '' : ''; // only the fingerprint's own realm
  switch (rtspFamily(d)) {
    case 'hik-ipc': return hikRealm(d); // frigate#9006: Basic realm="IP Camera(L4906)" on RTSP
    case 'hik-nvr': case 'hik-old': return 'Hikvision'; // nmap: Digest realm="Hikvision" (Hikvision DVR rtspd)
    case 'dahua': return `Login to ${d.serial}`; // retina#62: Digest realm="Login to 4K01FD2PAJ6E3FF"
    case 'axis': return `AXIS_${d.serial.toUpperCase()}`;
    case 'hanwha': return 'iPOLiS'; // cameradar#199
    case 'xiongmai': return 'H264DVR';
    default: return d.manufacturer;
  }
}

const hex32 = () => crypto.randomBytes(16).toString('hex');
const md5 = (s: string) => crypto.createHash('md5').update(s).digest('hex');
/** Hikvision's RTSP Date, two spaces and all: "Date:  Sat, Apr 25 2026 00:05:48 GMT" (go2rtc#2232). */
function hikDate(t = new Date()): string {
  const [day, date, month, year, time] = t.toUTCString().split(' '); // "Sat, 25 Apr 2026 00:05:48 GMT"
  return ` ${day} ${month} ${date} ${year} ${time} GMT`;
}

/** Whether an Authorization header (Basic, or Digest per RFC 2617 with or without qop) carries the login. */
export function authorized(header: string | undefined, method: string, creds: Credentials): boolean {
  if (!header) return false;
  const basic = /^Basic\s+(\S+)/i.exec(header);
  if (basic) return Buffer.from(basic[1], 'base64').toString('utf8') === `${creds.username}:${creds.password}`;
  if (!/^Digest\s/i.test(header)) return false;
  const p: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) p[m[1].toLowerCase()] = m[2] ?? m[3];
  if (p.username !== creds.username || !p.realm || !p.nonce || !p.uri || !p.response) return false;
  const ha1 = md5(`${creds.username}:${p.realm}:${creds.password}`);
  const ha2 = md5(`${method}:${p.uri}`);
  const expected = p.qop ? md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`) : md5(`${ha1}:${p.nonce}:${ha2}`);
  return expected === p.response.toLowerCase();
}

const RTSP_METHODS = new Set(['OPTIONS', 'DESCRIBE', 'SETUP', 'PLAY', 'PAUSE', 'TEARDOWN', 'GET_PARAMETER', 'SET_PARAMETER']);

/** A minimal SDP for one H.264 video track (what the client needs to SETUP it). */
function sdp(d: SimDevice, base: string): string {
  const id = crypto.randomInt(1e9, 2e9);
  return ['v=0', `o=- ${id} ${id} IN IP4 ${d.address}`, `s=${d.manufacturer} Media Server`, 'c=IN IP4 0.0.0.0', 't=0 0', 'a=control:*',
    'a=range:npt=now-', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000',
    'a=fmtp:96 packetization-mode=1;profile-level-id=4D0029', `a=control:${base}trackID=1`, 'a=recvonly', ''].join('\r\n');
}

/** Serves RTSP on one accepted connection (after the behaviour checks: stalled or silent devices never get here). */
export function serveRtsp(d: SimDevice, socket: Duplex, creds: Credentials, opts: { later: (fn: () => void) => void; onRequest: () => void }): void {
  const family = rtspFamily(d);
  const session = crypto.randomBytes(4).readUInt32BE(0).toString(16).toUpperCase();
  const write = (text: string) => { if (!socket.destroyed) socket.write(text, 'latin1'); };

  const answer = (r: WireRequest): { text: string; close?: boolean } => {
    const cseq = r.headers.cseq; // echoed as sent ("42 OPTIONS" from a SIP client: nmap's Hikvision line shows that)
    const cs = cseq !== undefined ? `CSeq: ${cseq}\r\n` : '';
    const isHttp = /^HTTP\//.test(r.protocol);
    if (!RTSP_METHODS.has(r.method) || (family === 'axis' && isHttp)) return notRtsp(r, cseq, isHttp);

    const uri = r.target;
    const path = pathOf(uri);
    // A stream, or one of its tracks ("<stream>/trackID=1", after the query for Dahua's "?channel=1&subtype=0/trackID=1").
    // The make's usual paths and the ones its ONVIF media service hands out (GetStreamUri) are both streams.
    const known = [...Object.values(streamPaths(d)), ...rtspPaths(d)].some((p) => path === p || path.startsWith(`${p}/`) || path.startsWith(`${p.split('?')[0]}/`))
      || (family === 'xiongmai' && /channel=\d/.test(path));
    const ok = authorized(r.headers.authorization, r.method, creds);
    const realm = rtspRealm(d);

    if (r.method === 'OPTIONS') {
      switch (family) {
        // nmap SIPOptions: `RTSP/1\.0 200 OK\r\nCSeq: 42 OPTIONS\r\nPublic: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN,
        // SET_PARAMETER, GET_PARAMETER\r\nDate: .*\r\n\r\n` (Hikvision 7513 POE IP camera rtspd).
        case 'hik-ipc': return { text: `RTSP/1.0 200 OK\r\n${cs}Public: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\nDate: ${hikDate()}\r\n\r\n` };
        // nmap RTSPRequest: `RTSP/1\.0 401 Unauthorized\r\nWWW-Authenticate: Digest realm="Hikvision", nonce="[\da-f]{32}",
        // stale="FALSE"\r\nWWW-Authenticate: Basic realm="/"\r\n\r\n` (Hikvision DVR rtspd).
        case 'hik-nvr':
          if (!ok) return { text: `RTSP/1.0 401 Unauthorized\r\n${cs}WWW-Authenticate: Digest realm="Hikvision", nonce="${hex32()}", stale="FALSE"\r\nWWW-Authenticate: Basic realm="/"\r\n\r\n` };
          return { text: `RTSP/1.0 200 OK\r\n${cs}Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, PAUSE\r\n\r\n` };
        // nmap RTSPRequest: `RTSP/1\.0 200 OK\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, PAUSE\r\n\r\n$` (Hikvision DVR rtspd).
        case 'hik-old': return { text: `RTSP/1.0 200 OK\r\n${cs}Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, PAUSE\r\n\r\n` };
        // Dahua asks for a login even for OPTIONS (retina#62 and a CSDN capture; nmap SIPOptions `RTSP/1\.0 401
        // Unauthorized\r\nCSeq: 42\r\nWWW-Authenticate: Digest realm="Login to ([\w._-]+)", nonce="[a-f\d]{32}"\r\n\r\n`),
        // and names itself "Rtsp Server/3.0" once logged in.
        case 'dahua':
          if (!ok) return { text: `RTSP/1.0 401 Unauthorized\r\n${cs}WWW-Authenticate: Digest realm="${realm}", nonce="${hex32()}"\r\n\r\n` };
          return { text: `RTSP/1.0 200 OK\r\n${cs}Server: Rtsp Server/3.0\r\nPublic: OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, PAUSE, TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\n\r\n` };
        // nmap RTSPRequest: `RTSP/1\.0 200 OK\r\nPublic: DESCRIBE, GET_PARAMETER, PAUSE, PLAY, SETUP, SET_PARAMETER, TEARDOWN\r\n\r\n$` (AXIS rtspd).
        case 'axis': return { text: `RTSP/1.0 200 OK\r\n${cs}Public: DESCRIBE, GET_PARAMETER, PAUSE, PLAY, SETUP, SET_PARAMETER, TEARDOWN\r\n\r\n` };
        // nmap RTSPRequest: `RTSP/1\.0 200 OK\r\nServer: H264DVR ([\d.]+)\r\nPublic: OPTIONS, DESCRIBE, SETUP, TEARDOWN, GET_PARAMETER, SET_PARAMETER, PLAY, PAUSE\r\n\r\n`.
        case 'xiongmai': return { text: `RTSP/1.0 200 OK\r\n${cs}Server: ${d.rtspServer}\r\nPublic: OPTIONS, DESCRIBE, SETUP, TEARDOWN, GET_PARAMETER, SET_PARAMETER, PLAY, PAUSE\r\n\r\n` };
        // nmap RTSPRequest (OPTIONS on "/", no stream there): `RTSP/1\.0 404 Not Found\r\nServer: AvigilonOnvifNvt/([\d.]+)\r\n`.
        case 'avigilon':
          if (!known) return { text: `RTSP/1.0 404 Not Found\r\n${cs}Server: ${d.rtspServer}\r\n\r\n` };
          return { text: `RTSP/1.0 200 OK\r\n${cs}Server: ${d.rtspServer}\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER\r\n\r\n` };
        case 'hanwha': return { text: `RTSP/1.0 200 OK\r\n${cs}Date: ${new Date().toUTCString()}\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER\r\n\r\n` };
        default: return { text: `RTSP/1.0 200 OK\r\n${cs}${d.rtspServer ? `Server: ${d.rtspServer}\r\n` : ''}Public: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER\r\n\r\n` };
      }
    }
    if (!ok) return { text: unauthorized(cs, realm) };
    if (!known) return { text: `RTSP/1.0 404 Not Found\r\n${cs}\r\n` };
    switch (r.method) {
      case 'DESCRIBE': {
        const base = uri.endsWith('/') ? uri : `${uri}/`;
        const body = sdp(d, base);
        return { text: `RTSP/1.0 200 OK\r\n${cs}Content-Base: ${base}\r\nContent-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` };
      }
      case 'SETUP': {
        const transport = (r.headers.transport ?? 'RTP/AVP;unicast;client_port=5000-5001').slice(0, 200);
        const reply = /client_port=(\d+)-(\d+)/.test(transport) ? `${transport};server_port=6970-6971` : transport;
        return { text: `RTSP/1.0 200 OK\r\n${cs}Session: ${session};timeout=60\r\nTransport: ${reply}\r\n\r\n` };
      }
      case 'PLAY': return { text: `RTSP/1.0 200 OK\r\n${cs}Session: ${session}\r\nRange: npt=0.000-\r\n\r\n` };
      case 'TEARDOWN': return { text: `RTSP/1.0 200 OK\r\n${cs}Session: ${session}\r\n\r\n`, close: true };
      default: return { text: `RTSP/1.0 200 OK\r\n${cs}Session: ${session}\r\n\r\n` };
    }
  };

  /** The 401 on DESCRIBE/SETUP/PLAY, in the make's header order. */
  const unauthorized = (cs: string, realm: string): string => {
    switch (family) {
      // go2rtc#2232 (Hikvision DS-2CD1148-I): Digest (stale="FALSE"), then Basic with the same realm, then Date.
      case 'hik-ipc': return `RTSP/1.0 401 Unauthorized\r\n${cs}WWW-Authenticate: Digest realm="${realm}", nonce="${hex32()}", stale="FALSE"\r\nWWW-Authenticate: Basic realm="${realm}"\r\nDate: ${hikDate()}\r\n\r\n`;
      case 'hik-nvr': case 'hik-old': return `RTSP/1.0 401 Unauthorized\r\n${cs}WWW-Authenticate: Digest realm="${realm}", nonce="${hex32()}", stale="FALSE"\r\nWWW-Authenticate: Basic realm="/"\r\n\r\n`;
      case 'dahua': return `RTSP/1.0 401 Unauthorized\r\n${cs}WWW-Authenticate: Digest realm="${realm}", nonce="${hex32()}"\r\n\r\n`;
      // cameradar#199 (Hanwha iPOLiS): CSeq, Date, Expires, Cache-Control, then the challenge with an upper-case nonce.
      case 'hanwha': {
        const now = new Date().toUTCString();
        return `RTSP/1.0 401 Unauthorized\r\n${cs}Date: ${now}\r\nExpires: ${now}\r\nCache-Control: must-revalidate\r\nWWW-Authenticate: Digest realm="${realm}", nonce="${hex32().toUpperCase()}"\r\n\r\n`;
      }
      default: {
        // A profile device challenges exactly as its fingerprint shows.
        const challenge = d.profile?.rtspServer && d.profile.wwwAuthenticate ? d.profile.wwwAuthenticate : `Digest realm="${realm}", nonce="${hex32()}"`;
        return `RTSP/1.0 401 Unauthorized\r\n${cs}${d.rtspServer ? `Server: ${d.rtspServer}\r\n` : ''}WWW-Authenticate: ${challenge}\r\n\r\n`;
      }
    }
  };

  /** A request with no RTSP method (an HTTP GET, a garbled line): what each real server answers. */
  const notRtsp = (r: WireRequest | null, cseq: string | undefined, isHttp: boolean): { text: string; close?: boolean } => {
    switch (family) {
      // nmap GetRequest: `RTSP/1\.0 405 Method Not Allowed\r\nServer: Dahua Rtsp Server\r\nContent-Length: 0\r\nCSeq: 0\r\n\r\n`.
      case 'dahua': return { text: `RTSP/1.0 405 Method Not Allowed\r\nServer: Dahua Rtsp Server\r\nContent-Length: 0\r\nCSeq: ${cseq ?? 0}\r\n\r\n` };
      // nmap GetRequest: `HTTP/1\.1 200 OK\r\nContent-Type: application/x-rtsp-tunnelled\r\nServer: H264DVR ([\d.]+)\r\nConnection:
      // close\r\nCache-Control: private\r\n\r\n` — the RTSP-over-HTTP tunnel answer, then the server hangs up.
      case 'xiongmai':
        if (r?.method === 'GET') return { text: `HTTP/1.1 200 OK\r\nContent-Type: application/x-rtsp-tunnelled\r\nServer: ${d.rtspServer}\r\nConnection: close\r\nCache-Control: private\r\n\r\n`, close: true };
        return { text: `RTSP/1.0 400 Bad Request\r\nServer: ${d.rtspServer}\r\n\r\n`, close: true };
      // nmap HTTPOptions: `HTTP/1\.0 501 Not Implemented\r\nAllow: DESCRIBE, GET_PARAMETER, PAUSE, PLAY, SETUP, SET_PARAMETER,
      // TEARDOWN\r\n` — Axis answers an HTTP request in HTTP.
      case 'axis':
        if (isHttp) return { text: 'HTTP/1.0 501 Not Implemented\r\nAllow: DESCRIBE, GET_PARAMETER, PAUSE, PLAY, SETUP, SET_PARAMETER, TEARDOWN\r\n\r\n', close: true };
        return { text: `RTSP/1.0 400 Bad Request\r\n${cseq !== undefined ? `CSeq: ${cseq}\r\n` : ''}\r\n`, close: true };
      case 'hik-ipc': return { text: `RTSP/1.0 400 Bad Request\r\n${cseq !== undefined ? `CSeq: ${cseq}\r\n` : ''}Date: ${hikDate()}\r\n\r\n`, close: true };
      default: return { text: `RTSP/1.0 400 Bad Request\r\n${cseq !== undefined ? `CSeq: ${cseq}\r\n` : ''}${d.rtspServer ? `Server: ${d.rtspServer}\r\n` : ''}\r\n`, close: true };
    }
  };

  readRequests(socket, (r, next) => {
    opts.onRequest();
    opts.later(() => {
      const a = r ? answer(r) : notRtsp(null, undefined, false);
      write(a.text);
      if (a.close || !r) socket.end(); else next();
    });
  });
}

function pathOf(uri: string): string {
  const m = /^rtsp:\/\/[^/]*(\/.*)?$/i.exec(uri);
  return m ? m[1] ?? '/' : uri;
}
