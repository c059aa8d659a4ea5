// How evidence is named for people: on the asset page, in the API (kindName) and in observed-evidence lists.
import type { EvidenceItem } from '../../domain/provenance-types';
import type { NetworkEvidence } from './observations';

export const EVIDENCE_KIND_NAMES: Record<EvidenceItem['kind'], string> = {
  label: 'Label', mac: 'MAC prefix', model: 'Model number', firmware: 'Firmware version', serial: 'Serial number',
  httpServer: 'Web server banner', httpTitle: 'Web page title', httpPath: 'Web paths', rtspServer: 'RTSP server banner',
  onvifManufacturer: 'ONVIF manufacturer', onvifModel: 'ONVIF model', onvifFirmware: 'ONVIF firmware', onvifHardwareId: 'ONVIF hardware id',
  scope: 'Discovery scope', override: 'Your organisation’s record',
  realm: 'Login realm', wwwAuthenticate: 'Login challenge (WWW-Authenticate)', ftpBanner: 'FTP banner', telnetBanner: 'Telnet banner',
  sshBanner: 'SSH banner', loginBanner: 'Login banner', snmpSysDescr: 'SNMP system description', snmpSysObjectId: 'SNMP system object id',
  x509Subject: 'TLS certificate subject', x509Issuer: 'TLS certificate issuer', httpBody: 'Web page content', faviconMd5: 'Web icon (MD5)',
  faviconMmh3: 'Web icon (Shodan hash)', dhcpVendorClass: 'DHCP vendor class', sipUserAgent: 'SIP user agent', upnpServer: 'UPnP server banner',
  upnpManufacturer: 'UPnP manufacturer', upnpModelName: 'UPnP model name', rawResponse: 'Answer of another service',
};

export const evidenceKindName = (k: string) => EVIDENCE_KIND_NAMES[k as EvidenceItem['kind']] ?? k;

const FIELD_NAMES: Record<string, string> = {
  httpServer: 'Web server banner', httpTitle: 'Web page title', httpPaths: 'Web paths that answered', rtspServer: 'RTSP server banner',
  scopes: 'Discovery scopes', realm: 'Login realm', realms: 'Login realms', port: 'Port', service: 'Service', rawResponse: 'Service answer',
};
const ONVIF_NAMES: Record<string, string> = {
  manufacturer: 'ONVIF manufacturer', model: 'ONVIF model', firmwareVersion: 'ONVIF firmware', serialNumber: 'ONVIF serial number', hardwareId: 'ONVIF hardware id',
};

const SHOWN = 300;
const cut = (v: string) => (v.length > SHOWN ? `${v.slice(0, SHOWN)}…` : v);

/** What a scan saw, one line per field, in words (long values cut; the page body summarised by its length). */
export function describeObservation(e: NetworkEvidence): { field: string; name: string; value: string }[] {
  const out: { field: string; name: string; value: string }[] = [];
  for (const [field, v] of Object.entries(e)) {
    if (field === 'onvif') {
      for (const [k, x] of Object.entries(v as Record<string, string>)) out.push({ field: `onvif.${k}`, name: ONVIF_NAMES[k] ?? k, value: cut(String(x)) });
    } else if (field === 'services') {
      for (const s of v as { service: string | null; port: number | null; rawResponse: string }[]) {
        out.push({ field, name: `Answer on ${s.service ?? 'a service'}${s.port ? ` (port ${s.port})` : ''}`, value: cut(s.rawResponse) });
      }
    } else if (field === 'httpBody') {
      out.push({ field, name: 'Web page content', value: `${(v as string).length.toLocaleString('en-GB')} characters of the root page: ${cut((v as string).replace(/\s+/g, ' ').trim())}` });
    } else {
      out.push({ field, name: FIELD_NAMES[field] ?? evidenceKindName(field), value: cut(Array.isArray(v) ? v.join(', ') : String(v)) });
    }
  }
  return out;
}
