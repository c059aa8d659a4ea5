// RTSP: the streaming server's Server header and auth realm. OPTIONS first; when it names no realm (many servers
// answer OPTIONS without a login and ask for one only for a stream), DESCRIBE on the same connection. Each answer is
// read from at most 8 KiB within the timeout.
import net from 'node:net';

export const MAX_RTSP_HEADER = 8 * 1024;

export interface RtspResult { status: number; server: string | null; realm: string | null }

/** What OPTIONS (and DESCRIBE, when asked) gave. */
export interface RtspExchange {
  options: RtspResult;
  /** The DESCRIBE answer, or why there is none (null: not asked, OPTIONS had a realm). */
  describe: RtspResult | Error | null;
  server: string | null;
  realm: string | null;
  /** The raw WWW-Authenticate header of whichever answer had one. */
  wwwAuthenticate: string | null;
}

const clean = (v: string) => v.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

function headerLines(head: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of head.split(/\r?\n/).slice(1, 64)) {
    const i = line.indexOf(':');
    if (i > 0) out.push([line.slice(0, i).trim().toLowerCase(), clean(line.slice(i + 1))]);
  }
  return out;
}

/** Parses an RTSP response head ("RTSP/1.0 200 OK" and headers); null when it is not one. */
export function parseRtspHead(head: string): RtspResult | null {
  const m = /^RTSP\/\d\.\d\s+(\d{3})\b/.exec(head.split(/\r?\n/, 1)[0] ?? '');
  if (!m) return null;
  let server: string | null = null;
  let realm: string | null = null;
  for (const [name, value] of headerLines(head)) {
    if (name === 'server' && value) server ??= value.slice(0, 200);
    if (name === 'www-authenticate') realm ??= /realm="([^"]{0,120})"/i.exec(value)?.[1] ?? null;
  }
  return { status: Number(m[1]), server, realm };
}

/** OPTIONS, then DESCRIBE when OPTIONS named no realm; `beforeRequest` is called before each request (rate tokens). */
export function rtspProbe(host: string, port: number, timeoutMs: number, signal?: AbortSignal, beforeRequest?: () => Promise<void>): Promise<RtspExchange> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new Error('aborted')); return; }
    const socket = net.connect({ host, port });
    let buf = '';
    let skipBody = 0; // body bytes of the previous answer still to come
    let options: RtspResult | null = null;
    let wwwAuthenticate: string | null = null;
    let done = false;
    const result = (describe: RtspResult | Error | null): RtspExchange => ({
      options: options!, describe,
      server: options!.server ?? (describe instanceof Error ? null : describe?.server ?? null),
      realm: options!.realm ?? (describe instanceof Error ? null : describe?.realm ?? null),
      wwwAuthenticate,
    });
    /** Ends the exchange: with the DESCRIBE answer, or why it did not come (null: not asked). */
    const finish = (describe: RtspResult | Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      // A DESCRIBE that failed still leaves the OPTIONS answer.
      if (options) resolve(result(describe)); else reject(describe ?? new Error('no RTSP answer'));
    };
    const timer = setTimeout(() => finish(new Error(`no RTSP answer within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => finish(new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const request = (method: 'OPTIONS' | 'DESCRIBE', cseq: number) => socket.write(`${method} rtsp://${host}:${port}/ RTSP/1.0\r\nCSeq: ${cseq}\r\n`
      + `${method === 'DESCRIBE' ? 'Accept: application/sdp\r\n' : ''}User-Agent: sightline-discover\r\n\r\n`);
    socket.setEncoding('latin1');
    socket.on('connect', () => request('OPTIONS', 1));
    socket.on('data', (chunk: string) => {
      buf += chunk;
      if (skipBody) { const n = Math.min(skipBody, buf.length); buf = buf.slice(n); skipBody -= n; }
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0 && buf.length <= MAX_RTSP_HEADER) return;
      if (end < 0) { finish(new Error(`RTSP header longer than ${MAX_RTSP_HEADER} bytes`)); return; }
      const head = buf.slice(0, end);
      const parsed = parseRtspHead(head);
      if (!parsed) { finish(new Error('not an RTSP answer')); return; }
      const headers = headerLines(head);
      wwwAuthenticate ??= headers.find(([n]) => n === 'www-authenticate')?.[1].slice(0, 500) ?? null;
      if (options) { finish(parsed); return; }
      options = parsed;
      if (options.realm) { finish(null); return; }
      const length = Number(headers.find(([n]) => n === 'content-length')?.[1] ?? 0);
      buf = buf.slice(end + 4);
      skipBody = Number.isFinite(length) && length > 0 ? Math.min(length, 1 << 20) : 0;
      if (skipBody) { const n = Math.min(skipBody, buf.length); buf = buf.slice(n); skipBody -= n; }
      void (beforeRequest?.() ?? Promise.resolve()).then(() => { if (!done) request('DESCRIBE', 2); }, (e: unknown) => finish(e as Error));
    });
    socket.on('error', (e) => finish(e));
    socket.on('close', () => finish(new Error(options ? 'connection closed before the DESCRIBE answer' : 'connection closed before an RTSP answer')));
  });
}
