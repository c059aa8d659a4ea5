import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { Agent, api, createOrgFixture, createTestApp, PASSWORD, signedInAgent, type OrgFixture } from '../helpers/app';
import { grantMembership } from '../../src/modules/organisations/service';

describeEachDb('signing in, sessions and roles', (db) => {
  let app: FastifyInstance;
  let a: OrgFixture;
  let b: OrgFixture;
  beforeAll(async () => {
    app = await createTestApp(db());
    a = await createOrgFixture(db(), 'ashby');
    b = await createOrgFixture(db(), 'bexley');
  });
  afterAll(async () => { await app?.close(); });

  it('sets an HttpOnly, SameSite session cookie, Secure when the request came over HTTPS', async () => {
    const secureApp = await createTestApp(db(), { SIGHTLINE_TRUST_PROXY: '1' });
    try {
      const agent = new Agent(secureApp);
      await agent.get('/sign-in');
      const res = await secureApp.inject({
        method: 'POST', url: '/sign-in', payload: new URLSearchParams({ _csrf: agent.csrf, email: a.users.viewer.email, password: PASSWORD }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `sl_csrf=${agent.cookies.get('sl_csrf')}`, 'x-forwarded-proto': 'https' },
      });
      expect(res.statusCode).toBe(303);
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/sl_session=[^;]+;.*HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Lax/i);
      expect(setCookie).toMatch(/Secure/i);
    } finally {
      await secureApp.close();
    }
  });

  it('says the same thing for a wrong password and an unknown email, and does not sign in', async () => {
    const agent = new Agent(app);
    await agent.get('/sign-in');
    const wrongPw = await agent.post('/sign-in', { email: a.users.viewer.email, password: 'not the password' });
    const unknown = await agent.post('/sign-in', { email: 'nobody@example.gov.uk', password: 'not the password' });
    expect(wrongPw.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrongPw.body).toContain('Enter a correct email address and password');
    expect(unknown.body).toContain('Enter a correct email address and password');
    expect(agent.cookies.has('sl_session')).toBe(false);
  });

  it('refuses a sign-in form without its CSRF token', async () => {
    const agent = new Agent(app);
    await agent.get('/sign-in');
    const r = await agent.post('/sign-in', { email: a.users.viewer.email, password: PASSWORD }, { csrf: 'forged' });
    expect(r.statusCode).toBe(403);
  });

  it('rate-limits repeated sign-in attempts', async () => {
    const limited = await createTestApp(db(), { SIGHTLINE_SIGNIN_RATE_LIMIT: '3' });
    try {
      const agent = new Agent(limited);
      await agent.get('/sign-in');
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await agent.post('/sign-in', { email: a.users.viewer.email, password: 'wrong-wrong-wrong' })).statusCode);
      expect(codes.slice(0, 3)).toEqual([401, 401, 401]);
      expect(codes.slice(3)).toEqual([429, 429]);
    } finally {
      await limited.close();
    }
  });

  it('signs out, and a revoked session no longer opens pages', async () => {
    const agent = await signedInAgent(app, a.users.viewer.email);
    const other = await signedInAgent(app, a.users.viewer.email);
    expect((await other.get('/o/ashby/sites')).statusCode).toBe(200);
    // "Sign out everywhere else" from the first session ends the second.
    const r = await agent.post('/account/sessions/revoke', { session: 'others' });
    expect(r.statusCode).toBe(303);
    const after = await other.get('/o/ashby/sites');
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toMatch(/^\/sign-in/);
    expect((await agent.get('/o/ashby/sites')).statusCode).toBe(200);
    await agent.post('/sign-out', {});
    expect((await agent.get('/o/ashby/sites')).statusCode).toBe(303);
  });

  it('makes a person with a one-time password choose their own before anything else', async () => {
    await db().db.updateTable('users').set({ must_change_password: 1 }).where('id', '=', a.users.engineer.id).execute();
    const agent = new Agent(app);
    await agent.get('/sign-in');
    const r = await agent.post('/sign-in', { email: a.users.engineer.email, password: PASSWORD });
    expect(r.headers.location).toBe('/account/password');
    expect((await agent.get('/o/ashby/assets')).headers.location).toBe('/account/password');
    await agent.get('/account/password');
    const mismatch = await agent.post('/account/password', { current: PASSWORD, password: 'a-brand-new-password', confirm: 'something else entirely' });
    expect(mismatch.body).toContain('The passwords do not match');
    const ok = await agent.post('/account/password', { current: PASSWORD, password: 'a-brand-new-password', confirm: 'a-brand-new-password' });
    expect(ok.statusCode).toBe(303);
    expect((await agent.get('/o/ashby/assets')).statusCode).toBe(200);
  });

  it('lets one person belong to two organisations and switch between them, with a different role in each', async () => {
    await grantMembership(db().db, { type: 'system', id: null, label: 'test' }, 'bexley', a.users.manager.id, 'viewer');
    const agent = await signedInAgent(app, a.users.manager.email);
    const orgs = await agent.get('/orgs');
    expect(orgs.body).toContain('/o/ashby');
    expect(orgs.body).toContain('/o/bexley');
    expect((await agent.get('/o/ashby/sites/new')).statusCode).toBe(200);
    expect((await agent.get('/o/bexley/sites/new')).statusCode).toBe(403); // a viewer there
    expect((await agent.get('/o/bexley/sites')).statusCode).toBe(200);
    const home = await agent.get('/');
    expect(home.headers.location).toBe('/o/bexley'); // the organisation last used
  });

  it('shows the audit trail to admins only', async () => {
    expect((await api(app, a.tokens.admin, 'GET', '/api/v1/audit')).status).toBe(200);
    expect((await api(app, a.tokens.manager, 'GET', '/api/v1/audit')).status).toBe(403);
    const viewer = await signedInAgent(app, a.users.viewer.email);
    expect((await viewer.get('/o/ashby/audit')).statusCode).toBe(403);
    const admin = await signedInAgent(app, a.users.admin.email);
    const page = await admin.get('/o/ashby/audit');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('is now admin');
  });

  it('rejects missing, malformed and revoked tokens with 401 and JSON', async () => {
    expect((await api(app, null, 'GET', '/api/v1/sites')).status).toBe(401);
    expect((await api(app, 'slt_not-a-real-token-at-all', 'GET', '/api/v1/sites')).json.error.code).toBe('unauthenticated');
    const cookieOnly = await app.inject({ method: 'GET', url: '/api/v1/sites', headers: { cookie: 'sl_session=whatever' } });
    expect(cookieOnly.statusCode).toBe(401);
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.json()).toEqual({ status: 'ok', db: db().kind });
    void b;
  });
});
