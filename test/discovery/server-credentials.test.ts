import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { CredentialStore, KEY_FILE, loadSecretKey, seal, unseal } from '../../src/modules/discovery/secrets';
import type { OrgContext } from '../../src/platform/context';

// The discovery scope (allowed ranges) and the device credential store: passwords sealed at rest, never shown again,
// and only ever handed out for an address inside the credential's ranges.

const PASSWORD = 'Hunter2-cam-Pa55word!';

describeEachDb('discovery: allowed ranges and device credentials', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  let dataDir: string;
  const ranges: Record<string, string> = {};
  let credentialId: string;
  const ctxOf = (o: OrgFixture): OrgContext => ({ db: db().db, orgId: o.id, orgSlug: o.slug, role: 'admin', actor: { type: 'system', id: null, label: 'test' } });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-secrets-'));
    app = await createTestApp(db(), { DATA_DIR: dataDir });
    org = await createOrgFixture(db(), 'harlow');
    other = await createOrgFixture(db(), 'ilkley');
  });
  afterAll(async () => { await app?.close(); });

  it('validates ranges, normalises them, and makes public address space an explicit decision', async () => {
    const bad = await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '10.20.300.0/24' });
    expect(bad.status).toBe(422);
    expect(bad.json.error.fields.cidr).toMatch(/IPv4 range like/);
    expect((await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '0.0.0.0/0' })).json.error.fields.cidr).toMatch(/\/8 or narrower/);
    expect((await api(app, org.tokens.engineer, 'POST', '/api/v1/discovery/ranges', { cidr: '10.0.0.0/8' })).status).toBe(403);

    const lan = await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '10.20.7.9/16', label: 'CCTV VLAN' });
    expect(lan.status).toBe(201);
    expect(lan.json).toMatchObject({ cidr: '10.20.0.0/16', publicSpace: false, warning: null });
    ranges.lan = lan.json.id;
    expect((await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '10.20.0.0/16' })).status).toBe(409);

    const pub = await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '81.2.69.0/24' });
    expect(pub.status).toBe(422);
    expect(pub.json.error.fields.confirmPublic).toMatch(/public \(internet\) address space/);
    const confirmed = await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '81.2.69.0/24', confirmPublic: true });
    expect(confirmed.json).toMatchObject({ publicSpace: true, warning: expect.stringContaining('public') });
    ranges.pub = confirmed.json.id;
    ranges.depot = (await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '192.168.40.0/24' })).json.id;

    // The settings page shows the warning and asks for the same confirmation.
    const agent = await signedInAgent(app, org.users.admin.email);
    const page = await agent.post('/o/harlow/discovery/ranges', { cidr: '81.2.70.0/24' });
    expect(page.statusCode).toBe(422);
    expect(page.body).toContain('href="#confirmPublic"');
    expect((await agent.get('/o/harlow/discovery/ranges')).body).toContain('Public address space');
  });

  it('stores a credential sealed at rest and never shows or logs its password', async () => {
    const r = await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/credentials', { name: 'Depot cameras', username: 'onvif-audit', password: PASSWORD, rangeIds: [ranges.depot] });
    expect(r.status).toBe(201);
    credentialId = r.json.id;
    expect(r.json).toMatchObject({ name: 'Depot cameras', username: 'onvif-audit', passwordSet: true, ranges: [{ cidr: '192.168.40.0/24' }] });
    expect(r.res.body).not.toContain(PASSWORD);

    const row = await db().db.selectFrom('discovery_credentials').selectAll().where('id', '=', credentialId).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
    expect(row.password_sealed).toMatch(/^v1\.[0-9a-f]{8}\./);
    const audit = await db().db.selectFrom('audit_events').selectAll().where('org_id', '=', org.id).execute();
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
    expect(audit.some((e) => e.object_id === credentialId)).toBe(true);

    expect((await api(app, org.tokens.admin, 'GET', '/api/v1/discovery/credentials')).res.body).not.toContain(PASSWORD);
    expect((await api(app, org.tokens.engineer, 'GET', '/api/v1/discovery/credentials')).status).toBe(403);
    const agent = await signedInAgent(app, org.users.admin.email);
    const page = await agent.get('/o/harlow/discovery/credentials');
    expect(page.body).toContain('onvif-audit');
    expect(page.body).not.toContain(PASSWORD);
    // A mistake elsewhere on the form does not echo the password back.
    const retry = await agent.post('/o/harlow/discovery/credentials', { name: 'Second', username: 'x', password: PASSWORD });
    expect(retry.statusCode).toBe(422);
    expect(retry.body).toContain('Choose at least one allowed range');
    expect(retry.body).not.toContain(PASSWORD);

    // The key file was made once, readable by its owner only.
    const stat = fs.statSync(path.join(dataDir, KEY_FILE));
    expect(stat.mode & 0o777).toBe(0o600);
  });

  it('hands the password only to a probe of an address inside the credential’s ranges', async () => {
    const store = new CredentialStore(app.deps.config);
    expect(await store.resolveCredentials(ctxOf(org), 'depot cameras', '192.168.40.17')).toEqual({ ok: true, username: 'onvif-audit', password: PASSWORD });
    const outside = await store.resolveCredentials(ctxOf(org), 'Depot cameras', '10.20.1.5');
    expect(outside).toEqual({ ok: false, reason: expect.stringContaining('outside the credential’s ranges') });
    expect(JSON.stringify(outside)).not.toContain(PASSWORD);
    expect((await store.resolveCredentials(ctxOf(org), 'Depot cameras', 'not-an-ip')).ok).toBe(false);
    // Another organisation cannot use it by name, and cannot delete it by id.
    expect((await store.resolveCredentials(ctxOf(other), 'Depot cameras', '192.168.40.17')).ok).toBe(false);
    expect((await api(app, other.tokens.admin, 'DELETE', `/api/v1/discovery/credentials/${credentialId}`)).status).toBe(404);
    // Removing the range it was bound to leaves it usable nowhere.
    expect((await api(app, org.tokens.admin, 'DELETE', `/api/v1/discovery/ranges/${ranges.depot}`)).status).toBe(204);
    expect((await store.resolveCredentials(ctxOf(org), 'Depot cameras', '192.168.40.17')).ok).toBe(false);
  });

  it('seals with AES-256-GCM bound to its row: a sealed value moved elsewhere, or read with another key, does not open', () => {
    const key = loadSecretKey({ secretKey: null, dataDir });
    expect(loadSecretKey({ secretKey: null, dataDir }).equals(key)).toBe(true);
    const sealed = seal(key, PASSWORD, 'sightline:credential:org-a:cred-1');
    expect(unseal(key, sealed, 'sightline:credential:org-a:cred-1')).toBe(PASSWORD);
    expect(() => unseal(key, sealed, 'sightline:credential:org-b:cred-1')).toThrow(/does not open/);
    const otherKey = loadSecretKey({ secretKey: 'a'.repeat(64), dataDir });
    expect(() => unseal(otherKey, sealed, 'sightline:credential:org-a:cred-1')).toThrow(/different secret key/);
    expect(() => loadSecretKey({ secretKey: 'short', dataDir })).toThrow(/at least 16 characters/);
  });
});
