import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';

describeEachDb('remediation plan', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'plantown');
    const site = (b: object) => api(app, org.tokens.manager, 'POST', '/api/v1/sites', b).then((r) => r.json.id);
    const net = (b: object) => api(app, org.tokens.manager, 'POST', '/api/v1/networks', b).then((r) => r.json.id);
    ids.hq = await site({ name: 'HQ', sensitive: true, sensitiveReason: 'Data centre' });
    ids.park = await site({ name: 'Park' });
    ids.lan = await net({ name: 'LAN', kind: 'core' });
    ids.vlan = await net({ name: 'VLAN', kind: 'isolated' });
    const hik = (serial: string, extra: object) => api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Hikvision', model: 'DS-2CD2143G2-I', mac: '44:19:B6:00:00:' + serial.slice(-2), serial, ...extra }).then((r) => r.json.id);
    ids.other = await hik('S-01', { siteId: ids.park, networkId: ids.vlan });
    ids.core = await hik('S-02', { siteId: ids.park, networkId: ids.lan });
    ids.sensitive = await hik('S-03', { siteId: ids.hq, networkId: ids.vlan });
    ids.nvr = (await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'nvr', manufacturer: 'Hikvision', model: 'DS-7616NI-K2', mac: '44:19:B6:00:00:99', siteId: ids.hq })).json.id;
    ids.unknown = (await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', networkId: ids.lan })).json.id;
    ids.axis = (await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Axis', model: 'P3245-LVE', mac: '00:40:8C:00:00:01', siteId: ids.hq, networkId: ids.lan })).json.id;
  });
  afterAll(async () => { await app?.close(); });

  it('orders replacements: sensitive sites, then core networks, then unknowns that matter, then other sites', async () => {
    const plan = (await api(app, org.tokens.viewer, 'GET', '/api/v1/plan')).json;
    const order = plan.lines.map((l: any) => l.assetId);
    expect(order.slice(0, 2).sort()).toEqual([ids.nvr, ids.sensitive].sort());
    expect(order.slice(2)).toEqual([ids.core, ids.unknown, ids.other]);
    expect(order).not.toContain(ids.axis);
    expect(plan.tiers.map((t: any) => t.devices)).toEqual([2, 1, 1, 1]);
  });

  it('prices the plan with the organisation’s own unit costs and says what a budget covers', async () => {
    const bad = await api(app, org.tokens.manager, 'PATCH', '/api/v1/plan/costs', { camera: -5 });
    expect(bad.status).toBe(422);
    expect(bad.json.error.fields).toHaveProperty('camera');
    expect((await api(app, org.tokens.engineer, 'PATCH', '/api/v1/plan/costs', { camera: 500 })).status).toBe(403);
    await api(app, org.tokens.manager, 'PATCH', '/api/v1/plan/costs', { camera: 500, nvr: 2000 });
    const plan = (await api(app, org.tokens.viewer, 'GET', '/api/v1/plan?budget=3000')).json;
    expect(plan.totalPence).toBe((2000 + 4 * 500) * 100);
    expect(plan.coveredDevices).toBe(3); // 2000 + 500 + 500 = 3000
    expect(plan.lines.at(-1).cumulativePence).toBe(plan.totalPence);
  });

  it('produces the estate risk report as a workbook and a tagged PDF', async () => {
    const ExcelJS = (await import('exceljs')).default;
    const agent = await signedInAgent(app, org.users.viewer.email);
    const xlsx = await app.inject({ method: 'GET', url: '/o/plantown/reports/risk.xlsx', headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as any);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Findings by site', 'Remediation plan']);
    expect(wb.getWorksheet('Remediation plan')!.rowCount).toBe(6); // header + 5 devices
    const findings = wb.getWorksheet('Findings by site')!.getColumn(4).values.map(String);
    expect(findings).toContain('PRC-NIL equipment on a sensitive site');
    const pdf = await app.inject({ method: 'GET', url: '/o/plantown/reports/risk.pdf', headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    expect(pdf.statusCode).toBe(200);
    const bytes = pdf.rawPayload.toString('latin1');
    expect(bytes.startsWith('%PDF-1.7')).toBe(true);
    expect(bytes).toContain('/StructTreeRoot');
    expect(bytes).toContain('/MarkInfo');
    expect(bytes).toMatch(/\/Lang \(en-GB\)/);
  });

  it('shows the plan, its programme and the CSV on pages, and lets a manager change costs', async () => {
    const agent = await signedInAgent(app, org.users.manager.email);
    const page = await agent.get('/o/plantown/plan?budget=%C2%A31,000');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Sensitive sites: remove and replace now');
    expect(page.body).toMatch(/covers the first \d/);
    const bad = await agent.get('/o/plantown/plan?budget=lots');
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Budget must be a number');
    const csv = await agent.get('/o/plantown/plan.csv');
    expect(csv.body.trim().split('\r\n')).toHaveLength(6);
    await agent.get('/o/plantown/plan/costs');
    const saved = await agent.post('/o/plantown/plan/costs', { camera: '£650', nvr: '2,100', dvr: '1200', encoder: '600', 'vms-server': '6000', switch: '900', other: '500' });
    expect(saved.statusCode).toBe(303);
    expect((await api(app, org.tokens.viewer, 'GET', '/api/v1/plan')).json.costs.find((c: any) => c.kind === 'camera').pence).toBe(65000);
  });
});
