// The simulated devices' HTTP on the wire: one small request parser (bounded) and, per make, the answer bytes the
// real web servers send — status line (HTTP/1.0 or 1.1, reason phrase), header names, casing and order, Server,
// Date format, WWW-Authenticate scheme and realm. Node's http module cannot do this (it always answers HTTP/1.1 in
// its own header order), so answers are written on the raw socket.
//
// Facts, each from a public source (cited where used):
//   nmap: /usr/share/nmap/nmap-service-probes (Debian nmap 7.93) match lines for the GetRequest probe
//   recog: rapid7/recog xml/http_wwwauth.xml, xml/http_servers.xml, xml/html_title.xml
import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { SimDevice } from './fleet';

export const MAX_REQUEST_HEAD = 16 * 1024;
export const MAX_REQUEST_BODY = 256 * 1024;

export interface WireRequest {
  method: string;
  /** The request target as sent ("/ISAPI/System/deviceInfo?x=1"). */
  target: string;
  path: string;
  /** "HTTP/1.0", "HTTP/1.1", or whatever else the client wrote ("RTSP/1.0", "SIP/2.0"). */
  protocol: string;
  /** Header names in lower case; a repeated header keeps its first value. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface Answer {
  status: number;
  /** Content headers the route knows (Content-Type, Location, WWW-Authenticate, ETag…); the style orders them. */
  headers?: [string, string][];
  body?: string | Buffer;
}

/** Reads requests off a connection one at a time; a head over 16 KiB or a body over 256 KiB ends the connection. */
export function readRequests(socket: Duplex, onRequest: (r: WireRequest | null, next: () => void) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  let waiting: { head: Omit<WireRequest, 'body'>; length: number | 'chunked' } | null = null;
  let busy = false;
  const pump = () => {
    while (!busy) {
      if (!waiting) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > MAX_REQUEST_HEAD) { socket.destroy(); buf = Buffer.alloc(0); return; }
          // Like the real servers' request-line parsers, give up at once on bytes that cannot start a request (a TLS
          // hello, a binary probe) or on a first line that is not one, instead of waiting for the client's timeout.
          const eol = buf.indexOf('\n');
          if (buf.length && (buf[0] < 0x41 || buf[0] > 0x5a || (eol >= 0 && !parseHead(buf.subarray(0, eol).toString('latin1').replace(/\r$/, ''))))) {
            busy = true; buf = Buffer.alloc(0); onRequest(null, next);
          }
          return;
        }
        const head = parseHead(buf.subarray(0, end).toString('latin1'));
        buf = buf.subarray(end + 4);
        if (!head) { busy = true; onRequest(null, next); return; }
        const chunked = /chunked/i.test(head.headers['transfer-encoding'] ?? '');
        const length = Number(head.headers['content-length'] ?? 0);
        if (!chunked && (!Number.isInteger(length) || length < 0 || length > MAX_REQUEST_BODY)) { busy = true; onRequest(null, next); return; }
        waiting = { head, length: chunked ? 'chunked' : length };
      }
      let body: Buffer;
      if (waiting.length === 'chunked') {
        const decoded = dechunk(buf);
        if (decoded === 'bad') { busy = true; waiting = null; buf = Buffer.alloc(0); onRequest(null, next); return; }
        if (!decoded) return;
        body = decoded.body;
        buf = buf.subarray(decoded.used);
      } else {
        if (buf.length < waiting.length) return;
        body = buf.subarray(0, waiting.length);
        buf = buf.subarray(waiting.length);
      }
      const request: WireRequest = { ...waiting.head, body };
      waiting = null;
      busy = true;
      onRequest(request, next);
    }
  };
  // The next request (keep-alive) is read only once the answer to this one is written.
  const next = () => { busy = false; pump(); };
  socket.on('data', (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    if (buf.length > MAX_REQUEST_HEAD + MAX_REQUEST_BODY) { socket.destroy(); buf = Buffer.alloc(0); return; } // a flood, not requests
    pump();
  });
}

