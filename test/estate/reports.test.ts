import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';

describeEachDb('FOI answer', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'foitown');
    for (const [manufacturer, model, mac] of [['HiLook', 'IPC-B140H', '4C:BD:8F:00:00:01'], ['Axis', 'P3245-LVE', '00:40:8C:00:00:02'], ['Axis', 'P3245-LVE', '00:40:8C:00:00:03']]) {
      await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer, model, mac });
    }
    await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'nvr', manufacturer: 'Hikvision' });
    await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Axis', status: 'removed' });
  });
  afterAll(async () => { await app?.close(); });

  it('answers with camera counts, brands as labelled and by real producer, and the contract details', async () => {
    const agent = await signedInAgent(app, org.users.manager.email);
    await agent.get('/o/foitown/reports/profile');
    const badSpend = await agent.post('/o/foitown/reports/profile', { maintainer: 'Acme CCTV Ltd', annualSpend: 'lots' });
    expect(badSpend.statusCode).toBe(422);
    expect(badSpend.body).toContain('Annual spend must be a number');
    expect(badSpend.body).toContain('value="Acme CCTV Ltd"');
    const bad = await agent.post('/o/foitown/reports/profile', { maintainer: 'Acme CCTV Ltd', 'contractStart-day': '1', 'contractStart-month': '4', 'contractStart-year': '2025', 'contractEnd-day': '31', 'contractEnd-month': '3', 'contractEnd-year': '2024' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Contract end must be on or after its start');
    const ok = await agent.post('/o/foitown/reports/profile', { maintainer: 'Acme CCTV Ltd', 'contractStart-day': '1', 'contractStart-month': '4', 'contractStart-year': '2025', 'contractEnd-day': '31', 'contractEnd-month': '3', 'contractEnd-year': '2028', annualSpend: '£12,500', foiContact: 'foi@foitown.gov.uk' });
    expect(ok.statusCode).toBe(303);
    const page = await agent.get('/o/foitown/reports/foi');
    expect(page.body).toContain('Acme CCTV Ltd');
    expect(page.body).toContain('£12,500');
    expect(page.body).toContain('1 April 2025 to 31 March 2028');
    const csv = (await agent.get('/o/foitown/reports/foi.csv')).body.replace(/^\uFEFF/, '').split('\r\n');
    expect(csv).toContain('Summary,Cameras in use,3');
    expect(csv).toContain('Cameras by brand as labelled,Axis,2');
    expect(csv.some((l) => /^Cameras by real producer,.*Hikvision.*,1$/.test(l))).toBe(true);
  });

  it('keeps viewers from changing the contract details', async () => {
    const viewer = await signedInAgent(app, org.users.viewer.email);
    expect((await viewer.get('/o/foitown/reports/profile')).statusCode).toBe(403);
    expect((await viewer.get('/o/foitown/reports/foi')).statusCode).toBe(200);
  });
});
