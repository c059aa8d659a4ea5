import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/platform/config';
import { createApp } from '../../src/server/app';
import type { Role, Actor } from '../../src/platform/context';
import { createOrganisation, grantMembership } from '../../src/modules/organisations/service';
import { createApiToken, createUser } from '../../src/modules/users/service';
import type { TestDatabase } from './db';

export const PASSWORD = 'correct-horse-battery-staple';
const testActor: Actor = { type: 'system', id: null, label: 'test fixture' };

export async function createTestApp(database: TestDatabase, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = loadConfig({ SIGHTLINE_SIGNIN_RATE_LIMIT: '1000', ...env } as NodeJS.ProcessEnv);
  const app = await createApp(database, config);
  await app.ready();
  return app;
}

export interface OrgFixture {
  id: string; slug: string;
  users: Record<Role, { id: string; email: string }>;
  tokens: Record<Role, string>;
}

/** An organisation with one person and one API token of each role. */
export async function createOrgFixture(database: TestDatabase, slug: string): Promise<OrgFixture> {
  const org = await createOrganisation(database.db, testActor, { slug, name: `${slug} council` });
  const users = {} as OrgFixture['users'];
  const tokens = {} as OrgFixture['tokens'];
  for (const role of ['admin', 'manager', 'engineer', 'viewer'] as Role[]) {
    const u = await createUser(database.db, testActor, { email: `${role}@${slug}.example.gov.uk`, name: `${role} of ${slug}`, password: PASSWORD });
    await grantMembership(database.db, testActor, slug, u.id, role);
    users[role] = u;
    tokens[role] = (await createApiToken(database.db, testActor, slug, { name: `${role} token`, role })).token;
  }
  return { id: org.id, slug, users, tokens };
}

/** A browser-like client over app.inject: keeps cookies and fills in the page's CSRF token on form posts. */
export class Agent {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(private app: FastifyInstance) {}

  private absorb(res: LightMyRequestResponse) {
    for (const c of res.cookies as { name: string; value: string; expires?: Date; maxAge?: number }[]) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now()) || c.maxAge === 0) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) this.csrf = m[1];
    return res;
  }

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string) {
    return this.absorb(await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader() } }));
  }

  async post(url: string, form: Record<string, string | string[]>, opts: { csrf?: string | null } = {}) {
    const params = new URLSearchParams();
    const csrf = opts.csrf === undefined ? this.csrf : opts.csrf;
    if (csrf !== null) params.append('_csrf', csrf);
    for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
    return this.absorb(await this.app.inject({
      method: 'POST', url, payload: params.toString(),
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
    }));
  }

  async signIn(email: string, password = PASSWORD) {
    await this.get('/sign-in');
    const res = await this.post('/sign-in', { email, password });
    if (res.statusCode !== 303) throw new Error(`sign-in failed for ${email}: ${res.statusCode}`);
    await this.get('/account'); // picks up the session's CSRF token
    return res;
  }
}

export async function signedInAgent(app: FastifyInstance, email: string) {
  const a = new Agent(app);
  await a.signIn(email);
  return a;
}

/** JSON API call with a bearer token. */
export async function api(app: FastifyInstance, token: string | null, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await app.inject({ method, url, headers, payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  let json: any = null;
  try { json = res.body ? JSON.parse(res.body) : null; } catch { /* not JSON */ }
  return { status: res.statusCode, json, res };
}