/** A chunked body (RFC 9112 §7.1): the body and the bytes it took, null while incomplete, 'bad' when malformed or too big. */
function dechunk(buf: Buffer): { body: Buffer; used: number } | null | 'bad' {
  const parts: Buffer[] = [];
  let at = 0;
  let size = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return buf.length - at > 1024 ? 'bad' : null;
    const n = parseInt(buf.subarray(at, eol).toString('latin1').split(';')[0], 16);
    if (!Number.isInteger(n) || n < 0) return 'bad';
    if (n === 0) {
      const end = buf.indexOf('\r\n\r\n', eol);
      return end < 0 ? null : { body: Buffer.concat(parts), used: end + 4 };
    }
    size += n;
    if (size > MAX_REQUEST_BODY) return 'bad';
    if (buf.length < eol + 2 + n + 2) return null;
    parts.push(buf.subarray(eol + 2, eol + 2 + n));
    at = eol + 2 + n + 2;
  }
}

function parseHead(text: string): Omit<WireRequest, 'body'> | null {
  const lines = text.split('\r\n');
  const m = /^([A-Z_]{1,20}) (\S{1,4096}) ([A-Z]{1,8}\/\d\.\d)$/.exec(lines[0] ?? '');
  if (!m) return null;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1, 100)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    headers[name] ??= line.slice(i + 1).trim();
  }
  let path = m[2];
  try { path = new URL(m[2], 'http://device').pathname; } catch { /* keep the raw target */ }
  return { method: m[1], target: m[2], path, protocol: m[3], headers };
}

// ---- dates ----------------------------------------------------------------------------------------------------

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');
const clock = (t: Date) => `${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())}`;
/** RFC 1123: "Sat, 06 Dec 2026 02:23:00 GMT". */
export const httpDate = (t = new Date()) => t.toUTCString();
/** GoAhead-style "Sat Dec 06 02:23:00 2026" (nmap: `Server: Hikvision-Webs\r\nDate: [\w: ]{19} \d\d\d\d`). */
const ctimeDate = (t = new Date()) => `${DAYS[t.getUTCDay()]} ${MONTHS[t.getUTCMonth()]} ${two(t.getUTCDate())} ${clock(t)} ${t.getUTCFullYear()}`;

// ---- per-make styles ------------------------------------------------------------------------------------------

const REASONS: Record<number, string> = {
  200: 'OK', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
};

/** How one family's web server writes an answer. */
interface HttpStyle {
  version: '1.0' | '1.1';
  /** Keeps the connection for another request when the client asks for it (HTTP/1.1 servers only). */
  keepAlive: boolean;
  /** The header block in this server's order and casing. */
  headers(h: HeadFacts): [string, string][];
}

interface HeadFacts {
  status: number;
  server: string | null;
  length: number;
  type: string | null;
  /** Route headers other than Content-Type (Location, WWW-Authenticate, ETag…). */
  extra: [string, string][];
  keepAlive: boolean;
}

const conn = (h: HeadFacts) => (h.keepAlive ? 'keep-alive' : 'close');
const typed = (h: HeadFacts, name = 'Content-Type'): [string, string][] => (h.type ? [[name, h.type]] : []);
const served = (h: HeadFacts): [string, string][] => (h.server ? [['Server', h.server]] : []);
/** Hikvision's own web servers: Date, Server, then the body's headers (App-webs and DVRDVS-Webs differ only in version). */
const hikHeaders = (h: HeadFacts): [string, string][] => [['Date', httpDate()], ...served(h), ...h.extra, ['Content-Length', String(h.length)], ...typed(h), ['Connection', 'close']];
/** GoAhead and the Hikvision-Webs derived from it: Server, a ctime Date, Pragma, Cache-Control, Content-Type first. */
const goaheadHeaders = (h: HeadFacts): [string, string][] => [...served(h), ['Date', ctimeDate()], ['Pragma', 'no-cache'], ['Cache-Control', 'no-cache'], ...typed(h), ...h.extra,
  ['Content-Length', String(h.length)], ['Connection', 'close']];

/** Hikvision IP cameras: nmap `HTTP/1\.0 200 OK\r\nDate: .*\r\nServer: App-webs/\r\n` (Hikvision IP camera httpd). */
const APP_WEBS: HttpStyle = {
  version: '1.0', keepAlive: false,
  headers: hikHeaders,
};

/**
 * Hikvision NVRs: nmap `HTTP/1\.0 200 OK\r\nDate: .* GMT\r\nServer: DNVRS-Webs\r\nETag: "[a-f\d-]+"\r\nContent-Length: \d+\r\n
 * Content-Type: text/html\r\nConnection: close\r\nLast-Modified: .* GMT\r\n\r\n` (Hikvision Network Video Recorder http admin).
 */
