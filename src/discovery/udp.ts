// Unicast UDP probes sent to one device at a time: UPnP SSDP (M-SEARCH to UDP 1900), Hikvision SADP (UDP 37020)
// and Dahua DHIP (UDP 37810). Never broadcast or multicast: each goes to the one address being identified, from
// a socket connected to it, so only that address's answer is read, and a closed port (ICMP port unreachable) ends
// the probe at once instead of costing its timeout.
import dgram from 'node:dgram';
import { randomUUID } from 'node:crypto';
import { escapeBytes } from './banners';
import { findElement, parseDeviceXml, textOf } from './xml';

/** Bytes of an answer kept as evidence (rawResponse). */
export const MAX_RAW_RESPONSE = 1024;

/** Sends one datagram to host:port and resolves with the first answer from there (rejects saying what happened). */
export function udpExchange(host: string, port: number, payload: Buffer, timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new Error('aborted')); return; }
    const socket = dgram.createSocket('udp4');
    let done = false;
    const finish = (err: Error | null, answer?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      try { socket.close(); } catch { /* closed */ }
      if (err) reject(err); else resolve(answer!);
    };
    const timer = setTimeout(() => finish(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => finish(new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (e: NodeJS.ErrnoException) => finish(new Error(e.code === 'ECONNREFUSED' ? 'port closed (ICMP port unreachable)' : (e.code ?? e.message))));
    // A connected socket only receives datagrams from that address and port.
    socket.on('message', (msg) => finish(null, msg));
    socket.connect(port, host, () => socket.send(payload, (e) => { if (e) finish(e); }));
  });
}

// ---- UPnP SSDP --------------------------------------------------------------------------------------------------

export const SSDP_PORT = 1900;

/**
 * A unicast M-SEARCH (UPnP Device Architecture 1.1, section 1.3.2: sent to the device's own address and port 1900,
 * HOST naming it, no MX) for the root device.
 */
export function ssdpSearch(host: string): Buffer {
  return Buffer.from(`M-SEARCH * HTTP/1.1\r\nHOST: ${host}:${SSDP_PORT}\r\nMAN: "ssdp:discover"\r\nST: upnp:rootdevice\r\nUSER-AGENT: sightline-discover UPnP/1.1\r\n\r\n`, 'latin1');
}

export interface SsdpAnswer { server: string | null; location: string | null; st: string | null }

/** The headers of an M-SEARCH answer ("HTTP/1.1 200 OK" …); null when it is not one. */
export function parseSsdpAnswer(msg: Buffer): SsdpAnswer | null {
  const text = msg.subarray(0, 8192).toString('latin1');
  if (!/^HTTP\/1\.[01] 200\b/.test(text)) return null;
  const header = (name: string) => {
    const m = new RegExp(`^${name}[ \\t]*:[ \\t]*([^\\r\\n]{0,500})`, 'mi').exec(text);
    const v = m?.[1].replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
    return v ? v.slice(0, 300) : null;
  };
  return { server: header('SERVER'), location: header('LOCATION'), st: header('ST') };
}

/** The description URL as a path, when it is on the same device over plain HTTP; else null (never followed). */
export function sameDeviceLocation(location: string, host: string): { port: number; path: string } | null {
  try {
    const u = new URL(location);
    if (u.protocol !== 'http:' || u.hostname !== host) return null;
    return { port: Number(u.port || 80), path: (u.pathname + u.search).slice(0, 300) || '/' };
  } catch { return null; }
}

export interface UpnpDescription { manufacturer: string | null; modelName: string | null; modelNumber: string | null; serialNumber: string | null }

/** A UPnP device description (root device's <device>): who made it and what it is. Throws on unsafe or unreadable XML. */
export function parseUpnpDescription(xml: string): UpnpDescription {
  const device = findElement(parseDeviceXml(xml), 'device');
  if (!device) throw new Error('no <device> in the description');
  const field = (name: string) => textOf((device as Record<string, unknown>)[name]);
  return { manufacturer: field('manufacturer'), modelName: field('modelName'), modelNumber: field('modelNumber'), serialNumber: field('serialNumber') };
}

// ---- Hikvision SADP ---------------------------------------------------------------------------------------------

export const SADP_PORT = 37020;

/**
 * SADP inquiry: an XML Probe whose Types is "inquiry", as Hikvision's SADP tool sends it to UDP 37020 (format from
 * public reimplementations: julienblitte/UniversalScanner Hikvision.cs, MatrixEditor/hiktools sadp docs). Sent
 * unicast here; devices answer with a ProbeMatch.
 */
export function sadpInquiry(): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>${randomUUID().toUpperCase()}</Uuid><Types>inquiry</Types></Probe>`, 'utf8');
}

export interface DeviceFacts { model: string | null; serial: string | null; mac: string | null; firmware: string | null }

/** Model, serial, MAC and firmware from a SADP ProbeMatch; null when the answer is not one. */
export function parseSadpAnswer(msg: Buffer): DeviceFacts | null {
  const text = msg.subarray(0, 16 * 1024).toString('utf8');
  if (!/<ProbeMatch\b/.test(text)) return null;
  let match: unknown;
  try { match = findElement(parseDeviceXml(text), 'ProbeMatch'); } catch { return null; }
  if (!match || typeof match !== 'object') return null;
  const field = (name: string) => textOf((match as Record<string, unknown>)[name]);
  return {
    model: field('DeviceDescription'),
    serial: field('DeviceSN'),
    // SADP writes the MAC with dashes (44-19-b6-…).
    mac: field('MAC'),
    firmware: field('SoftwareVersion'),
  };
}

// ---- Dahua DHIP -------------------------------------------------------------------------------------------------

export const DHIP_PORT = 37810;
const DHIP_HEADER = 32;

/**
 * DHIP discovery request: a 32-byte header (little-endian: header size 0x20, magic "DHIP", two zero words, the body
 * length, zero, the body length again, zero) and a JSON body calling DHDiscover.search (layout from
 * julienblitte/UniversalScanner Dahua2.cs, a public reimplementation of Dahua's ConfigTool search on UDP 37810).
 */
export function dhipSearch(): Buffer {
  const body = Buffer.from('{"method":"DHDiscover.search","params":{"mac":"","uni":1}}\n', 'utf8');
  const head = Buffer.alloc(DHIP_HEADER);
  head.writeUInt32LE(DHIP_HEADER, 0);
  head.write('DHIP', 4, 'latin1');
  head.writeUInt32LE(body.length, 16);
  head.writeUInt32LE(body.length, 24);
  return Buffer.concat([head, body]);
}

/** Model, serial, MAC and firmware from a DHIP answer (client.notifyDevInfo); null when the answer is not one. */
export function parseDhipAnswer(msg: Buffer): DeviceFacts | null {
  if (msg.length < DHIP_HEADER || msg.toString('latin1', 4, 8) !== 'DHIP') return null;
  const length = Math.min(msg.readUInt32LE(16), msg.length - DHIP_HEADER, 16 * 1024);
  let json: { mac?: unknown; method?: unknown; params?: { deviceInfo?: Record<string, unknown> } };
  try { json = JSON.parse(msg.toString('utf8', DHIP_HEADER, DHIP_HEADER + length)) as typeof json; } catch { return null; }
  const info = json?.params?.deviceInfo;
  if (!info || typeof info !== 'object') return null;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200) : null);
  return { model: text(info.DeviceType), serial: text(info.SerialNo), mac: text(json.mac) ?? text(info.MAC), firmware: text(info.Version) };
}

export const rawResponse = (msg: Buffer) => escapeBytes(msg, MAX_RAW_RESPONSE);
