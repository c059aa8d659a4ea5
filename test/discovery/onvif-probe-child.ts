// Run inside a network namespace by onvif-clients.test.ts (never on the host's own network): a simulated fleet that
// answers multicast WS-Discovery on lo, probed by the npm `onvif` (Discovery.probe) and `node-onvif` (startProbe)
// libraries with their own multicast Probes. Prints what each library found, and what it should have found, as JSON.
import { createRequire } from 'node:module';
import { generateFleet } from '../../tools/simulator/fleet';
import { startSimulator } from '../../tools/simulator/server';

const require = createRequire(import.meta.url);
type Any = any; // the libraries are untyped CommonJS, used as their READMEs show
const { Discovery } = require('onvif') as { Discovery: Any };
const nodeOnvif = require('node-onvif') as Any;

// Eight devices: five normal, one slow, one silent (never answers), one malformed (answers garbage).
const fleet = generateFleet({ devices: 8, base: '127.46.2.1', seed: 5, misbehaving: 3 / 8, makes: ['hikvision', 'dahua', 'axis', 'bosch', 'uniview', 'hanwha', 'dahua-lorex', 'generic'] });
for (const [i, behaviour] of [[1, 'slow'], [4, 'silent'], [7, 'malformed']] as const) fleet[i].behaviour = behaviour;
const sim = await startSimulator(fleet, { multicast: true, multicastInterface: '127.0.0.1' });
try {
  Discovery.on('error', () => {}); // garbage from the malformed device is reported here; the probe carries on
  const onvif = await new Promise<Any[]>((resolve) => Discovery.probe({ timeout: 3000, resolve: false }, (_errors: unknown, found: Any[]) => resolve(found ?? [])));
  const nodeFound = await nodeOnvif.startProbe() as Any[];
  process.stdout.write(JSON.stringify({
    expected: fleet.filter((d) => d.onvif && !['silent', 'malformed', 'entity-bomb'].includes(d.behaviour))
      .map((d) => ({ endpoint: d.endpoint, xaddr: `http://${d.address}/onvif/device_service` })),
    onvif: onvif.map((c) => ({ urn: c.probeMatches.probeMatch.endpointReference.address, xaddrs: String(c.probeMatches.probeMatch.XAddrs).split(' ') })),
    nodeOnvif: nodeFound.map((c) => ({ urn: c.urn, xaddrs: c.xaddrs, types: c.types })),
  }));
} finally {
  await sim.close();
}
