// Serves a simulated fleet: every device on its own loopback address (Linux routes all of 127.0.0.0/8 to lo, so
// 127.1.2.3 binds without setup) with its web UI (HTTP, and HTTPS for some), ONVIF device service, RTSP, vendor port
// and a WS-Discovery responder on UDP 3702, and the make's other services (services.ts: FTP, telnet, UPnP, SADP, DHIP,
// SNMP) — each behaving as its make does, or as badly as configured.
// Node cannot listen on a whole /8, so there is one listener per address and port, all in one process.
// What goes on the wire is each make's own (wire.ts: HTTP status line, header order, realms; rtsp.ts: RTSP; certs.ts:
// TLS certificates; favicon.ts: icons), so tools that fingerprint servers (nmap -sV) see what real devices send.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { certificateStore } from './certs';
import { faviconFor } from './favicon';
import { devicePorts, webRealm, type EvidenceProfile, type SimDevice } from './fleet';
import { answerOnvif, answerProbe, isOnvifPath } from './onvif';
import { serveRtsp } from './rtsp';
import { startServices } from './services';
import { httpChallenge, readRequests, serialize, type Answer, type WireRequest } from './wire';

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

const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

// ---- the web UI ------------------------------------------------------------------------------------------------

const HTML = 'text/html';

/** Hikvision's index page sends the browser on to the login page by script (so nmap sees the 200 answer). */
const HIK_INDEX = '<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
  + '<meta http-equiv="Pragma" content="no-cache">\n</head>\n<body>\n<script>\nlocation.href = "/doc/page/login.asp?_" + Date.now();\n</script>\n</body>\n</html>\n';

/** The root page as the make's web UI serves it. */
function rootPage(d: SimDevice): Answer {
  if (d.make.startsWith('hikvision')) {
    // DNVRS-Webs sends an ETag with static pages (nmap: `ETag: "[a-f\d-]+"`).
    const etag: [string, string][] = d.httpServer === 'DNVRS-Webs' ? [['ETag', `"${crypto.createHash('md5').update(d.serial).digest('hex').slice(0, 8)}-${HIK_INDEX.length.toString(16)}"`]] : [];
    return { status: 200, headers: [['Content-Type', HTML], ...etag], body: HIK_INDEX };
  }
  if (d.make.startsWith('dahua')) {
    // nmap: a UTF-8 byte order mark, then `<!DOCTYPE html>\r\n<html> *\r\n *<head>\r\n *<title>` (Dahua webcam httpd).
    return { status: 200, headers: [['Content-Type', HTML]], body: `\ufeff<!DOCTYPE html>\r\n<html>\r\n<head>\r\n<title>${esc(d.httpTitle)}</title>\r\n`
      + '<meta http-equiv="X-UA-Compatible" content="IE=edge">\r\n</head>\r\n<body>\r\n<div id="login"></div>\r\n</body>\r\n</html>\r\n' };
  }
  return { status: 200, headers: [['Content-Type', `${HTML}; charset=utf-8`]],
    body: `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(d.httpTitle)}</title><link rel="icon" href="/favicon.ico"></head><body><div id="app"></div></body></html>` };
}

/**
 * A profile device's web UI: the root page shows the fingerprint (its Server header comes from d.httpServer through
 * the wire style) — a 401 with the fingerprint's challenge when it has a web realm, else the page (the body as given,
 * or a page with the title); every other path is 404 (no favicon: only its hash is public, not its bytes).
 */
function profileAnswer(d: SimDevice, p: EvidenceProfile, req: WireRequest): Answer {
  if (req.path !== '/') return { status: 404, headers: [['Content-Type', HTML]], body: '' };
  const page = p.httpBody ?? (p.httpTitle ? `<html><head><title>${esc(p.httpTitle)}</title></head><body></body></html>` : '');
  if (webRealm(p)) {
    return { status: 401, headers: [['Content-Type', HTML], ['WWW-Authenticate', p.wwwAuthenticate ?? `Basic realm="${p.realm}"`]], body: page };
  }
  return { status: 200, headers: [['Content-Type', HTML]], body: page };
}

