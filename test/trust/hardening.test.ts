// Found 5 (issue 14): HSTS in 'auto' mode over HTTPS, the flash cookie as Secure as the session cookie, credentials in
// URLs kept out of the request log, private modes for the database and files, formula-safe risk workbook, and
// Cache-Control: no-store on API answers. Each assertion failed on the code before this change.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, PASSWORD, signedInAgent, type OrgFixture } from '../helpers/app';
import { createApp } from '../../src/server/app';
import { loadConfig } from '../../src/platform/config';
import { openSqlite } from '../../src/platform/db';
import { LocalStorage } from '../../src/platform/storage';

const HTTPS = { 'x-forwarded-proto': 'https' };
const cookiesOf = (res: { headers: Record<string, unknown> }) => ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []);
const jar = (set: string[], prev = new Map<string, string>()) => {
  for (const c of set) { const [kv] = c.split(';'); const i = kv.indexOf('='); prev.set(kv.slice(0, i), kv.slice(i + 1)); }
  return prev;
};
const header = (m: Map<string, string>) => [...m].map(([k, v]) => `${k}=${v}`).join('; ');

describeEachDb('hardening of responses and logs', (get) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  const log: string[] = [];
  beforeAll(async () => {
    const config = loadConfig({ SIGHTLINE_SIGNIN_RATE_LIMIT: '1000', SIGHTLINE_TRUST_PROXY: '1', LOG_LEVEL: 'info', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sl-hard-')) } as NodeJS.ProcessEnv);
    const logStream = new Writable({ write(chunk, _e, cb) { log.push(String(chunk)); cb(); } });
    app = await createApp(get(), config, { logStream });
    await app.ready();
    org = await createOrgFixture(get(), 'hardtown');
  });
  afterAll(async () => { await app?.close(); });

  it('sends HSTS in auto mode when the request came over HTTPS, and not over plain HTTP', async () => {
    const secure = await app.inject({ method: 'GET', url: '/sign-in', headers: HTTPS });
    expect(secure.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    const plain = await app.inject({ method: 'GET', url: '/sign-in' });
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });

  it('marks the flash cookie Secure when the session cookie is', async () => {
    const cookies = jar(cookiesOf(await app.inject({ method: 'GET', url: '/sign-in', headers: HTTPS })));
    const signIn = await app.inject({ method: 'POST', url: '/sign-in', headers: { ...HTTPS, cookie: header(cookies), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: cookies.get('sl_csrf')!, email: org.users.viewer.email, password: PASSWORD }).toString() });
    const sessionCookie = cookiesOf(signIn).find((c) => c.startsWith('sl_session='))!;
    expect(sessionCookie).toMatch(/; Secure/i);
    jar(cookiesOf(signIn), cookies);
    const account = await app.inject({ method: 'GET', url: '/account', headers: { ...HTTPS, cookie: header(cookies) } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(account.body)![1];
    const revoke = await app.inject({ method: 'POST', url: '/account/sessions/revoke', headers: { ...HTTPS, cookie: header(cookies), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, session: 'others' }).toString() });
    expect(revoke.statusCode).toBe(303);
    const flash = cookiesOf(revoke).find((c) => c.startsWith('sl_flash='))!;
    expect(flash).toMatch(/; Secure/i);
  });

  it('keeps calendar-feed and publication tokens out of the request log', async () => {
    await app.inject({ method: 'GET', url: '/calendar/feedsecret0123456789abcdef.ics' });
    await app.inject({ method: 'GET', url: '/p/self-assessment/pubsecret0123456789abcdef.pdf' });
    const text = log.join('');
    expect(text).toContain('/calendar/[redacted]');
    expect(text).not.toContain('feedsecret0123456789abcdef');
    expect(text).not.toContain('pubsecret0123456789abcdef');
  });

  it('answers every API request with Cache-Control: no-store', async () => {
    const ok = await api(app, org.tokens.viewer, 'GET', '/api/v1/sites');
    expect(ok.status).toBe(200);
    expect(ok.res.headers['cache-control']).toBe('no-store');
    const refused = await api(app, 'not-a-real-token-0000', 'GET', '/api/v1/sites');
    expect(refused.status).toBe(401);
    expect(refused.res.headers['cache-control']).toBe('no-store');
  });

  it('neutralises formula-like text in the risk workbook, as the other exports do', async () => {
    const site = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: '=HYPERLINK("http://x.invalid","open")', sensitive: true, sensitiveReason: 'Depot' })).json.id;
    expect((await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Hikvision', model: 'DS-2CD2143G2-I', mac: '44:19:B6:00:00:42', siteId: site })).status).toBe(201);
    const agent = await signedInAgent(app, org.users.viewer.email);
    const res = await app.inject({ method: 'GET', url: '/o/hardtown/reports/risk.xlsx', headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as any);
    const cells: string[] = [];
    for (const ws of wb.worksheets) ws.eachRow((row) => row.eachCell((c) => { if (typeof c.value === 'string') cells.push(c.value); }));
    expect(cells).toContain('\'=HYPERLINK("http://x.invalid","open")');
    expect(cells.filter((c) => /^[=+\-@]/.test(c))).toEqual([]);
  });
});

describe('private file modes', () => {
  it('creates sightline.db 0600 in a 0700 directory, and the files directory 0700', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-modes-'));
    try {
      const dataDir = path.join(root, 'data');
      const database = openSqlite(path.join(dataDir, 'sightline.db'));
      await database.close();
      expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(dataDir, 'sightline.db')).mode & 0o777).toBe(0o600);
      const files = path.join(dataDir, 'files');
      await new LocalStorage(files).put(Buffer.from('evidence'));
      for (let dir = files; fs.existsSync(dir) && dir !== dataDir; ) {
        expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
        const sub = fs.readdirSync(dir).find((n) => fs.statSync(path.join(dir, n)).isDirectory());
        if (!sub) break;
        dir = path.join(dir, sub);
      }
    } finally { fs.rmSync(root, { recursive: true, force: true }); }
  });
});
