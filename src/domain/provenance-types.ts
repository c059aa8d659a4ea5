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
}

/** One piece of evidence and what it indicates. */
export interface EvidenceItem {
  kind: 'label' | 'mac' | 'model' | 'firmware' | 'serial' | 'httpServer' | 'httpTitle' | 'httpPath' | 'rtspServer'
    | 'onvifManufacturer' | 'onvifModel' | 'onvifFirmware' | 'onvifHardwareId' | 'scope' | 'override';
  value: string;                  // the observed value (truncated to 200 characters)
  company: string | null;         // the producer it points to (null: it points nowhere, e.g. an unregistered MAC)
  indicates: string;              // for people: "MAC prefix 44:19:B6 is registered to Hangzhou Hikvision Digital Technology Co.,Ltd."
  weight: number;                 // 0..1 contribution
  ruleId?: string;                // catalogue rule / brand / registrant that produced it
  source?: string;                // catalogue source id behind the claim
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
}
