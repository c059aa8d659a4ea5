import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, type OrgFixture } from '../helpers/app';
import { listOperations } from '../../src/web/openapi';
import { sha256 } from '../../src/platform/ids';
import { device as scannedDevice, report as scanReport } from '../discovery/server-fixtures';

// The OpenAPI document is generated from the same zod schemas the routes use; here every documented GET is
// called and its answer checked against the documented response schema, so the document cannot drift.

describeEachDb('API contract', (db, kind) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'contract');
    const site = await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'HQ', sensitive: true, sensitiveReason: 'Data centre' });
    const net = await api(app, org.tokens.manager, 'POST', '/api/v1/networks', { name: 'LAN', kind: 'core', cidrs: ['10.0.0.0/8'], siteIds: [site.json.id] });
    const sys = await api(app, org.tokens.manager, 'POST', '/api/v1/systems', { name: 'HQ CCTV', purpose: 'Security', owner: 'Facilities', retentionDays: 30, siteIds: [site.json.id] });
    await api(app, org.tokens.manager, 'POST', '/api/v1/assets', { kind: 'camera', serial: 'C-1', siteId: site.json.id, networkId: net.json.id, systemId: sys.json.id });
    // The DPIA area's records, so its `:id` routes have something to answer with.
    await api(app, org.tokens.manager, 'POST', '/api/v1/dpias', { systemId: sys.json.id });
    await api(app, org.tokens.manager, 'POST', '/api/v1/signs', { siteId: site.json.id, location: 'Gate', showsOperator: true, showsPurpose: true, showsContact: true, condition: 'good' });
    await api(app, org.tokens.manager, 'POST', '/api/v1/disclosures', { systemId: sys.json.id, requestType: 'foi', requester: 'Journalist', receivedOn: '2026-01-05' });
    // The maintenance area's records.
    const schedule = await api(app, org.tokens.manager, 'POST', '/api/v1/maintenance/schedules', { title: 'Monthly check', target: { type: 'site', id: site.json.id }, rrule: 'FREQ=MONTHLY', startDate: '2026-01-05' });
    await api(app, org.tokens.manager, 'POST', '/api/v1/maintenance/visits', { scheduleId: schedule.json.id, visitDate: '2026-01-05' });
    // A discovery run (an uploaded scan report) and a document (a multipart upload).
    await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '10.20.0.0/16' });
    const run = await api(app, org.tokens.engineer, 'POST', '/api/v1/discovery/runs', scanReport(['10.20.1.0/24'], [scannedDevice('10.20.1.20', { brand: 'AXIS', serial: 'AX-77' })]));
    expect(run.status).toBe(201);
    const boundary = 'contractboundary';
    const body = [
      `--${boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\npolicy\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="policy.txt"\r\nContent-Type: text/plain\r\n\r\nCCTV policy v1\r\n`,
      `--${boundary}--\r\n`,
    ].join('');
    const doc = await app.inject({ method: 'POST', url: '/api/v1/documents', payload: body, headers: { authorization: `Bearer ${org.tokens.manager}`, 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(doc.statusCode, doc.body).toBe(201);
  });
  afterAll(async () => { await app?.close(); });

  it('serves an OpenAPI 3.1 document naming every route, and readable docs', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/api/v1/sites', '/api/v1/networks', '/api/v1/systems', '/api/v1/assets', '/api/v1/assets/{id}']) expect(doc.paths).toHaveProperty([p]);
    expect(doc.paths['/api/v1/assets'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('mac');
    // A scan report's device carries every evidence field the engine reads; an asset's provenance names each rule.
    const device = doc.paths['/api/v1/discovery/runs'].post.requestBody.content['application/json'].schema.properties.devices.items.properties;
    for (const f of ['httpServer', 'realm', 'realms', 'wwwAuthenticate', 'ftpBanner', 'snmpSysDescr', 'x509Subject', 'httpBody', 'faviconMmh3', 'upnpModelName', 'rawResponse', 'services']) expect(device).toHaveProperty(f);
    expect(device.httpBody.anyOf?.find((t: any) => t.type === 'string')?.maxLength ?? device.httpBody.maxLength).toBe(65_536);
    expect(doc.paths['/api/v1/assets/{id}/provenance'].get.responses['200'].content['application/json'].schema.properties.evidence.items.properties).toHaveProperty('ruleId');
    const html = await app.inject({ method: 'GET', url: '/api/docs' });
    expect(html.statusCode).toBe(200);
    expect(html.body).toContain('GET /api/v1/assets');
  });

  it('answers every documented GET with the documented shape', async () => {
    const ids: Record<string, string> = {};
    for (const r of ['sites', 'networks', 'systems', 'assets', 'findings', 'dpias', 'signs', 'disclosures', 'maintenance/schedules', 'maintenance/visits', 'discovery/runs', 'documents']) ids[r] = (await api(app, org.tokens.admin, 'GET', `/api/v1/${r}`)).json.items[0].id;
    let checked = 0;
    for (const op of listOperations()) {
      if (op.method !== 'GET' || !op.doc.response) continue;
      const res = /\/(maintenance\/schedules|maintenance\/visits|discovery\/runs|documents|sites|networks|systems|assets|findings|dpias|signs|disclosures)\b/.exec(op.path)?.[1] ?? 'assets';
      const r = await api(app, org.tokens.admin, 'GET', op.path.replace(':id', ids[res]).replace(':version', '1'));
      expect(r.status, op.path).toBe(200);
      const parsed = op.doc.response.safeParse(r.json);
      expect(parsed.success, `${op.path}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(9);
  });

  it('sightline token create prints the token once and stores only its hash', () => {
    const env = { ...process.env, ...(kind === 'sqlite' ? { DATA_DIR: path.dirname(db().file!), DATABASE_URL: '' } : { DATABASE_URL: db().url! }) };
    const out = execFileSync('node', ['bin/sightline.mjs', 'token', 'create', '--org', 'contract', '--role', 'viewer', '--name', 'reporting script'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    expect(out).toMatch(/^slt_[A-Za-z0-9_-]{40,}$/);
    return db().db.selectFrom('api_tokens').select(['token_hash', 'name']).where('name', '=', 'reporting script').executeTakeFirstOrThrow().then((row) => {
      expect(row.token_hash).toBe(sha256(out));
      expect(row.token_hash).not.toContain(out);
    });
  });

  it('sightline --help lists the commands and a bad role is refused with a clear message', () => {
    const help = execFileSync('node', ['bin/sightline.mjs', '--help'], { encoding: 'utf8' });
    for (const c of ['serve', 'migrate', 'seed', 'token', 'user', 'org']) expect(help).toContain(c);
    let err = '';
    try {
      execFileSync('node', ['bin/sightline.mjs', 'token', 'create', '--org', 'contract', '--role', 'owner', '--name', 'x'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e: any) { err = String(e.stderr); }
    expect(err).toMatch(/Allowed choices are admin, manager, engineer, viewer/);
  });
});
