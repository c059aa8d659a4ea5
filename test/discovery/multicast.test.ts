// Multicast WS-Discovery, tested only inside a network namespace this test creates (its own lo, nothing else): the
// scanner's multicast Probe to 239.255.255.250 reaches the simulated fleet, which answers from each device's own
// address. Skipped, saying why, where namespaces cannot be created (no CAP_NET_ADMIN); unicast WS-Discovery is
// covered by fleet-scan.test.ts either way.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ScanReport } from '../../src/discovery/types';

const root = path.resolve(__dirname, '../..');
const ns = `sl-wsd-${process.pid}`;
const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

const created = ip('netns', 'add', ns);
const why = created.status === 0 ? null : `cannot create a network namespace (${(created.stderr || created.error?.message || '').trim()}); multicast is covered by unicast tests only`;
if (why) console.warn(`multicast WS-Discovery test skipped: ${why}`);

describe.skipIf(!!why)('WS-Discovery multicast (inside a network namespace)', () => {
  it('finds and identifies devices that only answer the multicast Probe; without it, nothing', () => {
    try {
      // Inside the namespace: lo up, multicast on, the multicast range routed to lo (it has no other interface).
      for (const args of [['link', 'set', 'lo', 'up'], ['link', 'set', 'lo', 'multicast', 'on'], ['route', 'add', '224.0.0.0/4', 'dev', 'lo']]) {
        const r = ip('netns', 'exec', ns, 'ip', ...args);
        expect(r.status, r.stderr).toBe(0);
      }
      const run = spawnSync('ip', ['netns', 'exec', ns, process.execPath, 'bin/run-ts.mjs', 'test/discovery/multicast-child.ts'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(run.status, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout) as { fleet: { address: string; expectedOrigin: string }[]; without: ScanReport; withMulticast: ScanReport };
      expect(out.without.devices).toEqual([]); // the TCP port list (9) finds nothing, and no multicast was sent
      expect(out.withMulticast.devices.map((d) => [d.address, d.verdict.origin])).toEqual(out.fleet.map((d) => [d.address, d.expectedOrigin]));
      expect(out.withMulticast.devices.every((d) => d.wsDiscovery?.xaddrs[0] === `http://${d.address}/onvif/device_service`)).toBe(true);
    } finally {
      ip('netns', 'del', ns);
    }
  }, 150_000);
});