const DNVRS_WEBS: HttpStyle = {
  version: '1.0', keepAlive: false,
  headers: (h) => {
    const etag = h.extra.filter(([n]) => n === 'ETag');
    const rest = h.extra.filter(([n]) => n !== 'ETag');
    return [['Date', httpDate()], ...served(h), ...etag, ...rest, ['Content-Length', String(h.length)], ...typed(h), ['Connection', 'close'],
      ...(etag.length ? [['Last-Modified', httpDate(new Date(Date.UTC(2023, 2, 14, 8, 0, 0)))] as [string, string]] : [])];
  },
};

/** Hikvision Turbo HD DVRs: nmap `HTTP/1\.1 \d\d\d .*\r\nDate: .* GMT\r\nServer: DVRDVS-Webs\r\n` (Hikvision DVR web UI). */
const DVRDVS_WEBS: HttpStyle = {
  version: '1.1', keepAlive: false,
  headers: hikHeaders,
};

/** Older Hikvision firmware (GoAhead-derived): nmap `HTTP/1\.[01] \d\d\d .*\r\nServer: Hikvision-Webs\r\nDate: [\w: ]{19} \d\d\d\d\r\n`. */
const HIKVISION_WEBS: HttpStyle = { version: '1.1', keepAlive: false, headers: goaheadHeaders };

/**
 * Dahua: upper-case header names, no Server header: nmap `HTTP/1\.1 200 OK\r\nCONNECTION: close\r\n(?:Date: .*\r\nLast-Modified: .*\r\n
 * Etag: "\d+:[\da-f]+"\r\n)?CONTENT-LENGTH: \d+\r\n(?:P3P: CP=CAO PSA OUR\r\n)?(?:CACHE-CONTROL: max-age=0\r\n)?CONTENT-TYPE: text/html\r\n\r\n`
 * (Dahua webcam httpd).
 */
const DAHUA: HttpStyle = {
  version: '1.1', keepAlive: false,
  headers: (h) => [['CONNECTION', 'close'], ...h.extra, ['CONTENT-LENGTH', String(h.length)], ['CACHE-CONTROL', 'max-age=0'], ...typed(h, 'CONTENT-TYPE')],
};

/** Xiongmai's uc-httpd: nmap `HTTP/1\.0 \d\d\d (?:[^\r\n]*\r\n(?!\r\n))*?Server: uc-httpd[ /]([\w._-]+)\r?\n` (uc-httpd). */
const UC_HTTPD: HttpStyle = {
  version: '1.0', keepAlive: false,
  headers: (h) => [...typed(h, 'Content-type'), ...served(h), ...h.extra, ['Content-Length', String(h.length)], ['Expires', '0'], ['Connection', 'close']],
};

/** Apache (Axis): Date, Server, the route's headers, Content-Length, Connection, Content-Type — the order of node-onvif#40's Axis 401. */
const APACHE: HttpStyle = {
  version: '1.1', keepAlive: true,
  headers: (h) => [['Date', httpDate()], ...served(h), ...h.extra, ['Content-Length', String(h.length)],
    ...(h.keepAlive ? [['Keep-Alive', 'timeout=5, max=100'] as [string, string]] : []), ['Connection', h.keepAlive ? 'Keep-Alive' : 'close'], ...typed(h)],
};

/** GoAhead (the catch-all generic camera): nmap GoAhead lines put Server, Date, Pragma, Cache-Control, Content-Type first. */
const GOAHEAD: HttpStyle = { version: '1.0', keepAlive: false, headers: goaheadHeaders };

/** Embedded HTTP/1.1 servers without a signature of their own (Hanwha, Bosch, Uniview). */
const PLAIN: HttpStyle = {
  version: '1.1', keepAlive: true,
  headers: (h) => [...served(h), ['Date', httpDate()], ...typed(h), ...h.extra, ['Content-Length', String(h.length)], ['Connection', conn(h)]],
};

export function httpStyle(d: SimDevice): HttpStyle {
  switch (d.httpServer) {
    case 'App-webs/': return APP_WEBS;
    case 'DNVRS-Webs': return DNVRS_WEBS;
    case 'DVRDVS-Webs': return DVRDVS_WEBS;
    case 'Hikvision-Webs': return HIKVISION_WEBS;
    case 'GoAhead-Webs': return GOAHEAD;
    default:
      if (d.make.startsWith('dahua')) return DAHUA;
      if (d.httpServer?.startsWith('uc-httpd')) return UC_HTTPD;
      if (d.httpServer?.startsWith('Apache')) return APACHE;
      return PLAIN;
  }
}

