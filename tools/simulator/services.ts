// The simulated devices' other services, beside their web UI, RTSP and ONVIF: what a network scanner also hears.
// Per make (keyed by SimDevice.make), from public sources:
// - FTP greeting (Axis: nmap-service-probes `match ftp m|^220 AXIS … Network Camera … ready|`; rapid7/recog
//   xml/ftp_banners.xml).
// - Telnet login banner (Hikvision: "192.0.0.64 login:", its factory address as hostname, recog
//   xml/telnet_banners.xml; Bosch: "Welcome to <model> <address> from <client>", same file), after refusable
//   option negotiation as busybox telnetd does.
// - UPnP: a unicast SSDP responder on UDP 1900 (answers M-SEARCH sent to this device's address only) and its device
//   description on its own HTTP port (libupnp's default 49152). Axis' SERVER string: recog xml/http_servers.xml
//   ("Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22").
// - Hikvision SADP on UDP 37020: an inquiry Probe is answered with a ProbeMatch (fields as public
//   reimplementations read them: julienblitte/UniversalScanner Hikvision.cs, MatrixEditor/hiktools).
// - Dahua DHIP on UDP 37810: DHDiscover.search is answered with client.notifyDevInfo after the 32-byte DHIP header
//   (julienblitte/UniversalScanner Dahua2.cs).
// - SNMP (net-snmp's agent on UDP 161, community SIM_SNMP_COMMUNITY): Hanwha's sysObjectID under its enterprise
//   36849 (Hanwha Techwin SNMP MIB guide), Hikvision's under 39165 (IANA private enterprise numbers).
// A silent device offers none of them; malformed and entity-bomb devices answer SADP/DHIP with broken or hostile
// packets. Only the device's own loopback address is ever bound.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import snmp from 'net-snmp';
import type { SimDevice } from './fleet';

export const SIM_SNMP_COMMUNITY = 'sim-community';
export const UPNP_DESCRIPTION_PORT = 49152;

interface UpnpProfile { server: string; manufacturer: string; modelName: string }
interface ServiceProfile {
  ftp?: (d: SimDevice) => string;
  telnet?: (d: SimDevice, client: string) => string;
  upnp?: (d: SimDevice) => UpnpProfile;
  sadp?: boolean;
  dhip?: boolean;
  snmp?: (d: SimDevice) => { sysDescr: string; sysObjectId: string };
}

const hikvision: ServiceProfile = {
  telnet: () => '\r\n192.0.0.64 login: ',
  upnp: (d) => ({ server: 'Linux/3.10.0, UPnP/1.0, Portable SDK for UPnP devices/1.6.18', manufacturer: d.manufacturer, modelName: d.model }),
  sadp: true,
};
const dahua: ServiceProfile = { dhip: true };

const PROFILES: Partial<Record<SimDevice['make'], ServiceProfile>> = {
  hikvision: { ...hikvision, snmp: (d) => ({ sysDescr: d.model, sysObjectId: '1.3.6.1.4.1.39165.1.1' }) },
  'hikvision-nvr': hikvision,
  'hikvision-lts': hikvision,
  'hikvision-annke': hikvision,
  dahua, 'dahua-nvr': dahua, 'dahua-honeywell': dahua, 'dahua-lorex': dahua, 'dahua-amcrest': dahua,
  axis: {
    ftp: (d) => `220 AXIS ${d.model.replace(/^AXIS /, '')} Network Camera ${d.firmware} (Mar 13 2023) ready.\r\n`,
    upnp: (d) => ({ server: 'Linux/4.9.94-axis5, UPnP/1.0, Portable SDK for UPnP devices/1.6.22', manufacturer: 'AXIS', modelName: d.model }),
  },
  bosch: { telnet: (d, client) => `Welcome to ${d.model} ${d.address} from ${client}\r\nlogin: ` },
  hanwha: { snmp: (d) => ({ sysDescr: d.model, sysObjectId: '1.3.6.1.4.1.36849.1.2.1' }) },
};

/** The services a device offers (none when it is silent). */
function servicesOf(d: SimDevice): ServiceProfile {
  if (d.profile) {
    // A profile device greets with its fingerprint's banner. Collections keep an FTP greeting's text without its
    // reply code; on the wire it is a 220 reply (RFC 959), each line but the last marked "220-".
    const { ftpBanner, telnetBanner } = d.profile;
    return {
      ...(ftpBanner ? { ftp: () => ftpGreeting(ftpBanner) } : {}),
      ...(telnetBanner ? { telnet: () => telnetBanner } : {}),
    };
  }
  return d.behaviour === 'silent' ? {} : PROFILES[d.make] ?? {};
}

