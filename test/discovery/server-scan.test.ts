import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, type OrgFixture } from '../helpers/app';
import { expectedVerdict, generateFleet, type SimDevice } from '../../tools/simulator/fleet';
import { DEFAULT_CREDENTIALS, startSimulator, type Simulator } from '../../tools/simulator/server';
import { SCAN_JOB } from '../../src/modules/discovery/schedule';

// End to end: a simulated fleet on loopback addresses (127.77.0.x only; nothing else is ever dialled), a schedule
// the server runs through its job queue with the real scanner and the organisation's stored credential, and the
// reconciliation that results.

describeEachDb('discovery: a scheduled scan of a simulated fleet', (db) => {
  let app: FastifyInstance;
  let sim: Simulator;
  let org: OrgFixture;
  let fleet: SimDevice[];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    fleet = generateFleet({ devices: 15, base: '127.77.0.1', misbehaving: 0, seed: 11 }); // one of each make
    sim = await startSimulator(fleet, { credentials: DEFAULT_CREDENTIALS });
    // The simulated fleet is on loopback, which the server scans only when the operator allows it.
    app = await createTestApp(db(), { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sl-scan-')), SIGHTLINE_SERVER_SCAN_ALLOW: '127.77.0.0/24' });
    org = await createOrgFixture(db(), 'morpeth');
    const range = await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '127.77.0.0/24', label: 'Simulated fleet' });
    await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/credentials', { name: 'Fleet', ...DEFAULT_CREDENTIALS, rangeIds: [range.json.id] });
    // The register knows the first device with older firmware, and a camera at .50 that is not on the network.
    const known = fleet[0];
    ids.known = (await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: known.label, serial: known.serial, ip: known.address, firmware: '0.0.1' })).json.id;
    ids.gone = (await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Axis', serial: 'GONE-1', ip: '127.77.0.50' })).json.id;
    const schedule = await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/schedules', {
      name: 'Fleet hourly', targets: ['127.77.0.0/26'], ports: [80, 443, 554, 8000, 37777, 34567], rate: 1000, cadence: 'hourly', credentialName: 'Fleet',
    });
    expect(schedule.status).toBe(201);
  }, 60_000);
  afterAll(async () => { await app?.close(); await sim?.close(); });

  it('runs the scan from the queue, finds and identifies every device, and reconciles it with the register', async () => {
    await app.deps.jobs.drain(); // tick → enqueue → the scan job, with the real scanner
    const [job] = await app.deps.jobs.list({ name: SCAN_JOB, orgId: org.id });
    expect(job, 'scan job').toBeTruthy();
    expect(job.lastError).toBeNull();
    expect(job.state).toBe('done');
    const runs = (await api(app, org.tokens.viewer, 'GET', '/api/v1/discovery/runs')).json.items;
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(run).toMatchObject({ source: 'schedule', status: 'stored', deviceCount: fleet.length, refused: [] });

    const devices = await db().db.selectFrom('discovery_devices').select(['address', 'origin']).where('run_id', '=', run.id).execute();
    const seen = new Map(devices.map((d) => [d.address, d.origin]));
    for (const d of fleet) expect(seen.get(d.address), `${d.address} (${d.make})`).toBe(expectedVerdict(d));

    const items = (await api(app, org.tokens.viewer, 'GET', `/api/v1/discovery/runs/${run.id}/items?limit=500`)).json.items;
    expect(items.filter((i: any) => i.kind === 'new')).toHaveLength(fleet.length - 1);
    expect(items.find((i: any) => i.kind === 'missing')?.asset.id).toBe(ids.gone);
    const changed = items.find((i: any) => i.kind === 'changed' && i.asset.id === ids.known);
    expect(changed.detail.changes).toContainEqual({ field: 'firmware', register: '0.0.1', seen: fleet[0].firmware });
    // Devices that answer ONVIF only with a login told the scan their details: the stored credential was used.
    const stored = await db().db.selectFrom('discovery_devices').select(['address', 'device_json']).where('run_id', '=', run.id).execute();
    const authed = fleet.filter((d) => d.onvifAuth && d.onvif);
    expect(authed.length).toBeGreaterThan(0);
    for (const d of authed) {
      const onvif = JSON.parse(stored.find((s) => s.address === d.address)!.device_json).onvif;
      expect(onvif?.serialNumber, `${d.address} (${d.make})`).toBe(d.serial);
    }
  }, 120_000);
});
