import type { DeviceEvidence, Verdict } from '../domain/provenance-types';

/**
 * What `sightline discover` finds and uploads. One record per device; the evidence fields are the same as
 * `sightline identify` input (DeviceEvidence), so the provenance engine reads them unchanged.
 * This is the contract between the scanner (src/discovery, src/cli/discover.ts) and the server
 * (src/modules/discovery: POST /api/v1/discovery/runs).
 */
export interface DiscoveredDevice extends DeviceEvidence {
  /** IPv4 address the device answered on. */
  address: string;
  /** Open TCP ports found by the connect scan, ascending. */
  ports: number[];
  /** WS-Discovery ProbeMatch details, when the device answered a Probe. */
  wsDiscovery?: { endpoint: string | null; xaddrs: string[]; types: string[] } | null;
  /**
   * Each probe tried against this host, with its outcome (for people diagnosing a scan): ok only when it got a usable
   * answer (then `got` may summarise it); otherwise `error` says what came instead ("answered 404, …", "no answer in …").
   */
  probes: { probe: string; ok: boolean; ms: number; error?: string; got?: string }[];
  verdict: Verdict;
  /** ISO timestamp of the last answer from the device. */
  seenAt: string;
  /** Authentication realms the device's HTTP/RTSP servers named (Dahua family: "Login to <serial>"). */
  realms?: string[] | null;
  /** How the ONVIF device service was read: anonymously, with digest credentials, or not (why). */
  onvifAuth?: 'anonymous' | 'digest' | 'rejected' | 'no-credentials' | 'not-sent-out-of-scope';
  /** Device clock minus the scanner's, in ms (from ONVIF GetSystemDateAndTime); a wrong clock breaks digest logins. */
  clockOffsetMs?: number | null;
}

export interface ScanReport {
  tool: 'sightline-discover';
  formatVersion: 1;
  startedAt: string;
  finishedAt: string;
  /** Targets as given (addresses, CIDR ranges, a-b ranges). */
  targets: string[];
  ports: number[];
  hostsScanned: number;
  /** True when the scan was stopped (Ctrl-C) before every host was done; devices holds what was found so far. */
  interrupted: boolean;
  devices: DiscoveredDevice[];
  /** Where the time went: the TCP sweep, and the whole scan (identification overlaps the sweep). */
  timings?: { sweepMs: number; totalMs: number };
}
