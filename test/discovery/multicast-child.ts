// Run inside a network namespace by multicast.test.ts (never on the host's own network): a simulated fleet that
// answers multicast WS-Discovery on lo, and two scans whose TCP port list finds nothing — one with the multicast
// Probe, one without. Prints both reports as JSON.
import { generateFleet } from '../../tools/simulator/fleet';
import { startSimulator } from '../../tools/simulator/server';
import { runScan } from '../../src/discovery/scan';

const fleet = generateFleet({ devices: 6, base: '127.45.0.1', seed: 2, misbehaving: 0, makes: ['hikvision', 'dahua-honeywell', 'axis', 'bosch', 'uniview', 'hanwha'] });
const sim = await startSimulator(fleet, { multicast: true, multicastInterface: '127.0.0.1' });
try {
  const scan = (multicast: boolean) => runScan({
    targets: ['127.45.0.0/29'], allow: ['127.45.0.0/16'], ports: [9], timeoutMs: 3000, multicast, bindAddress: '127.0.0.1',
  });
  const without = await scan(false);
  const withMulticast = await scan(true);
  process.stdout.write(JSON.stringify({ fleet: fleet.map((d) => ({ address: d.address, expectedOrigin: d.expectedOrigin })), without, withMulticast }));
} finally {
  await sim.close();
}
