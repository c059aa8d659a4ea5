// HTTP(S) probes: the web server banner (Server header, <title>) and which vendor paths answer. Every request is
// bounded in time (one deadline for connect, headers and body), header size and body size, so a device that stalls,
// floods or sends oversized headers costs only its own timeout.
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import { faviconHashes, type FaviconHashes } from './favicon';
import { findElement, parseDeviceXml, textOf } from './xml';

export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_BANNER_BODY = 32 * 1024;
/** The root page is kept up to this size as evidence (httpBody); a longer page is cut here. */
export const MAX_ROOT_BODY = 64 * 1024;
/** A favicon larger than this is not hashed (its hash would be of a part, matching nothing). */
export const MAX_FAVICON_BYTES = 64 * 1024;

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body was longer than the limit and was cut (the connection is closed). */
  truncated: boolean;
  /** Over TLS: the device certificate's subject and issuer ("CN=…, O=…"). */
  certificate?: CertificateNames | null;
}

export interface CertificateNames { subject: string | null; issuer: string | null }

export interface HttpRequest {
  host: string;
  port: number;
  tls?: boolean;
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBody?: number;
  signal?: AbortSignal;
}

let sharedContext: tls.SecureContext | null = null;
/** One TLS context for every device connection (building one per connection costs more than the handshake's own work). */
function readOnlyTls(): tls.SecureContext {
  return (sharedContext ??= tls.createSecureContext());
}

/** One request on its own connection. Rejects on timeout, reset, oversized headers or abort. */
export function httpRequest(r: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    if (r.signal?.aborted) { reject(new Error('aborted')); return; }
    const maxBody = r.maxBody ?? MAX_BANNER_BODY;
    const options: https.RequestOptions = {
      host: r.host, port: r.port, method: r.method ?? 'GET', path: r.path,
      headers: { 'User-Agent': 'sightline-discover', Accept: '*/*', Connection: 'close', ...r.headers },
      agent: false,
      maxHeaderSize: MAX_HEADER_BYTES,
      // Banner reading only: the device's certificate is read, never trusted for anything.
      ...(r.tls ? { rejectUnauthorized: false, servername: undefined, secureContext: readOnlyTls() } : {}),
    };
    let done = false;
    const finish = (err: Error | null, res?: HttpResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      r.signal?.removeEventListener('abort', onAbort);
      if (err) { req.destroy(); reject(err); } else resolve(res!);
    };
    const req = (r.tls ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const certificate = r.tls ? certificateNames((res.socket as tls.TLSSocket).getPeerCertificate?.()) : undefined;
      const result = (truncated: boolean): HttpResponse => ({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated, certificate });
      res.on('data', (chunk: Buffer) => {
        if (done) return;
        const room = maxBody - size;
        if (chunk.length >= room) {
          // Enough read: keep what fits and hang up, whatever the device means to send next.
          if (room > 0) chunks.push(chunk.subarray(0, room));
          size = maxBody;
          finish(null, result(true));
          res.destroy();
          req.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => finish(null, result(false)));
      res.on('error', (e) => finish(e));
      res.on('aborted', () => finish(new Error('connection closed mid-body')));
    });
    const timer = setTimeout(() => finish(new Error(`no complete answer within ${r.timeoutMs} ms`)), r.timeoutMs);
    const onAbort = () => finish(new Error('aborted'));
    r.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => finish(e));
    if (r.body) req.setHeader('Content-Length', Buffer.byteLength(r.body));
    req.end(r.body);
  });
}

/** A distinguished name as fingerprint collections write it: most specific first, "CN=…, O=…, C=…". */
function distinguishedName(names: tls.Certificate | undefined): string | null {
  if (!names || typeof names !== 'object') return null;
  const parts: string[] = [];
  // Node lists the attributes in certificate order (C first); people and collections read CN first.
  for (const [k, v] of Object.entries(names).reverse()) {
    for (const value of Array.isArray(v) ? v : [v]) {
      parts.push(`${k}=${String(value).replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/([,\\])/g, '\\$1')}`);
    }
  }
  const dn = parts.join(', ');
  return dn ? dn.slice(0, 300) : null;
}

export function certificateNames(cert: tls.PeerCertificate | undefined | null): CertificateNames | null {
  if (!cert || !Object.keys(cert).length) return null;
  return { subject: distinguishedName(cert.subject), issuer: distinguishedName(cert.issuer) };
}

