// Serves a simulated fleet: every device on its own loopback address (Linux routes all of 127.0.0.0/8 to lo, so
// 127.1.2.3 binds without setup) with its web UI (HTTP, and HTTPS for some), ONVIF device service, RTSP, vendor port
// and a WS-Discovery responder on UDP 3702 — each behaving as its make does, or as badly as configured.
// Node cannot listen on a whole /8, so there is one listener per address and port; the HTTP(S) parsing is shared
// (listeners hand their connections to one http.Server), which keeps 2,000 devices in one process cheap.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { devicePorts, type SimDevice } from './fleet';
import { answerOnvif, answerProbe, isOnvifPath } from './onvif';

export interface SimulatorOptions {
  /** The login devices that want ONVIF authentication accept (WS-UsernameToken PasswordDigest). */
  credentials?: { username: string; password: string };
  /** Also answer multicast WS-Discovery Probes (only for tests in a network namespace). */
  multicast?: boolean;
  /** Interface address for the multicast group membership (e.g. 127.0.0.1 in a namespace). */
  multicastInterface?: string;
}

export interface Simulator {
  devices: SimDevice[];
  /** Counts of what the fleet was asked, for diagnosing a scan. */
  stats: { connections: number; httpRequests: number; soapRequests: number; rtspRequests: number; probes: number };
  close(): Promise<void>;
}

export const DEFAULT_CREDENTIALS = { username: 'admin', password: 'simulated-Passw0rd' };
const CERT_DIR = new URL('./certs/', import.meta.url);

const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

// ---- the servers ----------------------------------------------------------------------------------------------