/** Any non-ONVIF web request: the root page, the favicon, the vendor paths, 401s with the make's challenge, 404s. */
function webAnswer(d: SimDevice, req: WireRequest): Answer {
  if (!/^HTTP\/1\.[01]$/.test(req.protocol)) return { status: 400, headers: [['Content-Type', HTML]], body: '<html><body>400 Bad Request</body></html>' };
  if (!['GET', 'HEAD', 'POST'].includes(req.method)) {
    return { status: req.method === 'OPTIONS' ? 405 : 501, headers: [['Content-Type', HTML], ['Allow', 'GET, HEAD, POST']], body: '' };
  }
  if (d.profile) return profileAnswer(d, d.profile, req);
  if (req.path === '/') return rootPage(d);
  if (req.path === '/favicon.ico') return { status: 200, headers: [['Content-Type', 'image/x-icon']], body: faviconFor(d) };
  const answer = d.paths[req.path];
  if (answer) {
    if (answer.status === 401) return { status: 401, headers: [['Content-Type', HTML], ['WWW-Authenticate', httpChallenge(d)]], body: '<html><body>401 Unauthorized</body></html>' };
    return { status: answer.status, headers: [['Content-Type', answer.contentType ?? HTML]], body: answer.body ?? '' };
  }
  if (d.catchAll) return { status: 200, headers: [['Content-Type', HTML]], body: `<html><head><title>${esc(d.httpTitle)}</title></head><body></body></html>` };
  return { status: 404, headers: [['Content-Type', HTML]], body: '<html><body>404 Not Found</body></html>' };
}

// ---- the servers ----------------------------------------------------------------------------------------------

export async function startSimulator(devices: SimDevice[], o: SimulatorOptions = {}): Promise<Simulator> {
  const creds = o.credentials ?? DEFAULT_CREDENTIALS;
  const byAddress = new Map(devices.map((d) => [d.address, d]));
  const stats = { connections: 0, httpRequests: 0, soapRequests: 0, rtspRequests: 0, probes: 0 };
  const sockets = new Set<net.Socket>();
  const servers: net.Server[] = [];
  const udp: dgram.Socket[] = [];

  const later = (d: SimDevice, fn: () => void) => { if (d.behaviour === 'slow') setTimeout(fn, d.slowMs); else fn(); };

  const certFor = certificateStore();

  /** One web connection (plain or inside TLS): requests in, the make's answer bytes out. */
  const serveWeb = (d: SimDevice, socket: Duplex) => {
    readRequests(socket, (req, next) => {
      stats.httpRequests++;
      if (socket.destroyed) return;
      if (d.behaviour === 'endless-body') {
        socket.write(serialize(d, req, { status: 200, headers: [['Content-Type', 'text/html']] }, { streamed: true }).bytes);
        const chunk = Buffer.alloc(16 * 1024, 'A');
        const pump = () => { while (!socket.destroyed && socket.write(chunk)); };
        socket.on('drain', pump);
        pump();
        return;
      }
      const finish = (a: Answer, extraHeaders?: [string, string][]) => {
        if (socket.destroyed) return;
        const { bytes, keepAlive } = serialize(d, req, a, { extraHeaders });
        socket.write(bytes);
        if (keepAlive) next(); else socket.end();
      };
      if (!req) { finish({ status: 400, headers: [['Content-Type', 'text/html']], body: '<html><body>400 Bad Request</body></html>' }); return; }
      if (d.behaviour === 'huge-headers') {
        finish({ status: 200, headers: [['Content-Type', 'text/plain']], body: 'ok' }, Array.from({ length: 100 }, (_, i) => [`X-Padding-${i}`, 'x'.repeat(1000)]));
        return;
      }
      later(d, () => finish(isOnvifPath(d, req.target) ? onvifAnswer(d, req) : webAnswer(d, req)));
    });
  };

  /**
   * ONVIF (SOAP on /onvif/*): the one place the web transport hands a request to the ONVIF services; the answer goes
   * out through the make's own HTTP style like any other.
   */
  const onvifAnswer = (d: SimDevice, req: WireRequest): Answer => {
    stats.soapRequests++;
    return answerOnvif(d, { method: req.method, path: req.target, headers: req.headers, body: req.body }, creds)!;
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
    if (port === 80) serveWeb(d, socket);
    else if (port === 443) {
      let secureContext: tls.SecureContext;
      try { secureContext = certFor(d); } catch { socket.destroy(); return; } // no certificate, no TLS (never a crash)
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext });
      secure.on('error', () => socket.destroy());
      serveWeb(d, secure);
    } else if (port === 554) serveRtsp(d, socket, creds, { later: (fn) => later(d, fn), onRequest: () => { stats.rtspRequests++; } });
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
  // Each HTTPS device's certificate is made now, as a real device has its own before anyone connects: made on the
  // first handshake instead, its cost (a signature and a secure context, ~1-3 ms each) fell inside the scan that
  // is being measured.
  for (const d of devices) if (devicePorts(d).includes(443)) { try { certFor(d); } catch { /* served as no TLS below */ } }
  // FTP, telnet, UPnP, SADP, DHIP and SNMP, per make (services.ts).
  const services = await startServices(devices).catch(async (e: unknown) => { await closeAll(); throw e; });
  return { devices, stats, close: async () => { await services.close(); await closeAll(); } };
}