const nonceHex = (bytes: number) => crypto.randomBytes(bytes).toString('hex');

/** The WWW-Authenticate a make's web server sends with a 401 (scheme and realm as the real devices). */
export function httpChallenge(d: SimDevice): string {
  switch (d.httpServer) {
    // Newer Hikvision: realm "IP Camera(<5 characters>)" (frigate#9006 shows it on the same firmware's RTSP).
    case 'App-webs/': return `Digest qop="auth", realm="${hikRealm(d)}", nonce="${nonceHex(24)}", stale="FALSE"`;
    // recog http_wwwauth.xml: `(?:Basic|Digest) realm="hikvision"` on DVRs and NVRs sourced from Hikvision.
    case 'DNVRS-Webs': case 'DVRDVS-Webs': return `Digest qop="auth", realm="Hikvision", nonce="${nonceHex(24)}", stale="FALSE"`;
    case 'Hikvision-Webs': return 'Basic realm="Hikvision"'; // 2014-era firmware had Basic only (scrypted#891)
  }
  switch (d.make) {
    // Dahua: realm "Login to <serial>" (recog http_wwwauth.xml, Lorex NR900 example; retina#62 on RTSP).
    case 'dahua': case 'dahua-nvr': case 'dahua-honeywell': case 'dahua-lorex': case 'dahua-amcrest':
      return `Digest realm="Login to ${d.serial}", qop="auth", nonce="${crypto.randomInt(1e9, 2e9)}", opaque="${nonceHex(20)}"`;
    // Axis (Apache): realm "AXIS_<serial>" (node-onvif#40 shows AXIS_WS_<serial> on the ONVIF paths).
    case 'axis': return `Digest realm="AXIS_${d.serial.toUpperCase()}", nonce="${crypto.randomBytes(30).toString('base64')}", algorithm=MD5, qop="auth"`;
    // recog http_wwwauth.xml: Bosch `Digest realm="Use 'live' as User Name`.
    case 'bosch': return `Digest realm="Use 'live' as User Name in order to log in to the respective level",nonce="${nonceHex(16)}",opaque="",stale=FALSE,algorithm=MD5,qop="auth"`;
    // Hanwha (iPOLiS firmware, formerly Samsung Techwin): realm "iPOLiS" (cameradar#199, on RTSP).
    case 'hanwha': return `Digest realm="iPOLiS", nonce="${nonceHex(16).toUpperCase()}", qop="auth"`;
    default: return `Digest realm="IP Camera", nonce="${nonceHex(16)}", qop="auth"`;
  }
}

/** Hikvision's realm on newer firmware: "IP Camera(" + five characters of the serial + ")". */
export const hikRealm = (d: SimDevice) => `IP Camera(${d.serial.slice(-5)})`;

/** The answer's bytes (head and body) in the device's style; `head` alone when the body is streamed. */
export function serialize(d: SimDevice, req: WireRequest | null, a: Answer, opts: { extraHeaders?: [string, string][]; streamed?: boolean } = {}): { bytes: Buffer; keepAlive: boolean } {
  const style = httpStyle(d);
  const body = a.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(a.body) ? a.body : Buffer.from(a.body, 'utf8');
  const wantsKeepAlive = !!req && req.protocol === 'HTTP/1.1' && !/close/i.test(req.headers.connection ?? '');
  const keepAlive = style.keepAlive && wantsKeepAlive && !opts.streamed;
  const type = a.headers?.find(([n]) => n.toLowerCase() === 'content-type')?.[1] ?? null;
  const extra = (a.headers ?? []).filter(([n]) => n.toLowerCase() !== 'content-type');
  let headers = style.headers({ status: a.status, server: d.httpServer, length: body.length, type, extra, keepAlive });
  if (opts.streamed) headers = headers.filter(([n]) => n.toLowerCase() !== 'content-length');
  const reason = REASONS[a.status] ?? 'Unknown';
  const head = `HTTP/${style.version} ${a.status} ${reason}\r\n${[...headers, ...(opts.extraHeaders ?? [])].map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  const withBody = req?.method === 'HEAD' || opts.streamed ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
  return { bytes: withBody, keepAlive };
}
