// How evidence is named for people: on the asset page, in the API (kindName) and in observed-evidence lists.
import type { NetworkEvidence } from './observations';

// Kind names live in the domain so the web kit's `evidenceKind` template filter can use them too.
import { evidenceKindName } from '../../domain/evidence-names';
export { evidenceKindName };

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
