import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { listOperations } from '../../src/web/openapi';
import { listOrgPages } from '../../src/web/http';

// Organisation A's data must be invisible and untouchable to every person and token of organisation B, through
// every API route and every page that exists, however the URL is put together. The routes are enumerated from the
// app's own registries, so a route added later is covered without anyone remembering to add it here.

describeEachDb('tenant isolation', (db, kind) => {
  let app: FastifyInstance;
  let a: OrgFixture;
  let b: OrgFixture;
  const ids: Record<string, string> = {};
  const secretName = 'ZZSECRET-A';
  let snapshot: string;

  const snapshotA = async () => JSON.stringify(await Promise.all(['sites', 'networks', 'systems', 'assets', 'findings'].map((t) => api(app, a.tokens.admin, 'GET', `/api/v1/${t}?limit=500`).then((r) => r.json.items))));

  beforeAll(async () => {
    app = await createTestApp(db());
    a = await createOrgFixture(db(), 'alpha');
    b = await createOrgFixture(db(), 'bravo');
    ids.sites = (await api(app, a.tokens.manager, 'POST', '/api/v1/sites', { name: `${secretName} site`, sensitive: true, sensitiveReason: secretName })).json.id;
    ids.networks = (await api(app, a.tokens.manager, 'POST', '/api/v1/networks', { name: `${secretName} net`, kind: 'core', cidrs: ['10.1.0.0/16'], siteIds: [ids.sites] })).json.id;
    ids.systems = (await api(app, a.tokens.manager, 'POST', '/api/v1/systems', { name: `${secretName} system`, purpose: secretName, owner: secretName, retentionDays: 30, siteIds: [ids.sites] })).json.id;
    ids.assets = (await api(app, a.tokens.manager, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: secretName, model: 'DS-2CD2143G2-I', mac: '44:19:B6:00:00:01', serial: `${secretName}-1`, siteId: ids.sites, networkId: ids.networks, systemId: ids.systems })).json.id;
    ids.findings = (await api(app, a.tokens.admin, 'GET', `/api/v1/findings?asset=${ids.assets}`)).json.items[0]?.id;
    for (const v of Object.values(ids)) expect(v).toBeTruthy();
    await api(app, b.tokens.manager, 'POST', '/api/v1/sites', { name: 'Bravo site' });
    snapshot = await snapshotA();
  });
  afterAll(async () => { await app?.close(); });

  const resourceOf = (path: string) => /\/(sites|networks|systems|assets|findings)\b/.exec(path)?.[1];

  it('no API route, with any role of B’s tokens, reads or changes A’s records', async () => {
    const ops = listOperations();
    expect(ops.length).toBeGreaterThanOrEqual(20);
    for (const role of ['admin', 'viewer'] as const) {
      for (const op of ops) {
        const res = resourceOf(op.path);
        const url = op.path.replace(':id', res ? ids[res] : ids.assets);
        const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : { name: 'hijack', status: 'removed', kind: 'camera', reason: 'hijack', reviewDate: '2027-01-01' };
        const r = await api(app, b.tokens[role], op.method as any, url, body);
        expect(r.res.body, `${role} ${op.method} ${url}`).not.toContain(secretName);
        if (op.path.includes(':id')) expect([403, 404, 422], `${role} ${op.method} ${url}`).toContain(r.status);
        // Also with A's ids smuggled in as filters and references.
        if (op.method === 'GET' && !op.path.includes(':id')) {
          const q = await api(app, b.tokens[role], 'GET', `${op.path}?site=${ids.sites}&network=${ids.networks}&system=${ids.systems}&objectType=asset&objectId=${ids.assets}`);
          expect(q.res.body).not.toContain(secretName);
        }
      }
    }
    const smuggle = await api(app, b.tokens.admin, 'POST', '/api/v1/assets', { kind: 'camera', siteId: ids.sites, networkId: ids.networks, systemId: ids.systems });
    expect(smuggle.status).toBe(422);
    const netSmuggle = await api(app, b.tokens.admin, 'POST', '/api/v1/networks', { name: 'x', kind: 'isolated', cidrs: [], siteIds: [ids.sites] });
    expect(netSmuggle.status).toBe(422);
    expect(await snapshotA()).toBe(snapshot);
  });

  it('no page lets a member of B read or change A’s records', async () => {
    const pages = listOrgPages();
    expect(pages.length).toBeGreaterThanOrEqual(25);
    const agent = await signedInAgent(app, b.users.admin.email);
    for (const p of pages) {
      const res = resourceOf(p.path);
      const path = p.path.replace(':id', res ? ids[res] : ids.assets);
      for (const slug of ['alpha', 'bravo']) {
        const url = `/o/${slug}${path}`;
        const r = p.method === 'GET' ? await agent.get(url) : await agent.post(url, { name: 'hijack', kind: 'camera', status: 'removed', reason: 'hijack', 'reviewDate-day': '1', 'reviewDate-month': '1', 'reviewDate-year': '2027' });
        expect(r.body, `${p.method} ${url}`).not.toContain(secretName);
        if (slug === 'alpha' || p.path.includes(':id')) expect(r.statusCode, `${p.method} ${url}`).toBe(404);
      }
    }
    const list = await agent.get(`/o/bravo/assets?site=${ids.sites}`);
    expect(list.body).not.toContain(secretName);
    expect(await snapshotA()).toBe(snapshot);
  });

  it('a token made on the command line sees only its own organisation', async () => {
    const env = { ...process.env, ...(kind === 'sqlite' ? { DATA_DIR: path.dirname(db().file!), DATABASE_URL: '' } : { DATABASE_URL: db().url! }) };
    const token = execFileSync('node', ['bin/sightline.mjs', 'token', 'create', '--org', 'bravo', '--role', 'admin', '--name', 'isolation check'], { env, encoding: 'utf8' }).trim();
    expect(token).toMatch(/^slt_/);
    const assets = await api(app, token, 'GET', '/api/v1/assets?limit=500');
    expect(assets.status).toBe(200);
    expect(assets.res.body).not.toContain(secretName);
    expect((await api(app, token, 'GET', `/api/v1/assets/${ids.assets}`)).status).toBe(404);
  });
});
