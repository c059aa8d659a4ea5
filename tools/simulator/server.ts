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
import { startServices } from './services';

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

// ---- canned answers -------------------------------------------------------------------------------------------

const BILLION_LAUGHS = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
  + '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
  + '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
  + '<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
  + '<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
  + '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><Manufacturer>&lol9;</Manufacturer></s:Body></s:Envelope>';
const GARBAGE_XML = '<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><<tds:GetDeviceInformationResponse>'
  + '<Manufacturer>\u0000\u0001</Model></Body>&&&<![CDATA[';

const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

const soap = (body: string) => '<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"'
  + ' xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:ter="http://www.onvif.org/ver10/error">'
  + `<env:Body>${body}</env:Body></env:Envelope>`;

const NOT_AUTHORIZED = soap('<env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>ter:NotAuthorized</env:Value></env:Subcode></env:Code>'
  + '<env:Reason><env:Text xml:lang="en">Sender not Authorized</env:Text></env:Reason></env:Fault>');

function soapAnswer(d: SimDevice, op: string): string | null {
  switch (op) {
    case 'GetSystemDateAndTime': {
      const t = new Date();
      return soap('<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>'
        + '<tt:TimeZone><tt:TZ>GMT0BST,M3.5.0/1,M10.5.0</tt:TZ></tt:TimeZone><tt:UTCDateTime>'
        + `<tt:Time><tt:Hour>${t.getUTCHours()}</tt:Hour><tt:Minute>${t.getUTCMinutes()}</tt:Minute><tt:Second>${t.getUTCSeconds()}</tt:Second></tt:Time>`
        + `<tt:Date><tt:Year>${t.getUTCFullYear()}</tt:Year><tt:Month>${t.getUTCMonth() + 1}</tt:Month><tt:Day>${t.getUTCDate()}</tt:Day></tt:Date>`
        + '</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>');
    }
    case 'GetDeviceInformation':
      return soap(`<tds:GetDeviceInformationResponse><tds:Manufacturer>${esc(d.manufacturer)}</tds:Manufacturer><tds:Model>${esc(d.model)}</tds:Model>`
        + `<tds:FirmwareVersion>${esc(d.firmware)}</tds:FirmwareVersion><tds:SerialNumber>${esc(d.serial)}</tds:SerialNumber>`
        + `<tds:HardwareId>${esc(d.hardwareId)}</tds:HardwareId></tds:GetDeviceInformationResponse>`);
    case 'GetNetworkInterfaces':
      return soap('<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled>'
        + `<tt:Info><tt:Name>eth0</tt:Name><tt:HwAddress>${d.mac.toLowerCase()}</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>`
        + `<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config><tt:Manual><tt:Address>${d.address}</tt:Address><tt:PrefixLength>8</tt:PrefixLength></tt:Manual><tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4>`
        + '</tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>');
    default:
      return null;
  }
}

/** Checks a WS-UsernameToken PasswordDigest: Base64(SHA-1(nonce + created + password)). */
export function digestValid(body: string, creds: { username: string; password: string }): boolean {
  const field = (name: string) => new RegExp(`<(?:\\w+:)?${name}\\b[^>]*>([^<]*)</(?:\\w+:)?${name}>`).exec(body)?.[1]?.trim() ?? null;
  const user = field('Username'), password = field('Password'), nonce = field('Nonce'), created = field('Created');
  if (!user || !password || !nonce || !created) return false;
  const unescaped = user.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  if (unescaped !== creds.username) return false;
  const expected = crypto.createHash('sha1').update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created), Buffer.from(creds.password)])).digest('base64');
  return crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(password.padEnd(expected.length).slice(0, expected.length)));
}

function probeMatches(d: SimDevice, relatesTo: string): string {
  const port80 = 'http://' + d.address + '/onvif/device_service';
  return '<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"'
    + ' xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"'
    + ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">'
    + `<SOAP-ENV:Header><wsa:MessageID>urn:uuid:${crypto.randomUUID()}</wsa:MessageID><wsa:RelatesTo>${esc(relatesTo)}</wsa:RelatesTo>`
    + '<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>'
    + '<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header>'
    + `<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><wsa:EndpointReference><wsa:Address>${d.endpoint}</wsa:Address></wsa:EndpointReference>`
    + '<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>'
    + `<d:Scopes>${d.scopes.map(esc).join(' ')}</d:Scopes><d:XAddrs>${port80}</d:XAddrs><d:MetadataVersion>10</d:MetadataVersion>`
    + '</d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>';
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
    if (req.method === 'POST' && url.pathname === '/onvif/device_service' && d.onvif) {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => { size += c.length; if (size <= 64 * 1024) chunks.push(c); });
      req.on('end', () => later(d, () => answerSoap(d, Buffer.concat(chunks).toString('utf8'), res)));
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

  const answerSoap = (d: SimDevice, body: string, res: http.ServerResponse) => {
    stats.soapRequests++;
    const send = (status: number, xml: string) => { res.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8' }); res.end(xml); };
    if (d.behaviour === 'malformed') return send(200, GARBAGE_XML);
    if (d.behaviour === 'entity-bomb') return send(200, BILLION_LAUGHS);
    const op = /<(?:\w+:)?(GetSystemDateAndTime|GetDeviceInformation|GetNetworkInterfaces)\b/.exec(body)?.[1];
    const answer = op ? soapAnswer(d, op) : null;
    if (!answer) return send(400, soap('<env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code><env:Reason><env:Text xml:lang="en">Action not supported</env:Text></env:Reason></env:Fault>'));
    // GetSystemDateAndTime is always anonymous (clients need the clock to make a digest).
    if (d.onvifAuth && op !== 'GetSystemDateAndTime' && !digestValid(body, creds)) {
      return send(d.make.startsWith('hikvision') ? 401 : 400, NOT_AUTHORIZED);
    }
    send(200, answer);
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
    const text = msg.toString('utf8');
    if (!/<(?:\w+:)?Probe\b/.test(text) || /ProbeMatches/.test(text)) return;
    const relatesTo = /<(?:\w+:)?MessageID[^>]*>([^<]{1,200})</.exec(text)?.[1] ?? '';
    const reply = d.behaviour === 'malformed' ? GARBAGE_XML : d.behaviour === 'entity-bomb' ? BILLION_LAUGHS : probeMatches(d, relatesTo);
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
  // FTP, telnet, UPnP, SADP, DHIP and SNMP, per make (services.ts).
  const services = await startServices(devices).catch(async (e: unknown) => { await closeAll(); throw e; });
  return { devices, stats, close: async () => { await services.close(); await closeAll(); } };
}
