// Found 2 (issue 14): the server's scheduled scanner refuses loopback, link-local (cloud metadata), CGNAT and the
// server's own addresses unless the operator allows them (SIGHTLINE_SERVER_SCAN_ALLOW); agent uploads keep the
// organisation's ranges only. No traffic is sent by these tests: the scanner is a recorder that must not be called
// for refused targets, and the allowed target is loopback.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, type OrgFixture } from '../helpers/app';
import { CredentialStore } from '../../src/modules/discovery/secrets';
import { runScheduledScan, SCAN_JOB, type RunScan } from '../../src/modules/discovery/schedule';
import { serverScanRanges, serverScanRefusal } from '../../src/modules/discovery/scope';
import { report } from '../discovery/server-fixtures';

const ownAddress = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? null;

describe('server scan limits', () => {
  it('names the reserved range and the operator setting', () => {
    expect(serverScanRefusal('127.0.0.1/32', [])).toMatch(/127\.0\.0\.1, loopback .* SIGHTLINE_SERVER_SCAN_ALLOW/);
    expect(serverScanRefusal('169.254.169.254', [])).toMatch(/cloud metadata/);
    expect(serverScanRefusal('100.64.0.0/10', [])).toMatch(/CGNAT/);
    expect(serverScanRefusal('10.20.0.0/16', [])).toBeNull();
    expect(serverScanRefusal('127.0.0.1', ['127.0.0.0/8'])).toBeNull();
    if (ownAddress) expect(serverScanRefusal(ownAddress, [])).toMatch(/an address of the server itself/);
  });
  it('cuts the reserved ranges out of what the scanner may dial, except what the operator allows', () => {
    const dial = serverScanRanges(['0.0.0.0/0'], []);
    for (const reserved of ['127.0.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.1']) {
      expect(dial.some((r) => { const [a, b] = r.split('-'); return ip(a) <= ip(reserved) && ip(reserved) <= ip(b ?? a); }), reserved).toBe(false);
    }
    expect(serverScanRanges(['10.0.0.0/24', '127.31.0.0/16'], ['127.31.0.0/16'])).toEqual(['10.0.0.0/24', '127.31.0.0/16']);
  });
});
const ip = (s: string) => s.split('.').reduce((n, o) => n * 256 + Number(o), 0);

describeEachDb('scheduled scans stay off the server itself', (get) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  beforeAll(async () => {
    app = await createTestApp(get(), { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sl-ssrf-')) });
    org = await createOrgFixture(get(), 'ssrftown');
    for (const cidr of ['127.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10', ...(ownAddress ? [`${ownAddress}/32`] : [])]) {
      expect((await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr, confirmPublic: true })).status).toBe(201);
    }
  });
  afterAll(async () => { await app?.close(); });

  it('refuses a schedule aimed at loopback, cloud metadata, CGNAT or the server’s own address, with a clear message', async () => {
    for (const target of ['127.0.0.1/32', '169.254.169.254', '100.64.1.1', ...(ownAddress ? [ownAddress] : [])]) {
      const res = await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/schedules', { name: `At ${target}`, targets: [target], ports: [8080], cadence: 'daily' });
      expect(res.status, target).toBe(422);
      expect(res.json.error.fields.targets).toMatch(/SIGHTLINE_SERVER_SCAN_ALLOW/);
    }
    expect((await api(app, org.tokens.admin, 'GET', '/api/v1/discovery/schedules')).json.items).toEqual([]);
  });

  it('refuses at run time a schedule made while the operator allowed loopback, without calling the scanner', async () => {
    const permissive = await createTestApp(get(), { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sl-ssrf2-')), SIGHTLINE_SERVER_SCAN_ALLOW: '127.0.0.0/8' });
    const made = await api(permissive, org.tokens.admin, 'POST', '/api/v1/discovery/schedules', { name: 'Self', targets: ['127.0.0.1/32'], ports: [8080], cadence: 'daily' });
    await permissive.close();
    expect(made.status).toBe(201);
    const calls: string[][] = [];
    const recorder: RunScan = async (targets) => { calls.push(targets); return report(targets, []); };
    const credentials = new CredentialStore(app.deps.config);
    app.deps.jobs.handle(SCAN_JOB, (job, controls) => runScheduledScan({ db: get().db, credentials, scan: recorder, operatorAllow: [] }, job, controls));
    await app.deps.jobs.enqueue(SCAN_JOB, { scheduleId: made.json.id, slot: 0 }, { orgId: org.id });
    await app.deps.jobs.drain();
    expect(calls).toEqual([]);
    const schedule = (await api(app, org.tokens.admin, 'GET', '/api/v1/discovery/schedules')).json.items.find((s: any) => s.id === made.json.id);
    expect(schedule.lastStatus).toBe('refused');
    expect(schedule.lastError).toMatch(/127\.0\.0\.1, loopback \(the server itself\).*SIGHTLINE_SERVER_SCAN_ALLOW/);
  });

  it('still accepts an agent’s uploaded scan of loopback addresses inside the organisation’s ranges', async () => {
    const res = await api(app, org.tokens.engineer, 'POST', '/api/v1/discovery/runs', report(['127.0.0.0/30'], []));
    expect(res.status, res.res.body).toBeLessThan(300);
  });
});
