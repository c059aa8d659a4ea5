// RTSP OPTIONS: the streaming server's Server header (and auth realm), read from at most 8 KiB within the timeout.
import net from 'node:net';

export const MAX_RTSP_HEADER = 8 * 1024;

export interface RtspResult { status: number; server: string | null; realm: string | null }

/** Parses an RTSP response head ("RTSP/1.0 200 OK" and headers); null when it is not one. */
export function parseRtspHead(head: string): RtspResult | null {
  const lines = head.split(/\r?\n/);
  const m = /^RTSP\/\d\.\d\s+(\d{3})\b/.exec(lines[0] ?? '');
  if (!m) return null;
  let server: string | null = null;
  let realm: string | null = null;
  for (const line of lines.slice(1, 64)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
    if (name === 'server' && value) server ??= value;
    if (name === 'www-authenticate') realm ??= /realm="([^"]{0,120})"/i.exec(value)?.[1] ?? null;
  }
  return { status: Number(m[1]), server, realm };
}

export function rtspOptions(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<RtspResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new Error('aborted')); return; }
    const socket = net.connect({ host, port });
    let buf = '';
    let done = false;
    const finish = (err: Error | null, res?: RtspResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err); else resolve(res!);
    };
    const timer = setTimeout(() => finish(new Error(`no RTSP answer within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => finish(new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(`OPTIONS rtsp://${host}:${port}/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: sightline-discover\r\n\r\n`));
    socket.on('data', (chunk: string) => {
      buf += chunk;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0 && buf.length <= MAX_RTSP_HEADER) return;
      if (end < 0) { finish(new Error(`RTSP header longer than ${MAX_RTSP_HEADER} bytes`)); return; }
      const parsed = parseRtspHead(buf.slice(0, end));
      finish(parsed ? null : new Error('not an RTSP answer'), parsed ?? undefined);
    });
    socket.on('error', (e) => finish(e));
    socket.on('close', () => finish(new Error('connection closed before an RTSP answer')));
  });
}
