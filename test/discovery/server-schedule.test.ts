import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { CredentialStore } from '../../src/modules/discovery/secrets';
import { enqueueDueScans, runScheduledScan, SCAN_JOB, type RunScan, type ServerScanOptions } from '../../src/modules/discovery/schedule';
import { device, report } from './server-fixtures';

// Scheduled discovery: the tick enqueues each schedule's scan once per slot however often it runs, the scan job
// applies the scope guard before any traffic, hands credentials out only inside their ranges, and stores the result
// as a run. The scanner here is a recording double (no traffic at all); the targets are loopback addresses anyway.

describeEachDb('discovery: scheduled scans', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  let rangeId: string;
  let scheduleId: string;
  const calls: { targets: string[]; options: ServerScanOptions; creds: Record<string, unknown> }[] = [];

  const fakeScan: RunScan = async (targets, options) => {
    const creds = { inside: await options.credentialsFor?.('127.31.0.10'), outside: await options.credentialsFor?.('127.99.0.1') };
    calls.push({ targets, options, creds });
    await options.heartbeat();
    return report(targets, [device('127.31.0.10', { brand: 'AXIS', model: 'P3265-LVE', mac: '00:40:8C:0F:F4:48', firmware: '10.12.153', serial: 'AX-S1' })]);
  };
  const scanJobs = async () => (await app.deps.jobs.list({ name: SCAN_JOB, limit: 500 })).filter((j) => (j.orgId === org.id));

  beforeAll(async () => {
    // The targets are loopback, which the server scans only when the operator allows it.
    app = await createTestApp(db(), { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sl-sched-')), SIGHTLINE_SERVER_SCAN_ALLOW: '127.0.0.0/8' });
    // Before anything can drain the queue: scan jobs go to the recording scanner.
    const credentials = new CredentialStore(app.deps.config);
    app.deps.jobs.handle(SCAN_JOB, (job, controls) => runScheduledScan({ db: db().db, credentials, scan: fakeScan, operatorAllow: app.deps.config.serverScanAllow }, job, controls));
    org = await createOrgFixture(db(), 'jarrow');
    other = await createOrgFixture(db(), 'keswick');
    rangeId = (await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '127.31.0.0/16' })).json.id;
    await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/credentials', { name: 'Lab', username: 'audit', password: 'lab-secret-123', rangeIds: [rangeId] });
  });
  afterAll(async () => { await app?.close(); });

  it('refuses a schedule whose targets leave the allowed ranges, or that names an unknown credential', async () => {
    const out = await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/schedules', { name: 'Too wide', targets: ['127.31.0.0/24', '127.32.0.1'], cadence: 'daily' });
    expect(out.status).toBe(422);
    expect(out.json.error.fields.targets).toMatch(/127\.32\.0\.1 is outside the organisation’s allowed ranges/);
    const cred = await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/schedules', { name: 'x', targets: ['127.31.0.0/24'], cadence: 'daily', credentialName: 'Nope' });
    expect(cred.json.error.fields.credentialName).toMatch(/no credential named/);
    expect((await api(app, org.tokens.engineer, 'POST', '/api/v1/discovery/schedules', { name: 'x', targets: ['127.31.0.0/24'], cadence: 'daily' })).status).toBe(403);
    const agent = await signedInAgent(app, org.users.admin.email);
    const page = await agent.post('/o/jarrow/discovery/schedules', { name: 'Lab', targets: 'camera.local', ports: '80, 99999', rate: '10', cadence: 'daily' });
    expect(page.statusCode).toBe(422);
    expect(page.body).toContain('href="#targets"');
    expect(page.body).toContain('href="#ports"');
  });

  it('enqueues a schedule’s scan once per slot, however many ticks and drains run', async () => {
    const made = await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/schedules', { name: 'Lab nightly', targets: ['127.31.0.0/28'], ports: [80, 554], rate: 50, cadence: 'daily', credentialName: 'lab' });
    expect(made.status).toBe(201);
    scheduleId = made.json.id;
    const now = new Date();
    expect(await enqueueDueScans(db().db, app.deps.jobs, now)).toBe(1);
    expect(await enqueueDueScans(db().db, app.deps.jobs, now)).toBe(0);
    await app.deps.jobs.drain();
    await app.deps.jobs.drain();
    expect(await scanJobs()).toHaveLength(1);
    expect(calls).toHaveLength(1);
    // The next day is the next slot.
    expect(await enqueueDueScans(db().db, app.deps.jobs, new Date(now.getTime() + 86_400_000 + 1000))).toBe(1);
    expect(await scanJobs()).toHaveLength(2);
  });

  it('scans within the allowed ranges, with credentials only inside their ranges, and stores the run', async () => {
    const [call] = calls;
    expect(call.targets).toEqual(['127.31.0.0/28']);
    expect(call.options).toMatchObject({ ports: [80, 554], rate: 50, allow: ['127.31.0.0/16'] });
    expect(call.creds).toEqual({ inside: { username: 'audit', password: 'lab-secret-123' }, outside: null });
    const schedule = (await api(app, org.tokens.viewer, 'GET', '/api/v1/discovery/schedules')).json.items[0];
    expect(schedule).toMatchObject({ lastStatus: 'stored', lastRunId: expect.any(String) });
    const run = (await api(app, org.tokens.viewer, 'GET', `/api/v1/discovery/runs/${schedule.lastRunId}`)).json;
    expect(run).toMatchObject({ source: 'schedule', scheduleId, deviceCount: 1, summary: { new: 1 }, actor: 'Scheduled discovery “Lab nightly”' });
    expect(JSON.stringify(run)).not.toContain('lab-secret-123');
    expect((await api(app, other.tokens.admin, 'GET', `/api/v1/discovery/runs/${run.id}`)).status).toBe(404);
    expect((await api(app, other.tokens.admin, 'DELETE', `/api/v1/discovery/schedules/${scheduleId}`)).status).toBe(404);
  });

  it('sends no traffic when the scope no longer covers the targets, and says why', async () => {
    expect((await api(app, org.tokens.admin, 'DELETE', `/api/v1/discovery/ranges/${rangeId}`)).status).toBe(204);
    const before = calls.length;
    const id = await app.deps.jobs.enqueue(SCAN_JOB, { scheduleId, slot: -1 }, { orgId: org.id });
    await app.deps.jobs.drain();
    expect(calls.length).toBe(before);
    expect((await app.deps.jobs.get(id!))?.result).toMatchObject({ status: 'refused' });
    const schedule = (await api(app, org.tokens.viewer, 'GET', '/api/v1/discovery/schedules')).json.items[0];
    expect(schedule.lastStatus).toBe('refused');
    expect(schedule.lastError).toMatch(/Not scanned: 127\.31\.0\.0\/28 is not in an allowed range/);
    const agent = await signedInAgent(app, org.users.viewer.email);
    const page = await agent.get(`/o/jarrow/discovery/runs/${schedule.lastRunId}`);
    expect(page.body).toContain('was refused and sent no traffic');
  });
});
