// HTTP(S) probes: the web server banner (Server header, <title>) and which vendor paths answer. Every request is
// bounded in time (one deadline for connect, headers and body), header size and body size, so a device that stalls,
// floods or sends oversized headers costs only its own timeout.
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { findElement, parseDeviceXml, textOf } from './xml';

export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_BANNER_BODY = 32 * 1024;

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body was longer than the limit and was cut (the connection is closed). */
  truncated: boolean;
}

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
      ...(r.tls ? { rejectUnauthorized: false, servername: undefined } : {}),
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
      const result = (truncated: boolean): HttpResponse => ({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated });
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
}

function realmOf(h: http.IncomingHttpHeaders): string | null {
  const v = headerText(h['www-authenticate'], 300);
  const m = v ? /realm="([^"]{0,120})"/i.exec(v) : null;
  return m ? m[1] : null;
}

export interface HttpTarget { host: string; port: number; tls: boolean; timeoutMs: number; signal?: AbortSignal; beforeRequest?: () => Promise<void> }

/** GET / (following at most two redirects on the same device): Server header and page title. */
export async function readBanner(t: HttpTarget): Promise<BannerResult> {
  let path = '/';
  let server: string | null = null;
  for (let hop = 0; ; hop++) {
    await t.beforeRequest?.();
    const res = await httpRequest({ host: t.host, port: t.port, tls: t.tls, path, timeoutMs: t.timeoutMs, signal: t.signal });
    server ??= headerText(res.headers.server);
    const location = headerText(res.headers.location, 500);
    const next = res.status >= 300 && res.status < 400 && location ? sameDevicePath(location, t) : null;
    if (next && hop < 2) { path = next; continue; }
    const type = headerText(res.headers['content-type']) ?? '';
    const title = /html|text\/plain|^$/i.test(type) || /<title/i.test(res.body.subarray(0, 4096).toString('latin1')) ? htmlTitle(res.body.toString('utf8')) : null;
    return { server, title, status: res.status, realm: realmOf(res.headers) };
  }
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