/** An FTP greeting from a banner as collections keep it: as given when it has its reply code, else made a 220 reply. */
function ftpGreeting(banner: string): string {
  if (/^\d{3}[ -]/.test(banner)) return /\r?\n$/.test(banner) ? banner : `${banner}\r\n`;
  const lines = banner.split(/\r?\n/).filter((l) => l.length);
  return lines.map((l, i) => `220${i === lines.length - 1 ? ' ' : '-'}${l}\r\n`).join('');
}

const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

function upnpDescription(d: SimDevice, p: UpnpProfile): string {
  return '<?xml version="1.0"?>\n<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion><device>'
    + `<deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType><friendlyName>${esc(d.model)} - ${esc(d.serial.slice(-9))}</friendlyName>`
    + `<manufacturer>${esc(p.manufacturer)}</manufacturer><modelName>${esc(p.modelName)}</modelName><modelNumber>${esc(d.model)}</modelNumber>`
    + `<serialNumber>${esc(d.serial)}</serialNumber><UDN>uuid:${uuidOf(d)}</UDN></device></root>`;
}

const uuidOf = (d: SimDevice) => {
  const h = crypto.createHash('sha1').update(d.address).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

function ssdpAnswer(d: SimDevice, p: UpnpProfile): string {
  return `HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nDATE: ${new Date().toUTCString()}\r\nEXT:\r\n`
    + `LOCATION: http://${d.address}:${UPNP_DESCRIPTION_PORT}/description.xml\r\nSERVER: ${p.server}\r\nST: upnp:rootdevice\r\n`
    + `USN: uuid:${uuidOf(d)}::upnp:rootdevice\r\n\r\n`;
}

function sadpMatch(d: SimDevice, uuid: string): string {
  const [version, build] = d.firmware.split(' build ');
  return `<?xml version="1.0" encoding="UTF-8"?><ProbeMatch><Uuid>${esc(uuid)}</Uuid><Types>inquiry</Types><DeviceType>${d.make === 'hikvision-nvr' ? 30 : 20}</DeviceType>`
    + `<DeviceDescription>${esc(d.model)}</DeviceDescription><DeviceSN>${esc(d.serial)}</DeviceSN><CommandPort>8000</CommandPort><HttpPort>80</HttpPort>`
    + `<MAC>${d.mac.toLowerCase().replace(/:/g, '-')}</MAC><IPv4Address>${d.address}</IPv4Address><IPv4SubnetMask>255.0.0.0</IPv4SubnetMask>`
    + `<IPv4Gateway>127.0.0.1</IPv4Gateway><DHCP>false</DHCP><SoftwareVersion>${esc(version)}build ${esc(build ?? '')}</SoftwareVersion>`
    + '<DSPVersion>V7.3 build 220112</DSPVersion><Activated>true</Activated><PasswordResetAbility>true</PasswordResetAbility></ProbeMatch>';
}

function dhipAnswer(d: SimDevice): Buffer {
  const body = Buffer.from(JSON.stringify({
    mac: d.mac.toLowerCase(), method: 'client.notifyDevInfo',
    params: { deviceInfo: {
      DeviceClass: d.make === 'dahua-nvr' ? 'NVR' : 'IPC', DeviceType: d.model, HttpPort: 80, Port: 37777,
      IPv4Address: { DhcpEnable: false, IPAddress: d.address, SubnetMask: '255.0.0.0', DefaultGateway: '127.0.0.1' },
      MachineName: d.serial, Manufacturer: 'Private', SerialNo: d.serial, Vendor: d.label === 'Dahua' ? 'Dahua' : 'General',
      Version: d.firmware.split(',')[0],
    } },
  }), 'utf8');
  const head = Buffer.alloc(32);
  head.writeUInt32LE(32, 0);
  head.write('DHIP', 4, 'latin1');
  head.writeUInt32LE(body.length, 16);
  head.writeUInt32LE(body.length, 24);
  return Buffer.concat([head, body]);
}

export interface Services { close(): Promise<void> }

/** Starts every device's extra services; close() stops them. */
export async function startServices(devices: SimDevice[]): Promise<Services> {
  const servers: net.Server[] = [];
  const sockets: dgram.Socket[] = [];
  const agents: snmp.Agent[] = [];
  const open = new Set<net.Socket>();
  const byAddress = new Map(devices.map((d) => [d.address, d]));
  const descriptions = http.createServer((req, res) => {
    const d = byAddress.get(req.socket.localAddress ?? '');
    const p = d && servicesOf(d).upnp?.(d);
    if (!d || !p || req.url !== '/description.xml') { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'Content-Type': 'text/xml; charset="utf-8"', Server: p.server }).end(upnpDescription(d, p));
  });
  const tcp = (d: SimDevice, port: number, onConnection: (s: net.Socket) => void) => new Promise<void>((resolve, reject) => {
    const server = net.createServer((s) => {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {});
      s.setTimeout(30_000, () => s.destroy());
      onConnection(s);
    });
    server.once('error', reject);
    server.listen({ host: d.address, port }, () => { server.off('error', reject); servers.push(server); resolve(); });
  });
  const udp = (d: SimDevice, port: number, answer: (msg: Buffer) => Buffer | string | null) => new Promise<void>((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('message', (msg, rinfo) => { const a = answer(msg); if (a) s.send(a, rinfo.port, rinfo.address, () => {}); });
    s.once('error', reject);
    s.bind({ address: d.address, port }, () => { s.off('error', reject); s.on('error', () => {}); sockets.push(s); resolve(); });
  });

  const jobs: (() => Promise<void>)[] = [];
  for (const d of devices) {
    const p = servicesOf(d);
    if (p.ftp) { const greeting = p.ftp(d); jobs.push(() => tcp(d, 21, (s) => s.write(greeting))); }
    if (p.telnet) {
      const telnet = p.telnet;
      // IAC WILL ECHO, IAC WILL SUPPRESS-GO-AHEAD, IAC DO NAWS: what busybox telnetd opens with; then the prompt.
      jobs.push(() => tcp(d, 23, (s) => { s.write(Buffer.from([255, 251, 1, 255, 251, 3, 255, 253, 31])); setTimeout(() => { if (!s.destroyed) s.write(telnet(d, s.remoteAddress ?? '')); }, 20); }));
    }
    if (p.upnp) {
      const profile = p.upnp(d);
      jobs.push(() => udp(d, 1900, (msg) => (/^M-SEARCH \* HTTP\/1\.1\r\n/.test(msg.toString('latin1')) && /ssdp:discover/i.test(msg.toString('latin1')) ? ssdpAnswer(d, profile) : null)));
      jobs.push(() => new Promise<void>((resolve, reject) => {
        const server = net.createServer((s) => { s.on('error', () => {}); descriptions.emit('connection', s); });
        server.once('error', reject);
        server.listen({ host: d.address, port: UPNP_DESCRIPTION_PORT }, () => { server.off('error', reject); servers.push(server); resolve(); });
      }));
    }
    if (p.sadp) {
      jobs.push(() => udp(d, 37020, (msg) => {
        const text = msg.subarray(0, 4096).toString('utf8');
        if (!/<Types>inquiry<\/Types>/i.test(text)) return null;
        const answer = sadpMatch(d, /<Uuid>([^<]{1,64})<\/Uuid>/.exec(text)?.[1] ?? '');
        // Hostile devices: a cut-off answer, or one that declares entities ("billion laughs").
        if (d.behaviour === 'malformed') return answer.slice(0, 120);
        if (d.behaviour === 'entity-bomb') return answer.replace('<ProbeMatch>', '<!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><ProbeMatch>&b;');
        return answer;
      }));
    }
    if (p.dhip) {
      jobs.push(() => udp(d, 37810, (msg) => {
        if (!(msg.length > 32 && msg.toString('latin1', 4, 8) === 'DHIP' && /DHDiscover\.search/.test(msg.toString('utf8', 32)))) return null;
        const answer = dhipAnswer(d);
        // A malformed device claims a 4 GiB body and sends broken JSON.
        if (d.behaviour === 'malformed') { answer.writeUInt32LE(0xffffffff, 16); return answer.subarray(0, 60); }
        return answer;
      }));
    }
    if (p.snmp) {
      const sys = p.snmp(d);
      jobs.push(async () => {
        const agent = snmp.createAgent({ port: 161, address: d.address, transport: 'udp4' }, () => {});
        agent.getAuthorizer().addCommunity(SIM_SNMP_COMMUNITY);
        const mib = agent.getMib();
        const readOnly = snmp.MaxAccess['read-only'];
        mib.registerProvider({ name: 'sysDescr', type: snmp.MibProviderType.Scalar, oid: '1.3.6.1.2.1.1.1', scalarType: snmp.ObjectType.OctetString, maxAccess: readOnly });
        mib.registerProvider({ name: 'sysObjectID', type: snmp.MibProviderType.Scalar, oid: '1.3.6.1.2.1.1.2', scalarType: snmp.ObjectType.OID, maxAccess: readOnly });
        mib.setScalarValue('sysDescr', sys.sysDescr);
        mib.setScalarValue('sysObjectID', sys.sysObjectId);
        agents.push(agent);
      });
    }
  }
  const close = async () => {
    for (const s of open) s.destroy();
    for (const s of sockets) { try { s.close(); } catch { /* closed */ } }
    for (const a of agents) { try { a.close(); } catch { /* closed */ } }
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  };
  try {
    for (let i = 0; i < jobs.length; i += 256) await Promise.all(jobs.slice(i, i + 256).map((j) => j()));
  } catch (e) {
    await close();
    throw e;
  }
  return { close };
}
