// What each kind of provenance evidence is called for people (pages, API kindName, the `evidenceKind` filter).
import type { EvidenceItem } from './provenance-types';

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