export async function startSimulator(devices: SimDevice[], o: SimulatorOptions = {}): Promise<Simulator> {
  const creds = o.credentials ?? DEFAULT_CREDENTIALS;
  const byAddress = new Map(devices.map((d) => [d.address, d]));
  const stats = { connections: 0, httpRequests: 0, soapRequests: 0, rtspRequests: 0, probes: 0 };
  const sockets = new Set<net.Socket>();
  const servers: net.Server[] = [];
  const udp: dgram.Socket[] = [];

  const later = (d: SimDevice, fn: () => void) => { if (d.behaviour === 'slow') setTimeout(fn, d.slowMs); else fn(); };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    stats.httpRequests++;
    const d = byAddress.get(req.socket.localAddress?.replace(/^::ffff:/, '') ?? '');
    if (!d) { res.destroy(); return; }
    if (d.behaviour === 'endless-body') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      const chunk = Buffer.alloc(16 * 1024, 'A');
      const pump = () => { while (!res.destroyed && res.write(chunk)); };
      res.on('drain', pump);
      pump();
      return;
    }
    if (d.behaviour === 'huge-headers') {
      const headers: Record<string, string> = {};
      for (let i = 0; i < 100; i++) headers[`X-Padding-${i}`] = 'x'.repeat(1000);
      res.writeHead(200, headers);
      res.end('ok');
      return;
    }
    if (d.httpServer) res.setHeader('Server', d.httpServer);
    const url = new URL(req.url ?? '/', 'http://device');
    if (isOnvifPath(d, req.url ?? '/')) {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => { size += c.length; if (size <= 64 * 1024) chunks.push(c); });
      req.on('end', () => later(d, () => {
        stats.soapRequests++;
        const a = answerOnvif(d, { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) }, creds)!;
        const byName = new Map<string, string[]>();
        for (const [name, value] of a.headers) byName.set(name, [...(byName.get(name) ?? []), value]);
        for (const [name, values] of byName) res.setHeader(name, values.length > 1 ? values : values[0]);
        res.writeHead(a.status);
        res.end(a.body);
      }));
      return;
    }
    later(d, () => {
      if (url.pathname === '/') {
        if (d.make.startsWith('hikvision')) { res.writeHead(302, { Location: '/doc/page/login.asp' }); res.end(); return; }
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(d.httpTitle)}</title></head><body><div id="app"></div></body></html>`);
        return;
      }
      const answer = d.paths[url.pathname];
      if (answer) {
        res.writeHead(answer.status, answer.status === 401
          ? { 'WWW-Authenticate': `Digest realm="${d.make.startsWith('dahua') ? `Login to ${d.serial}` : 'IP Camera'}", nonce="${crypto.randomBytes(8).toString('hex')}", qop="auth"` }
          : { 'Content-Type': answer.contentType ?? 'text/html' });
        res.end(answer.body ?? '');
      } else if (d.catchAll) {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end(`<html><head><title>${esc(d.httpTitle)}</title></head><body></body></html>`);
      } else {
        res.writeHead(404, { 'Content-Type': 'text/html' });
        res.end('<html><body>404 Not Found</body></html>');
      }
    });
  };

  const httpServer = http.createServer({ requestTimeout: 0, headersTimeout: 20_000, keepAliveTimeout: 2000 }, handle);
  const tls = { key: fs.readFileSync(new URL('key.pem', CERT_DIR)), cert: fs.readFileSync(new URL('cert.pem', CERT_DIR)) };
  const httpsServer = https.createServer({ ...tls, requestTimeout: 0, headersTimeout: 20_000, keepAliveTimeout: 2000 }, handle);
  httpServer.on('clientError', (_e, s) => s.destroy());
  httpsServer.on('clientError', (_e, s) => s.destroy());
  httpsServer.on('tlsClientError', () => {});

  const rtsp = (d: SimDevice, socket: net.Socket) => {
    let buf = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > 16 * 1024) { socket.destroy(); return; }
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end);
      buf = buf.slice(end + 4);
      stats.rtspRequests++;
      const cseq = /^CSeq:\s*(\d+)/mi.exec(head)?.[1] ?? '1';
      const server = d.rtspServer ? `Server: ${d.rtspServer}\r\n` : '';
      later(d, () => {
        if (socket.destroyed) return;
        socket.write(d.rtspRealm
          ? `RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq}\r\n${server}WWW-Authenticate: Digest realm="${d.rtspRealm}", nonce="${crypto.randomBytes(8).toString('hex')}"\r\n\r\n`
          : `RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\n${server}Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n\r\n`);
      });
    });
  };

  const accept = (d: SimDevice, port: number) => (socket: net.Socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    // Nobody keeps a simulated connection for long; a stalled one is dropped after a minute.
    socket.setTimeout(60_000, () => socket.destroy());
    const web = port === 80 || port === 443;
    if (web && d.behaviour === 'reset') { socket.resetAndDestroy(); return; }
    if (d.behaviour === 'silent' || (d.behaviour === 'stall' && (web || port === 554))) return; // accept, say nothing
    if (port === 80) httpServer.emit('connection', socket);
    else if (port === 443) httpsServer.emit('connection', socket);
    else if (port === 554) rtsp(d, socket);
    // vendor ports (8000, 37777, 34567): accept and wait for the client
  };

  const wsdReply = (d: SimDevice, msg: Buffer, rinfo: dgram.RemoteInfo, via: dgram.Socket) => {
    stats.probes++;
    const reply = answerProbe(d, msg.toString('utf8'));
    if (!reply) return;
    later(d, () => via.send(reply, rinfo.port, rinfo.address, () => {}));
  };

  // Listen: a few hundred at a time, so a big fleet starts quickly without a burst of thousands of pending binds.
  const jobs: (() => Promise<void>)[] = [];
  const wsdSockets = new Map<string, dgram.Socket>();
  for (const d of devices) {
    for (const port of devicePorts(d)) {
      jobs.push(() => new Promise<void>((resolve, reject) => {
        const server = net.createServer(accept(d, port));
        server.once('error', reject);
        server.listen({ host: d.address, port, backlog: 511 }, () => { server.off('error', reject); servers.push(server); resolve(); });
      }));
    }
    if (d.onvif && d.behaviour !== 'silent') {
      jobs.push(() => new Promise<void>((resolve, reject) => {
        const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
        s.on('message', (msg, rinfo) => wsdReply(d, msg, rinfo, s));
        s.once('error', reject);
        s.bind({ address: d.address, port: 3702 }, () => { s.off('error', reject); s.on('error', () => {}); udp.push(s); wsdSockets.set(d.address, s); resolve(); });
      }));
    }
  }
  const closeAll = async () => {
    for (const s of sockets) s.destroy();
    for (const u of udp) { try { u.close(); } catch { /* closed */ } }
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  };
  try {
    for (let i = 0; i < jobs.length; i += 256) await Promise.all(jobs.slice(i, i + 256).map((j) => j()));
    if (o.multicast) {
      // One group member for the whole fleet; each device answers from its own address, as a real one would.
      await new Promise<void>((resolve, reject) => {
        const m = dgram.createSocket({ type: 'udp4', reuseAddr: true });
        m.once('error', reject);
        m.bind({ port: 3702 }, () => {
          m.addMembership('239.255.255.250', o.multicastInterface);
          m.on('message', (msg, rinfo) => { for (const d of devices) { const s = wsdSockets.get(d.address); if (s) wsdReply(d, msg, rinfo, s); } });
          udp.push(m);
          resolve();
        });
      });
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  return { devices, stats, close: closeAll };
}
