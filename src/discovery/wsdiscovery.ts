// ONVIF WS-Discovery (SOAP over UDP 3702): a Probe answered by ProbeMatches naming the device's service addresses
// (XAddrs), types and scopes (name, hardware, MAC…). Unicast to each target; multicast to 239.255.255.250 only when
// the caller asks for it explicitly. Answers are hostile input: bounded, parsed without DTDs, one per address kept,
// and answers from addresses outside the scan's scope are dropped.
import dgram from 'node:dgram';
import { randomUUID } from 'node:crypto';
import { findElement, listOf, parseDeviceXml, textOf } from './xml';

export const WSD_PORT = 3702;
export const WSD_MULTICAST = '239.255.255.250';
const MAX_DATAGRAM = 32 * 1024;

export interface ProbeMatch {
  endpoint: string | null;
  xaddrs: string[];
  types: string[];
  scopes: string[];
  relatesTo: string | null;
}

export function probeMessage(messageId: string): string {
  return '<?xml version="1.0" encoding="UTF-8"?>'
    + '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"'
    + ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">'
    + `<s:Header><a:MessageID>urn:uuid:${messageId}</a:MessageID>`
    + '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>'
    + '<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action></s:Header>'
    // No Types filter: cameras answer as NetworkVideoTransmitter, recorders often only as Device.
    + '<s:Body><d:Probe/></s:Body></s:Envelope>';
}

/** Reads the ProbeMatch elements of a ProbeMatches message; throws for unsafe or unreadable XML. */
export function parseProbeMatches(xml: string): ProbeMatch[] {
  const doc = parseDeviceXml(xml);
  const relatesTo = textOf(findElement(findElement(doc, 'Header'), 'RelatesTo'), 200);
  const matches = findElement(doc, 'ProbeMatches');
  if (!matches || typeof matches !== 'object') return [];
  const raw = (matches as Record<string, unknown>).ProbeMatch;
  const list = (Array.isArray(raw) ? raw : raw ? [raw] : []).slice(0, 16);
  return list.map((m) => ({
    endpoint: textOf(findElement(findElement(m, 'EndpointReference'), 'Address'), 200),
    xaddrs: listOf(findElement(m, 'XAddrs'), 16),
    types: listOf(findElement(m, 'Types'), 32),
    scopes: listOf(findElement(m, 'Scopes'), 64),
    relatesTo,
  }));
}

/** A scope's value after a marker, e.g. scopeValue(scopes, 'mac') → "44:19:b6:12:34:56". */
export function scopeValue(scopes: string[], key: string): string | null {
  const re = new RegExp(`^onvif://www\\.onvif\\.org/${key}/([^/]+)`, 'i');
  for (const s of scopes) {
    const m = re.exec(s);
    if (m) { try { return decodeURIComponent(m[1]); } catch { return m[1]; } }
  }
  return null;
}

export interface WsdClientOptions {
  /** Replies from addresses this rejects are dropped (the scan's scope guard). */
  accept: (address: string) => boolean;
  /** Local address to bind (default all); for multicast, the interface address to send from. */
  bindAddress?: string;
}

/**
 * One UDP socket for a whole scan: Probes out, ProbeMatches in, kept per answering address.
 * Call close() when the scan ends.
 */
export class WsDiscoveryClient {
  private readonly socket: dgram.Socket;
  private readonly sent = new Set<string>();
  readonly matches = new Map<string, ProbeMatch>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private ready: Promise<void>;
  /** Answers that could not be read (hostile or broken devices), by address. */
  readonly errors = new Map<string, string>();
  onMatch?: (address: string, match: ProbeMatch) => void;

  constructor(private readonly o: WsdClientOptions) {
    this.socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    this.socket.on('message', (msg, rinfo) => this.receive(msg, rinfo.address));
    this.socket.on('error', () => { /* a send to an unreachable address; the probe simply gets no answer */ });
    this.ready = new Promise((resolve) => this.socket.bind({ address: o.bindAddress ?? '0.0.0.0', port: 0 }, () => resolve()));
  }

  private receive(msg: Buffer, address: string) {
    if (!this.o.accept(address) || this.matches.has(address)) return;
    if (msg.length > MAX_DATAGRAM) { this.errors.set(address, 'answer too large'); return; }
    try {
      const match = parseProbeMatches(msg.toString('utf8')).find((m) => !m.relatesTo || this.sent.has(m.relatesTo));
      if (!match) return;
      this.matches.set(address, match);
      this.onMatch?.(address, match);
      for (const w of this.waiters.get(address) ?? []) w();
      this.waiters.delete(address);
    } catch (e) {
      this.errors.set(address, (e as Error).message.slice(0, 160));
    }
  }

  /** Binds the socket; call (and await) once before probing. */
  start(): Promise<void> {
    return this.ready;
  }

  // One Probe message for every unicast target of the scan: a sweep sends tens of thousands, and each answer is
  // matched by its sender's address anyway (RelatesTo only has to name a Probe we sent).
  private readonly unicastId = randomUUID();
  private readonly unicastProbe = Buffer.from(probeMessage(this.unicastId));

  /** Unicast Probe to one address (which the caller has checked is in scope). Call start() first. */
  probe(address: string): void {
    if (!this.sent.has(`urn:uuid:${this.unicastId}`)) this.sent.add(`urn:uuid:${this.unicastId}`);
    this.socket.send(this.unicastProbe, WSD_PORT, address);
  }

  /**
   * Multicast Probe on the local segment. Only on explicit request: it reaches every device on the link, in scope
   * or not (answers from outside the scope are dropped unread).
   */
  async probeMulticast(): Promise<void> {
    await this.ready;
    this.socket.setMulticastTTL(1);
    if (this.o.bindAddress) this.socket.setMulticastInterface(this.o.bindAddress);
    const id = randomUUID();
    this.sent.add(`urn:uuid:${id}`);
    await new Promise<void>((resolve) => this.socket.send(Buffer.from(probeMessage(id)), WSD_PORT, WSD_MULTICAST, () => resolve()));
  }

  /** Resolves with the address's match once it arrives, or null after ms / on abort. */
  waitFor(address: string, ms: number, signal?: AbortSignal): Promise<ProbeMatch | null> {
    const have = this.matches.get(address);
    if (have || ms <= 0 || signal?.aborted) return Promise.resolve(have ?? null);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.get(address)?.delete(done);
        resolve(this.matches.get(address) ?? null);
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      let set = this.waiters.get(address);
      if (!set) this.waiters.set(address, (set = new Set()));
      set.add(done);
    });
  }

  close() {
    try { this.socket.close(); } catch { /* already closed */ }
  }
}
