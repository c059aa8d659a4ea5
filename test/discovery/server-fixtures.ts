// Scan reports built the way `sightline discover` builds them (evidence plus identify() verdict), with no network:
// the addresses are data only and are never dialled.
import { catalogueRuntime } from '../../src/catalog';
import { identify } from '../../src/domain/provenance';
import type { DeviceEvidence } from '../../src/domain/provenance-types';
import type { DiscoveredDevice, ScanReport } from '../../src/discovery/types';

export function device(address: string, evidence: DeviceEvidence, ports = [80, 554]): DiscoveredDevice {
  return {
    ...evidence, address, ports, wsDiscovery: null, seenAt: '2026-11-20T10:00:05.000Z',
    probes: [{ probe: 'tcp', ok: true, ms: 3 }, { probe: 'onvif', ok: !!evidence.onvif, ms: 12 }],
    verdict: identify(catalogueRuntime().compiled, evidence),
  };
}

export function report(targets: string[], devices: DiscoveredDevice[], extra: Partial<ScanReport> = {}): ScanReport {
  return {
    tool: 'sightline-discover', formatVersion: 1, startedAt: '2026-11-20T10:00:00.000Z', finishedAt: '2026-11-20T10:01:00.000Z',
    targets, ports: [80, 443, 554, 8000, 8080, 8443, 37777, 34567], hostsScanned: 256, interrupted: false, devices, ...extra,
  };
}

/** The estate the server tests and the browser test reconcile against, and what the network "says". */
export const REGISTER = {
  axis: { kind: 'camera', manufacturer: 'Axis', model: 'P3265-LVE', mac: '00:40:8C:0F:F4:47', firmware: '10.12.153', ip: '10.20.1.10', serial: 'AX-1' },
  // Labelled Axis in the register, but the network shows a Dahua-made device with this serial.
  relabelled: { kind: 'camera', manufacturer: 'Axis', serial: 'AX-9', ip: '10.20.1.11' },
  gone: { kind: 'camera', manufacturer: 'Hikvision', model: 'DS-2CD2143G2-I', mac: '44:19:B6:00:00:03', ip: '10.20.1.12', serial: 'HK-3' },
  elsewhere: { kind: 'camera', manufacturer: 'Axis', ip: '10.30.0.5', serial: 'AX-E' },
};

export const NETWORK = {
  axis: () => device('10.20.1.10', { brand: 'AXIS', model: 'P3265-LVE', mac: '00-40-8C-0F-F4-47', firmware: '10.12.200', serial: 'AX-1' }),
  relabelled: () => device('10.20.1.11', { serial: 'AX-9', mac: 'e050.8b10.bb57', firmware: '2.840.0000001.1.R', httpPaths: ['/RPC2_Login'] }),
  hikvision: () => device('10.20.1.20', {
    brand: 'HIKVISION', mac: '24:0F:9B:DC:3C:C3', httpServer: 'App-webs/', httpPaths: ['/ISAPI/System/deviceInfo'],
    onvif: { manufacturer: 'HIKVISION', model: 'DS-2CD2047G2-L', firmwareVersion: 'V5.5.82 build 190909', serialNumber: 'DS-2CD2047G2-L20210101AAWR1' },
  }),
  outOfRange: () => device('192.168.5.5', { brand: 'Uniview', model: 'IPC2122LB-SF28-A' }),
};