/** The certificate of a TLS port, from the handshake alone (no request): for devices whose web UI answered over plain HTTP. */
export function readCertificate(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<CertificateNames> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new Error('aborted')); return; }
    // Read, never trusted: the certificate is evidence of who made the device, not of who it is.
    const socket = tls.connect({ host, port, rejectUnauthorized: false, servername: undefined, secureContext: readOnlyTls() });
    let done = false;
    const finish = (err: Error | null, names?: CertificateNames | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else if (!names) reject(new Error('TLS handshake gave no certificate'));
      else resolve(names);
    };
    const timer = setTimeout(() => finish(new Error(`no TLS handshake within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => finish(new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('secureConnect', () => finish(null, certificateNames(socket.getPeerCertificate())));
    socket.on('error', (e) => finish(e));
    socket.on('close', () => finish(new Error('connection closed during the TLS handshake')));
  });
}

/** A short description of a probe failure for people: "ECONNRESET", "Parse Error: Header overflow", … */
export function describeError(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { reason?: string };
  const msg = err?.code && err.code !== 'HPE_HEADER_OVERFLOW' ? `${err.code}` : err?.message ?? String(e);
  return msg.slice(0, 160);
}

/** A bounded, printable single-line header value. */
export function headerText(v: string | string[] | undefined, max = 200): string | null {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return null;
  const t = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return t ? t.slice(0, max) : null;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The <title> of an HTML page, entities decoded, whitespace collapsed; null when there is none. */
export function htmlTitle(html: string): string | null {
  const m = /<title[^>]*>([\s\S]{0,1000}?)<\/title\s*>/i.exec(html);
  if (!m) return null;
  const t = m[1]
    .replace(/&(#\d{1,6}|#x[0-9a-f]{1,6}|[a-z]{2,6});/gi, (all, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : all;
      }
      return ENTITIES[e.toLowerCase()] ?? all;
    })
    .replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return t ? t.slice(0, 200) : null;
}

/** Paths that are specific to a maker's web API or UI (see the catalogue's httpPath rules). */
export const VENDOR_PATHS = [
  '/ISAPI/System/deviceInfo',            // Hikvision ISAPI
  '/SDK/webLanguage',                    // Hikvision
  '/doc/page/login.asp',                 // Hikvision web UI
  '/RPC2_Login',                         // Dahua family
  '/cgi-bin/magicBox.cgi?action=getDeviceType', // Dahua family
  '/axis-cgi/param.cgi?action=list&group=root.Brand', // Axis VAPIX
  '/stw-cgi/system.cgi?msubmenu=deviceinfo&action=view', // Hanwha SUNAPI
  '/rcp.xml?command=0x0001',             // Bosch RCP+
  '/LAPI/V1.0/System/DeviceInfo',        // Uniview LAPI
  '/cgi-bin/viewer/video.jpg',           // VIVOTEK
  '/command/inquiry.cgi?inq=system',     // Sony
  '/api.cgi',                            // Reolink
] as const;

export interface BannerResult {
  server: string | null;
  title: string | null;
  status: number;
  /** WWW-Authenticate realm, e.g. Dahua's "Login to <serial>". */
  realm: string | null;
  /** The raw WWW-Authenticate header (the first, when there are several). */
  wwwAuthenticate: string | null;
  /** The page's first MAX_ROOT_BODY bytes, as text. */
  body: string | null;
  /** Over HTTPS: the certificate's subject and issuer. */
  certificate: CertificateNames | null;
}

function realmOf(h: http.IncomingHttpHeaders): string | null {
  const v = headerText(h['www-authenticate'], 300);
  const m = v ? /realm="([^"]{0,120})"/i.exec(v) : null;
  return m ? m[1] : null;
}

/** What a banner answer gave, for the probe list: null when usable, else what came instead. */
export function bannerShortfall(b: BannerResult): string | null {
  if (b.server || b.title || b.realm || b.certificate?.subject || (b.status >= 200 && b.status < 300 && b.body?.trim())) return null;
  return `answered ${b.status}, no Server header, title or realm${b.body?.trim() ? '' : ', empty page'}`;
}

export interface HttpTarget { host: string; port: number; tls: boolean; timeoutMs: number; signal?: AbortSignal; beforeRequest?: () => Promise<void> }

/** GET / (following at most two redirects on the same device): Server header and page title. */
export async function readBanner(t: HttpTarget): Promise<BannerResult> {
  let path = '/';
  let server: string | null = null;
  let certificate: CertificateNames | null = null;
  let wwwAuthenticate: string | null = null;
  let realm: string | null = null;
  for (let hop = 0; ; hop++) {
    await t.beforeRequest?.();
    const res = await httpRequest({ host: t.host, port: t.port, tls: t.tls, path, timeoutMs: t.timeoutMs, signal: t.signal, maxBody: MAX_ROOT_BODY });
    server ??= headerText(res.headers.server);
    certificate ??= res.certificate ?? null;
    wwwAuthenticate ??= headerText(res.headers['www-authenticate'], 500);
    realm ??= realmOf(res.headers);
    const location = headerText(res.headers.location, 500);
    const next = res.status >= 300 && res.status < 400 && location ? sameDevicePath(location, t) : null;
    if (next && hop < 2) { path = next; continue; }
    const type = headerText(res.headers['content-type']) ?? '';
    const text = res.body.toString('utf8');
    const title = /html|text\/plain|^$/i.test(type) || /<title/i.test(res.body.subarray(0, 4096).toString('latin1')) ? htmlTitle(text) : null;
    return { server, title, status: res.status, realm, wwwAuthenticate, body: text || null, certificate };
  }
}

/**
 * GET /favicon.ico on the same web port: its hashes, or a rejection saying what came instead (a status, a page
 * where an icon should be, an icon too large to hash whole).
 */
export async function readFavicon(t: HttpTarget): Promise<FaviconHashes> {
  await t.beforeRequest?.();
  const res = await httpRequest({ host: t.host, port: t.port, tls: t.tls, path: '/favicon.ico', timeoutMs: t.timeoutMs, signal: t.signal, maxBody: MAX_FAVICON_BYTES });
  if (res.status !== 200) throw new Error(`answered ${res.status}, no favicon`);
  if (res.truncated) throw new Error(`favicon larger than ${MAX_FAVICON_BYTES} bytes, not hashed`);
  if (!res.body.length) throw new Error('answered 200 with an empty favicon');
  // A server that answers every path with its page is not showing an icon.
  if (/^\s*</.test(res.body.subarray(0, 64).toString('latin1')) && /html/i.test(headerText(res.headers['content-type']) ?? 'html')) {
    throw new Error('answered 200 with a web page, not an icon');
  }
  return faviconHashes(res.body);
}

/** A redirect target as a path, only when it stays on the same device (never follow a device elsewhere). */
function sameDevicePath(location: string, t: HttpTarget): string | null {
  if (location.startsWith('/') && !location.startsWith('//')) return location.slice(0, 300);
  try {
    const u = new URL(location);
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    if (u.hostname === t.host && port === t.port && (u.protocol === 'https:') === t.tls) return (u.pathname + u.search).slice(0, 300);
  } catch { /* not a URL */ }
  return null;
}

export interface VendorInfo { model?: string | null; serial?: string | null; firmware?: string | null; mac?: string | null }

export interface PathsResult {
  /** Vendor paths that answered differently from a path that cannot exist. */
  answered: string[];
  /** Device facts read from an unauthenticated vendor API answer (old firmware often gives them away). */
  info: VendorInfo;
  /** The status a random non-existent path got: when not 404, the server answers everything alike. */
  canaryStatus: number;
}

/**
 * Which vendor paths exist. A path "answers" when its status is not 404/410/5xx and differs from the status of a
 * random path that cannot exist, so a server that answers every path (200 or 401 everywhere) is not mistaken for
 * every maker at once.
 */
export async function checkPaths(t: HttpTarget, paths: readonly string[] = VENDOR_PATHS): Promise<PathsResult> {
  await t.beforeRequest?.();
  const canary = await httpRequest({ host: t.host, port: t.port, tls: t.tls, path: `/${randomBytes(6).toString('hex')}.html`, timeoutMs: t.timeoutMs, signal: t.signal, maxBody: 1024 });
  const answered: string[] = [];
  const info: VendorInfo = {};
  const settled = await Promise.allSettled(paths.map(async (path) => {
    await t.beforeRequest?.();
    const res = await httpRequest({ host: t.host, port: t.port, tls: t.tls, path, timeoutMs: t.timeoutMs, signal: t.signal, maxBody: 16 * 1024 });
    return { path, res };
  }));
  for (const s of settled) {
    if (s.status !== 'fulfilled') continue;
    const { path, res } = s.value;
    if (res.status === 404 || res.status === 410 || res.status >= 500 || res.status === canary.status) continue;
    answered.push(path);
    if (res.status === 200 && !res.truncated) {
      const found = readVendorInfo(path, res.body.toString('utf8'));
      for (const k of Object.keys(found) as (keyof VendorInfo)[]) info[k] ??= found[k] ?? undefined;
    }
  }
  return { answered, info, canaryStatus: canary.status };
}

/** Facts from an unauthenticated ISAPI deviceInfo or magicBox answer; empty when the body says nothing usable. */
export function readVendorInfo(path: string, body: string): VendorInfo {
  if (path.startsWith('/ISAPI/System/deviceInfo')) {
    try {
      const doc = parseDeviceXml(body);
      const di = findElement(doc, 'DeviceInfo');
      if (!di) return {};
      const fw = textOf(findElement(di, 'firmwareVersion'));
      const built = textOf(findElement(di, 'firmwareReleasedDate'));
      return {
        model: textOf(findElement(di, 'model')),
        serial: textOf(findElement(di, 'serialNumber')),
        // Hikvision reports "V5.7.3" and "build 220112" apart; the register (and the catalogue) know them together.
        firmware: fw && built && !/build/i.test(fw) ? `${fw} ${built}` : fw,
        mac: textOf(findElement(di, 'macAddress')),
      };
    } catch { return {}; }
  }
  if (path.startsWith('/cgi-bin/magicBox.cgi')) {
    const m = /^type=([^\r\n]{1,80})/m.exec(body);
    return m ? { model: m[1].trim() } : {};
  }
  return {};
}
