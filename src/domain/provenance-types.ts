// Input and output of the provenance engine (src/domain/provenance.ts): who really produced a device.

/** Everything known about one device; every field may be missing. Field names are the `sightline identify` contract. */
export interface DeviceEvidence {
  id?: string;
  brand?: string | null;          // labelled manufacturer, as on the kit or in the register (weakest evidence)
  model?: string | null;
  firmware?: string | null;
  serial?: string | null;
  mac?: string | null;            // any common format
  httpServer?: string | null;     // HTTP `Server` header
  httpTitle?: string | null;      // HTML <title> of the web UI
  httpPaths?: string[] | null;    // HTTP paths that answered (not 404), e.g. "/ISAPI/System/deviceInfo"
  rtspServer?: string | null;     // RTSP `Server` header
  onvif?: {
    manufacturer?: string | null; model?: string | null; firmwareVersion?: string | null;
    serialNumber?: string | null; hardwareId?: string | null;
  } | null;
  scopes?: string[] | null;       // WS-Discovery scopes, e.g. "onvif://www.onvif.org/name/HIKVISION"
  // What else a network says about a device (public fingerprint collections read the same things):
  realm?: string | null;          // a WWW-Authenticate realm, HTTP or RTSP (Dahua family: "Login to <serial>")
  realms?: string[] | null;       // several realms (discovery: web and RTSP)
  wwwAuthenticate?: string | null;// the raw WWW-Authenticate header
  ftpBanner?: string | null;
  telnetBanner?: string | null;
  sshBanner?: string | null;
  loginBanner?: string | null;    // text shown before a login prompt (telnet, serial console)
  snmpSysDescr?: string | null;
  snmpSysObjectId?: string | null;// dotted OID, e.g. "1.3.6.1.4.1.39165.1.1"
  x509Subject?: string | null;    // TLS certificate subject, e.g. "CN=IP Camera, O=…"
  x509Issuer?: string | null;
  httpBody?: string | null;       // the first 64 KiB of the root page
  faviconMd5?: string | null;     // hex MD5 of /favicon.ico
  faviconMmh3?: string | number | null; // Shodan's favicon hash (signed 32-bit MurmurHash3 of the base64 text)
  dhcpVendorClass?: string | null;// DHCP option 60
  sipUserAgent?: string | null;
  upnpServer?: string | null;     // SSDP SERVER header
  upnpManufacturer?: string | null;
  upnpModelName?: string | null;
  service?: string | null;        // with port and rawResponse: the first bytes another service answered
  port?: number | null;
  rawResponse?: string | null;    // as text with escapes ("\x00\x01…")
  services?: { service?: string | null; port?: number | null; rawResponse?: string | null }[] | null;
}

/** One piece of evidence and what it indicates. */
export interface EvidenceItem {
  kind: 'label' | 'mac' | 'model' | 'firmware' | 'serial' | 'httpServer' | 'httpTitle' | 'httpPath' | 'rtspServer'
    | 'onvifManufacturer' | 'onvifModel' | 'onvifFirmware' | 'onvifHardwareId' | 'scope' | 'override'
    | 'realm' | 'wwwAuthenticate' | 'ftpBanner' | 'telnetBanner' | 'sshBanner' | 'loginBanner' | 'snmpSysDescr'
    | 'snmpSysObjectId' | 'x509Subject' | 'x509Issuer' | 'httpBody' | 'faviconMd5' | 'faviconMmh3' | 'dhcpVendorClass'
    | 'sipUserAgent' | 'upnpServer' | 'upnpManufacturer' | 'upnpModelName' | 'rawResponse';
  value: string;                  // the observed value (truncated to 200 characters)
  company: string | null;         // the producer it points to (null: it points nowhere, e.g. an unregistered MAC)
  indicates: string;              // for people: "MAC prefix 44:19:B6 is registered to Hangzhou Hikvision Digital Technology Co.,Ltd."
  weight: number;                 // 0..1 contribution
  ruleId?: string;                // catalogue rule / brand / registrant that produced it
  source?: string;                // catalogue source id behind the claim
  platform?: string;              // the platform (catalogue platforms) it points to, when it names no producer
}

export interface Conflict {
  companies: string[];            // the producers the evidence disagrees about
  kinds: EvidenceItem['kind'][];  // which kinds of evidence disagree
  message: string;                // "Labelled Honeywell (Honeywell) but the MAC prefix and model point to Dahua"
}

export interface Verdict {
  id?: string;
  origin: string | null;          // company slug, or null when unknown
  nilSubject: boolean | null;     // producer subject to PRC National Intelligence Law; null when origin unknown
  confidence: number;             // 0..1 in the origin
  evidence: EvidenceItem[];
  conflicts: Conflict[];
  catalogueVersion: string;
  /** A platform many makers use, when the evidence shows one (what is known when the producer is not). */
  platform?: { id: string; name: string; note: string; nilSubject: boolean | null } | null;
}
