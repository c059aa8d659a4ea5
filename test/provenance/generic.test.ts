// Generic strings (stock web servers, placeholder titles and realms, stock embedded-Linux banners) are shown by many
// makers' devices: with the shipped catalogue, none of them may name a maker in any field a device reports.
import { describe, expect, it } from 'vitest';
import { catalogueRuntime } from '../../src/catalog';
import { GENERIC_PROBES } from '../../src/catalog/load';
import { EVIDENCE_FIELDS, type EvidenceField } from '../../src/catalog/types';
import { identify } from '../../src/domain/provenance';
import type { DeviceEvidence } from '../../src/domain/provenance-types';

/** The device record that reports `value` in `field` (service answers: on every port a rule is limited to, and none). */
function recordFor(field: EvidenceField, value: string, ports: number[]): DeviceEvidence {
  switch (field) {
    case 'httpPath': return { httpPaths: [value] };
    case 'scope': return { scopes: [value] };
    case 'onvifManufacturer': return { onvif: { manufacturer: value } };
    case 'onvifModel': return { onvif: { model: value } };
    case 'onvifFirmware': return { onvif: { firmwareVersion: value } };
    case 'onvifHardwareId': return { onvif: { hardwareId: value } };
    case 'rawResponse': return { rawResponse: value, services: ports.map((port) => ({ port, rawResponse: value })) };
    default: return { [field]: value };
  }
}

describe('generic strings name no maker (shipped catalogue)', () => {
  const rt = catalogueRuntime();
  const ports = [...new Set(rt.catalogue.rules.flatMap((r) => r.ports ?? []))];

  it('in any field', () => {
    const named: string[] = [];
    for (const field of EVIDENCE_FIELDS) {
      for (const probe of GENERIC_PROBES) {
        const v = identify(rt.compiled, recordFor(field, probe, ports));
        for (const e of v.evidence) if (e.company !== null) named.push(`${field} "${probe}" → ${e.company} (${e.ruleId})`);
        if (v.origin !== null || v.nilSubject === true) named.push(`${field} "${probe}": verdict ${v.origin}/${v.nilSubject}`);
      }
    }
    expect(named).toEqual([]);
  });

  it('the list holds the strings the issue names', () => {
    for (const s of ['Webs', 'Boa/0.94.14rc21', 'GoAhead-Webs', 'lighttpd/1.4.35', 'mini_httpd', 'thttpd', 'Network Camera', 'IP Camera', 'Login']) {
      expect(GENERIC_PROBES).toContain(s);
    }
  });
});
